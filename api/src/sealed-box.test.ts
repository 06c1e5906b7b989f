import { randomBytes } from 'node:crypto';
import { deriveKeystoreKey, open, seal } from './sealed-box';

describe('sealed box (the keystore encryption)', () => {
  const salt = randomBytes(16);
  const key = deriveKeystoreKey('m'.repeat(40), salt);
  const pem = '-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----\n';

  test('round trip, and the ciphertext shows nothing of the plaintext', () => {
    const box = seal(key, pem, 'u-1/fabric-key');
    expect(open(key, box, 'u-1/fabric-key')).toBe(pem);
    const stored = JSON.stringify(box);
    expect(stored).not.toContain('PRIVATE KEY');
    expect(stored).not.toContain('MIGHAgEAMBMG');
    expect(Buffer.from(box.data, 'base64').toString('utf8')).not.toContain('PRIVATE');
  });

  test('each seal uses a fresh IV: the same secret never looks the same twice', () => {
    expect(seal(key, pem, 'u-1/fabric-key').data).not.toBe(seal(key, pem, 'u-1/fabric-key').data);
  });

  test('another master secret, another salt, another owner or one changed byte do not open it', () => {
    const box = seal(key, pem, 'u-1/fabric-key');
    expect(() => open(deriveKeystoreKey('n'.repeat(40), salt), box, 'u-1/fabric-key')).toThrow();
    expect(() => open(deriveKeystoreKey('m'.repeat(40), randomBytes(16)), box, 'u-1/fabric-key')).toThrow();
    expect(() => open(key, box, 'u-2/fabric-key')).toThrow();
    expect(() => open(key, box, 'u-1/wallet-secret')).toThrow();
    const data = Buffer.from(box.data, 'base64');
    data[5] = data[5]! ^ 1;
    expect(() => open(key, { ...box, data: data.toString('base64') }, 'u-1/fabric-key')).toThrow();
  });

  test('a short master secret is refused', () => {
    expect(() => deriveKeystoreKey('short', salt)).toThrow(/at least 32 characters/);
  });
});
