import { execFileSync } from 'node:child_process';
import { createPrivateKey, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { canonicalJson } from '../canonical-json';
import {
  checkIntentTime,
  intentAction,
  intentHash,
  maxIntentLifetimeMs,
  parseIntent,
  verifyIntentSignature,
  type Intent,
  type SignedIntent,
} from './intent';
import { OrderRefused } from './refusal';

/*
 * Certificates made with openssl the way Fabric CA makes them: a P-256 CA, and a user certificate
 * with OU=client and the attributes as Fabric's JSON extension (OID 1.2.3.4.5.6.7.8.1).
 */
let dir: string;
const file = (name: string): string => path.join(dir, name);
const openssl = (...args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });

function makeCa(name: string): void {
  openssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${name}.key`);
  openssl('req', '-x509', '-new', '-key', `${name}.key`, '-subj', `/O=${name}/CN=ca.${name}`, '-days', '30', '-out', `${name}.pem`);
}

function makeUser(name: string, ca: string, attrs: Record<string, string>, ou = 'client'): void {
  openssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${name}.key`);
  openssl('req', '-new', '-key', `${name}.key`, '-subj', `/OU=${ou}/CN=${name}`, '-out', `${name}.csr`);
  const json = Buffer.from(JSON.stringify({ attrs })).toString('hex');
  writeFileSync(file(`${name}.ext`), `1.2.3.4.5.6.7.8.1=DER:${json}\n`);
  openssl(
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    `${ca}.pem`,
    '-CAkey',
    `${ca}.key`,
    '-CAcreateserial',
    '-days',
    '7',
    '-extfile',
    `${name}.ext`,
    '-out',
    `${name}.pem`,
  );
}

const pem = (name: string): string => readFileSync(file(`${name}.pem`), 'utf8');
// A minute on: the certificates are made after this module loads, and openssl dates them to the second.
const now = Date.now() + 60_000;
const intent: Intent = {
  version: 1,
  channel: 'securepay',
  signer: { mspId: 'BankAMSP', partyId: 'buyer-1' },
  orderId: 'order-1',
  expiresAt: now + 60_000,
  nonce: 'n0nce-0123456789abcd',
  action: 'confirm',
};

function signed(by: string, certificateOf = by, text = canonicalJson(intent)): SignedIntent {
  const signature = sign('sha256', Buffer.from(text), createPrivateKey(readFileSync(file(`${by}.key`)))).toString('base64');
  return { intent: text, signature, certificate: pem(certificateOf) };
}

const codeOf = (run: () => unknown): string => {
  try {
    run();
    return 'ACCEPTED';
  } catch (error) {
    if (error instanceof OrderRefused) return error.code;
    throw error;
  }
};

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'intent-'));
  makeCa('bankA');
  makeCa('bankB');
  makeUser('buyer', 'bankA', { role: 'buyer', partyId: 'buyer-1', walletCommitment: 'ab'.repeat(32) });
  makeUser('stranger', 'bankB', { role: 'buyer', partyId: 'buyer-1' });
  makeUser('peer', 'bankA', {}, 'peer');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a signed intent', () => {
  it('verifies against its bank’s CA and yields the certificate’s attributes', () => {
    const user = verifyIntentSignature(signed('buyer'), pem('bankA'), now);
    expect(user).toEqual({ attributes: { role: 'buyer', partyId: 'buyer-1', walletCommitment: 'ab'.repeat(32) }, isClient: true });
  });

  it('is refused when its text was changed after signing', () => {
    const tampered = { ...signed('buyer'), intent: canonicalJson({ ...intent, orderId: 'order-2' }) };
    expect(codeOf(() => verifyIntentSignature(tampered, pem('bankA'), now))).toBe('BAD_SIGNATURE');
  });

  it('is refused when signed by another key than the certificate’s', () => {
    expect(codeOf(() => verifyIntentSignature(signed('stranger', 'buyer'), pem('bankA'), now))).toBe('BAD_SIGNATURE');
  });

  it('is refused when its certificate comes from another CA, even with the same attributes', () => {
    expect(codeOf(() => verifyIntentSignature(signed('stranger'), pem('bankA'), now))).toBe('BAD_SIGNATURE');
  });

  it('is refused against another CA after it verified against its own (a process keeps checked certificates per CA)', () => {
    expect(codeOf(() => verifyIntentSignature(signed('buyer'), pem('bankA'), now))).toBe('ACCEPTED');
    expect(codeOf(() => verifyIntentSignature(signed('buyer'), pem('bankB'), now))).toBe('BAD_SIGNATURE');
  });

  it('is refused outside its certificate’s validity', () => {
    expect(codeOf(() => verifyIntentSignature(signed('buyer'), pem('bankA'), now + 8 * 86_400_000))).toBe('BAD_SIGNATURE');
  });

  it('reports a non-client certificate as such', () => {
    expect(verifyIntentSignature(signed('peer'), pem('bankA'), now).isClient).toBe(false);
  });

  it('is refused when the certificate or signature is not one', () => {
    expect(codeOf(() => verifyIntentSignature({ ...signed('buyer'), certificate: 'x'.repeat(200) }, pem('bankA'), now))).toBe(
      'BAD_SIGNATURE',
    );
    expect(codeOf(() => verifyIntentSignature({ ...signed('buyer'), signature: 'AAAA'.repeat(8) }, pem('bankA'), now))).toBe(
      'BAD_SIGNATURE',
    );
  });

  it('has a hash over its text, whichever of its valid signatures it carries', () => {
    const a = signed('buyer');
    expect(intentHash(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(intentHash(signed('buyer'))).toBe(intentHash(a)); // ECDSA signatures are randomised; the statement is not
    expect(intentHash(signed('buyer', 'buyer', canonicalJson({ ...intent, orderId: 'order-2' })))).not.toBe(intentHash(a));
  });
});

describe('an intent’s text and time', () => {
  it('must be a well-formed intent', () => {
    expect(codeOf(() => parseIntent('{'))).toBe('BAD_ARGUMENT');
    expect(codeOf(() => parseIntent(canonicalJson({ ...intent, nonce: 'short' })))).toBe('BAD_ARGUMENT');
    expect(codeOf(() => parseIntent(canonicalJson({ ...intent, extra: 1 })))).toBe('BAD_ARGUMENT');
    const proposal = { orderId: 'order-9', merchant: { mspId: 'BankBMSP', partyId: 'm-1' } };
    expect(codeOf(() => parseIntent(canonicalJson({ ...intent, action: 'propose', proposal, termsHash: 'a'.repeat(64) })))).toBe(
      'BAD_ARGUMENT',
    );
    expect(parseIntent(canonicalJson(intent))).toEqual(intent);
  });

  it('asks for a merchant’s or a courier’s step as that step, with its own fields only', () => {
    const as = (fields: object): string => canonicalJson({ ...intent, ...fields });
    const courier = { mspId: 'BankBMSP', partyId: 'c-1' };
    expect(intentAction(parseIntent(as({ action: 'approve' })))).toEqual({ type: 'approve' });
    expect(intentAction(parseIntent(as({ action: 'ship' })))).toEqual({ type: 'ship' });
    expect(intentAction(parseIntent(as({ action: 'ship', courier })))).toEqual({ type: 'ship', courier });
    expect(intentAction(parseIntent(as({ action: 'deliver', proofHash: 'ab'.repeat(32) })))).toEqual({
      type: 'deliver',
      proofHash: 'ab'.repeat(32),
    });
    expect(codeOf(() => parseIntent(as({ action: 'deliver' })))).toBe('BAD_ARGUMENT');
    expect(codeOf(() => parseIntent(as({ action: 'deliver', proofHash: '' })))).toBe('BAD_ARGUMENT');
    expect(codeOf(() => parseIntent(as({ action: 'approve', proofHash: 'ab' })))).toBe('BAD_ARGUMENT');
    expect(codeOf(() => parseIntent(as({ action: 'ship', courier: { mspId: 'BankBMSP' } })))).toBe('BAD_ARGUMENT');
    // Only steps a user takes: a bank's, the platform's or a settlement proof is no intent.
    for (const action of ['reject', 'recordDeposit', 'resolveDispute', 'recordSettlement', 'compensate'])
      expect(codeOf(() => parseIntent(as({ action })))).toBe('BAD_ARGUMENT');
  });

  it('is good on its own channel until its expiry, inclusive', () => {
    expect(codeOf(() => checkIntentTime(intent, 'securepay', intent.expiresAt))).toBe('ACCEPTED');
    expect(codeOf(() => checkIntentTime(intent, 'securepay', intent.expiresAt + 1))).toBe('INTENT_EXPIRED');
    expect(codeOf(() => checkIntentTime(intent, 'other', now))).toBe('BAD_ARGUMENT');
    expect(codeOf(() => checkIntentTime({ ...intent, expiresAt: now + maxIntentLifetimeMs + 1 }, 'securepay', now))).toBe('BAD_ARGUMENT');
  });
});
