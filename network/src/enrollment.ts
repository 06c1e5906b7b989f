import FabricCAServices from 'fabric-ca-client';
import { User } from 'fabric-common';
import { readFileSync } from 'node:fs';
import type { OrgConnection } from './connection';
import type { SigningIdentity } from './identity';

/**
 * Certificate attributes SecurePay's contract reads; `:ecert` puts them into the certificate. End
 * users (buyer, merchant, courier) carry a pseudonymous `partyId` and their `wallet`; operators
 * (platform, bank) carry only their role.
 */
export interface UserAttributes {
  role: 'buyer' | 'merchant' | 'courier' | 'platform' | 'bank';
  partyId?: string;
  wallet?: string;
}

function caClient(connection: OrgConnection): FabricCAServices {
  const trustedRoots = [readFileSync(connection.ca.tlsCertPath, 'utf8')];
  return new FabricCAServices(connection.ca.url, { trustedRoots, verify: true }, connection.ca.caName);
}

async function registrarUser(connection: OrgConnection, ca: FabricCAServices): Promise<User> {
  const enrollment = await ca.enroll({ enrollmentID: connection.ca.registrarId, enrollmentSecret: connection.ca.registrarSecret });
  const user = new User(connection.ca.registrarId);
  await user.setEnrollment(enrollment.key, enrollment.certificate, connection.mspId);
  return user;
}

/**
 * Registers an end user at the org's Fabric CA with SecurePay's attributes and enrolls it: the
 * returned certificate carries `role` and `wallet`, which the contract checks on every call.
 */
export async function registerAndEnroll(
  connection: OrgConnection,
  enrollmentId: string,
  attributes: UserAttributes,
): Promise<SigningIdentity> {
  const ca = caClient(connection);
  const registrar = await registrarUser(connection, ca);
  const attrs = Object.entries(attributes)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([name, value]) => ({ name, value, ecert: true }));
  const secret = await ca.register({ enrollmentID: enrollmentId, role: 'client', affiliation: '', attrs, maxEnrollments: -1 }, registrar);
  const enrollment = await ca.enroll({ enrollmentID: enrollmentId, enrollmentSecret: secret });
  return { mspId: connection.mspId, certificatePem: enrollment.certificate, privateKeyPem: enrollment.key.toBytes() };
}
