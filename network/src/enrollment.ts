import type FabricCAServices from 'fabric-ca-client';
import type { User } from 'fabric-common';
import { readFileSync } from 'node:fs';
import { caLibraries } from './ca-libraries';
import type { OrgConnection, OrgEndpoints } from './connection';
import type { SigningIdentity } from './identity';

/**
 * Certificate attributes SecurePay's contract reads; `:ecert` puts them into the certificate. End
 * users (buyer, merchant, courier) carry a pseudonymous `partyId` and a `walletCommitment` (never the
 * wallet id: certificates are in every block). There is no
 * operator role: the platform's and the banks' authority is their org admin's certificate.
 */
export interface UserAttributes {
  role: 'buyer' | 'merchant' | 'courier';
  partyId?: string;
  walletCommitment?: string;
}

async function caClient(endpoints: OrgEndpoints): Promise<FabricCAServices> {
  const { FabricCAServices } = await caLibraries();
  const trustedRoots = [readFileSync(endpoints.ca.tlsCertPath, 'utf8')];
  return new FabricCAServices(endpoints.ca.url, { trustedRoots, verify: true }, endpoints.ca.caName);
}

async function registrarUser(connection: OrgConnection, ca: FabricCAServices): Promise<User> {
  const { User } = await caLibraries();
  const enrollment = await ca.enroll({ enrollmentID: connection.ca.registrarId, enrollmentSecret: connection.ca.registrarSecret });
  const user = new User(connection.ca.registrarId);
  await user.setEnrollment(enrollment.key, enrollment.certificate, connection.mspId);
  return user;
}

/**
 * Registers an end user at the org's own CA with its customer registrar, as `client`, and returns the
 * enrollment secret: the bank's side of onboarding. Whoever enrolls with the secret makes the key.
 */
export async function registerCustomer(connection: OrgConnection, enrollmentId: string, attributes: UserAttributes): Promise<string> {
  const ca = await caClient(connection);
  const registrar = await registrarUser(connection, ca);
  const attrs = Object.entries(attributes)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([name, value]) => ({ name, value, ecert: true }));
  return ca.register({ enrollmentID: enrollmentId, role: 'client', affiliation: '', attrs, maxEnrollments: 1 }, registrar);
}

/** Enrolls a registered identity at the org's CA: the key pair is made here and never leaves the caller. */
export async function enroll(endpoints: OrgEndpoints, enrollmentId: string, enrollmentSecret: string): Promise<SigningIdentity> {
  const enrollment = await (await caClient(endpoints)).enroll({ enrollmentID: enrollmentId, enrollmentSecret });
  return { mspId: endpoints.mspId, certificatePem: enrollment.certificate, privateKeyPem: enrollment.key.toBytes() };
}

/**
 * Enrolls with a certificate signing request the user made on its own device: the CA signs the
 * user's public key, and the private key never leaves the user. Returns the certificate.
 */
export async function enrollWithCsr(
  endpoints: OrgEndpoints,
  enrollmentId: string,
  enrollmentSecret: string,
  csrPem: string,
): Promise<string> {
  const enrollment = await (await caClient(endpoints)).enroll({ enrollmentID: enrollmentId, enrollmentSecret, csr: csrPem });
  return enrollment.certificate;
}

/** Both halves at once, for the org's own tools and tests: the certificate carries `role`, `partyId` and `walletCommitment`. */
export async function registerAndEnroll(
  connection: OrgConnection,
  enrollmentId: string,
  attributes: UserAttributes,
): Promise<SigningIdentity> {
  return enroll(connection, enrollmentId, await registerCustomer(connection, enrollmentId, attributes));
}
