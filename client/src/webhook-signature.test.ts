import { createHmac } from 'node:crypto';
import { readWebhook, signWebhook, verifyWebhook, webhookSignature, WebhookSignatureError } from './index';

const secret = 'whsec_test-secret-of-the-subscription';
const body = JSON.stringify({
  id: 'evt_0123456789abcdef0123456789abcdef',
  sequence: '7',
  type: 'order.escrowed',
  orderId: 'o-1',
  state: 'ESCROWED',
  previousState: 'PROPOSED',
  action: 'approve',
  txId: 'ab'.repeat(32),
  blockNumber: '12',
  txIndex: 0,
  occurredAt: '2030-01-01T00:00:00.000Z',
});
const now = Date.UTC(2030, 0, 1);

/** The refusal's code, or 'accepted'. */
function verdict(run: () => unknown): string {
  try {
    run();
    return 'accepted';
  } catch (error) {
    if (error instanceof WebhookSignatureError) return error.code;
    throw error;
  }
}

describe('webhook signatures', () => {
  it('is HMAC-SHA256 of "<t>.<body>" keyed with the secret, as the README says', () => {
    const t = Math.floor(now / 1000);
    const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
    expect(webhookSignature(secret, t, body)).toBe(expected);
    expect(signWebhook(secret, body, now)).toBe(`t=${t},v1=${expected}`);
  });

  it('accepts the body as signed, as a string or as bytes, and reads the event', () => {
    const header = signWebhook(secret, body, now);
    expect(verifyWebhook(body, header, secret, { nowMs: now + 4 * 60_000 })).toEqual({ timestamp: now / 1000 });
    expect(verdict(() => verifyWebhook(Buffer.from(body), header, secret, { nowMs: now }))).toBe('accepted');
    expect(readWebhook(body, header, secret, { nowMs: now }).state).toBe('ESCROWED');
  });

  it('refuses a body changed by one character, another secret, or a signature of another time', () => {
    const header = signWebhook(secret, body, now);
    expect(verdict(() => verifyWebhook(body.replace('ESCROWED', 'SETTLED!'), header, secret, { nowMs: now }))).toBe('SIGNATURE_MISMATCH');
    expect(verdict(() => verifyWebhook(body, header, `${secret}x`, { nowMs: now }))).toBe('SIGNATURE_MISMATCH');
    // The same signature under a new timestamp: the timestamp is signed with the body.
    const moved = header.replace(/^t=(\d+)/, (_m, t: string) => `t=${Number(t) + 60}`);
    expect(verdict(() => verifyWebhook(body, moved, secret, { nowMs: now }))).toBe('SIGNATURE_MISMATCH');
  });

  it('refuses a delivery signed too long ago or too far ahead; the tolerance is the receiver’s to set', () => {
    const old = signWebhook(secret, body, now - 6 * 60_000);
    expect(verdict(() => verifyWebhook(body, old, secret, { nowMs: now }))).toBe('TIMESTAMP_OUT_OF_TOLERANCE');
    expect(verdict(() => verifyWebhook(body, old, secret, { nowMs: now, toleranceSeconds: 600 }))).toBe('accepted');
    const ahead = signWebhook(secret, body, now + 6 * 60_000);
    expect(verdict(() => verifyWebhook(body, ahead, secret, { nowMs: now }))).toBe('TIMESTAMP_OUT_OF_TOLERANCE');
  });

  it('accepts any of several v1 signatures (a secret being rotated) and ignores other schemes', () => {
    const t = Math.floor(now / 1000);
    const header = `t=${t},v0=whatever,v1=${webhookSignature('old-secret', t, body)},v1=${webhookSignature(secret, t, body)}`;
    expect(verdict(() => verifyWebhook(body, header, secret, { nowMs: now }))).toBe('accepted');
  });

  it.each([
    ['no header', undefined],
    ['an empty one', ''],
    ['no timestamp', `v1=${'a'.repeat(64)}`],
    ['no signature', 't=1893456000'],
    ['a timestamp that is not a number', `t=soon,v1=${'a'.repeat(64)}`],
    ['a signature that is not hex', `t=1893456000,v1=${'z'.repeat(64)}`],
    ['a truncated signature', `t=1893456000,v1=${'a'.repeat(63)}`],
  ])('refuses %s as malformed', (_name, header) => {
    expect(verdict(() => verifyWebhook(body, header, secret, { nowMs: now }))).toBe('MALFORMED_SIGNATURE');
  });
});
