import { generateKeyPairSync, randomBytes, verify } from 'node:crypto';
import { derSignature, messageSigner } from './message-signer';

const p256Order = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

/** Reads r and s back out of a DER signature, refusing anything that is not the shortest encoding. */
function readDer(signature: Uint8Array): { r: bigint; s: bigint } {
  const bytes = Buffer.from(signature);
  expect(bytes[0]).toBe(0x30);
  expect(bytes[1]).toBe(bytes.length - 2);
  const integers: bigint[] = [];
  for (let at = 2; at < bytes.length;) {
    expect(bytes[at]).toBe(0x02);
    const length = bytes[at + 1]!;
    const value = bytes.subarray(at + 2, at + 2 + length);
    // No needless leading zero, and never negative.
    if (value.length > 1 && value[0] === 0) expect(value[1]! & 0x80).toBe(0x80);
    expect(value[0]! & 0x80).toBe(0);
    integers.push(BigInt(`0x${value.toString('hex')}`));
    at += 2 + length;
  }
  expect(integers).toHaveLength(2);
  return { r: integers[0]!, s: integers[1]! };
}

describe('messageSigner', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const sign = messageSigner(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());

  it('signs the SHA-256 of the whole message so that OpenSSL verifies it, and only that message', async () => {
    const message = randomBytes(300);
    const signature = await sign(message);
    expect(verify('sha256', message, publicKey, signature)).toBe(true);
    expect(verify('sha256', Buffer.concat([message, Buffer.from([0])]), publicKey, signature)).toBe(false);
  });

  it('always gives a low-S signature in shortest DER, as Fabric requires', async () => {
    let folded = 0;
    for (let i = 0; i < 200; i++) {
      const message = randomBytes(64);
      const signature = await sign(message);
      const { r, s } = readDer(signature);
      expect(s <= p256Order / 2n).toBe(true);
      expect(r > 0n && r < p256Order).toBe(true);
      expect(verify('sha256', message, publicKey, signature)).toBe(true);
      // OpenSSL's own signature is high-S about half the time: the fold must have happened on some.
      const high = verify('sha256', message, publicKey, derSignature(r, p256Order - s));
      if (high) folded++;
    }
    // Both (r, s) and (r, n - s) verify: the signer picked the low one every time.
    expect(folded).toBe(200);
  });

  it('signs with a P-384 key too', async () => {
    const pair = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
    const signature = await messageSigner(pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString())(Buffer.from('order'));
    expect(verify('sha256', Buffer.from('order'), pair.publicKey, signature)).toBe(true);
  });

  it('refuses a key that is not ECDSA', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
    expect(() => messageSigner(rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString())).toThrow(/ECDSA on P-256 or P-384/);
  });
});
