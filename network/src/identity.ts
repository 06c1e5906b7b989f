import { readFileSync } from 'node:fs';
import type { OrgConnection } from './connection';

/** An X.509 identity that can sign: what a client needs to act on the channel. */
export interface SigningIdentity {
  mspId: string;
  certificatePem: string;
  privateKeyPem: string;
}

export function orgAdmin(connection: OrgConnection): SigningIdentity {
  return {
    mspId: connection.mspId,
    certificatePem: readFileSync(connection.admin.certPath, 'utf8'),
    privateKeyPem: readFileSync(connection.admin.keyPath, 'utf8'),
  };
}
