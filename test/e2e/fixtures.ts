import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  Layout,
  loadNetworkConfig,
  outsiderOrg,
  readConnection,
  runningProfile,
  type OrgConnection,
  type SigningIdentity,
} from '@securepay/network';

export function networkLayout(): Layout {
  return new Layout(loadNetworkConfig({ profile: process.env.SECUREPAY_PROFILE ?? runningProfile() }));
}

export function connectionOf(mspId: string): OrgConnection {
  return readConnection(networkLayout(), mspId);
}

export const uniqueId = (prefix: string): string => `${prefix}-${randomUUID().slice(0, 8)}`;

/** A user of an org that is not on the channel (cryptogen made it; no channel config names its CA). */
export function outsiderUser(): SigningIdentity {
  const layout = networkLayout();
  const msp = path.join(layout.outsiderOrgDir(outsiderOrg.domain), 'users', `User1@${outsiderOrg.domain}`, 'msp');
  const only = (dir: string): string => readFileSync(path.join(msp, dir, readdirSync(path.join(msp, dir))[0]!), 'utf8');
  return { mspId: outsiderOrg.mspId, certificatePem: only('signcerts'), privateKeyPem: only('keystore') };
}

/**
 * A block's bytes as a privacy search must see them: the raw bytes, and every certificate in them
 * decoded from PEM to DER — a certificate's subject and attributes (Fabric CA puts them in an
 * extension as JSON) are base64 inside the PEM, so a raw search alone would never find them. A PEM
 * inside a JSON argument (a signed intent's certificate) has its line breaks escaped as `\n`.
 */
export function searchableBytes(block: Buffer): Buffer {
  const pems = block.toString('latin1').match(/-----BEGIN CERTIFICATE-----(?:[A-Za-z0-9+/=\s]|\\[nr])+-----END CERTIFICATE-----/g) ?? [];
  const ders = pems.map((pem) => Buffer.from(pem.replace(/-----(BEGIN|END) CERTIFICATE-----|\\[nr]|\s/g, ''), 'base64'));
  return Buffer.concat([block, ...ders]);
}
