import { readFileSync } from 'node:fs';
import type { OrgConnection } from './connection';

/** An X.509 identity that can sign: what a client needs to act on the channel. */
export interface SigningIdentity {
  mspId: string;
  certificatePem: string;
  privateKeyPem: string;
}

/**
 * An identity whose key is held by someone else — a user signing on its own device: each digest to
 * sign goes to `sign`, and what comes back is the signature.
 */
export interface RemoteSigningIdentity {
  mspId: string;
  certificatePem: string;
  sign(digest: Uint8Array): Promise<Uint8Array>;
}

/** What a gateway connection acts as: a key at hand, or a signer elsewhere. */
export type ActingIdentity = SigningIdentity | RemoteSigningIdentity;

export function orgAdmin(connection: OrgConnection): SigningIdentity {
  return {
    mspId: connection.mspId,
    certificatePem: readFileSync(connection.admin.certPath, 'utf8'),
    privateKeyPem: readFileSync(connection.admin.keyPath, 'utf8'),
  };
}
