import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto';
import { z } from 'zod';

/** A secret encrypted with AES-256-GCM. `aad` binds it to its owner: a box moved to another user does not open. */
export const sealedBoxSchema = z.strictObject({
  v: z.literal(1),
  iv: z.string(),
  tag: z.string(),
  data: z.string(),
});
export type SealedBox = z.infer<typeof sealedBoxSchema>;

/** scrypt cost: 2^15 × 8 × 128 B = 32 MiB and ~0.1 s per derivation, paid once per process start. */
const scryptOptions = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };

export const minMasterSecretLength = 32;

/** The 256-bit key the keystore encrypts with, derived from the operator's master secret. */
export function deriveKeystoreKey(masterSecret: string, salt: Buffer): Buffer {
  if (masterSecret.length < minMasterSecretLength) {
    throw new Error(`the keystore master secret must be at least ${minMasterSecretLength} characters`);
  }
  return scryptSync(masterSecret, salt, 32, scryptOptions);
}

export function seal(key: Buffer, plaintext: string, aad: string): SealedBox {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return { v: 1, iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') };
}

/** Opens a box sealed for `aad`; a wrong key, another owner or a changed byte all throw. */
export function open(key: Buffer, box: SealedBox, aad: string): string {
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(box.iv, 'base64'));
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(Buffer.from(box.tag, 'base64'));
  return Buffer.concat([decipher.update(Buffer.from(box.data, 'base64')), decipher.final()]).toString('utf8');
}
