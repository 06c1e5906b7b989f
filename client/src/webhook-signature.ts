import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * SecurePay's webhook signature: `SecurePay-Signature: t=<unix seconds>,v1=<hex>` where the hex is
 * HMAC-SHA256, keyed with the subscription's secret (its UTF-8 bytes), of `<t>.` followed by the raw
 * request body, byte for byte. The timestamp is signed with the body, so an old delivery replayed by
 * someone who caught it fails the tolerance check, and a changed body fails the signature.
 */
export const webhookSignatureHeader = 'SecurePay-Signature';

/** How far a delivery's timestamp may be from the receiver's clock, either way, by default. */
export const defaultWebhookToleranceSeconds = 300;

export type WebhookSignatureCode = 'MALFORMED_SIGNATURE' | 'SIGNATURE_MISMATCH' | 'TIMESTAMP_OUT_OF_TOLERANCE';

/** A delivery that must not be trusted: the code says why. */
export class WebhookSignatureError extends Error {
  constructor(
    readonly code: WebhookSignatureCode,
    message: string,
  ) {
    super(`${code}: ${message}`);
    this.name = 'WebhookSignatureError';
  }
}

const bytesOf = (body: string | Uint8Array): Buffer => (typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body));

/** The v1 signature (hex) of `body` sent at `timestamp` (unix seconds). */
export function webhookSignature(secret: string, timestamp: number, body: string | Uint8Array): string {
  return createHmac('sha256', Buffer.from(secret, 'utf8')).update(`${timestamp}.`, 'utf8').update(bytesOf(body)).digest('hex');
}

/** The header value for `body` sent now (or at `nowMs`). */
export function signWebhook(secret: string, body: string | Uint8Array, nowMs: number = Date.now()): string {
  const timestamp = Math.floor(nowMs / 1000);
  return `t=${timestamp},v1=${webhookSignature(secret, timestamp, body)}`;
}

/** `t` and every `v1` of a header; other schemes' entries are ignored, so a later one can be added beside v1. */
function parseHeader(header: string): { timestamp: number; signatures: string[] } {
  let timestamp: number | undefined;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const at = part.indexOf('=');
    if (at <= 0) throw new WebhookSignatureError('MALFORMED_SIGNATURE', `"${part.trim()}" is not key=value`);
    const key = part.slice(0, at).trim();
    const value = part.slice(at + 1).trim();
    if (key === 't') {
      if (!/^[0-9]{1,12}$/.test(value)) throw new WebhookSignatureError('MALFORMED_SIGNATURE', 't is not a unix time in seconds');
      timestamp = Number(value);
    } else if (key === 'v1') {
      if (!/^[0-9a-f]{64}$/.test(value)) throw new WebhookSignatureError('MALFORMED_SIGNATURE', 'v1 is not 64 lower-case hex digits');
      signatures.push(value);
    }
  }
  if (timestamp === undefined) throw new WebhookSignatureError('MALFORMED_SIGNATURE', 'no t= timestamp');
  if (signatures.length === 0) throw new WebhookSignatureError('MALFORMED_SIGNATURE', 'no v1= signature');
  return { timestamp, signatures };
}

export interface VerifyWebhookOptions {
  /** Seconds the timestamp may be off the receiver's clock (default 300). */
  toleranceSeconds?: number;
  /** The receiver's clock, in milliseconds (default `Date.now()`). */
  nowMs?: number;
}

/**
 * Checks a delivery as it arrived: the raw body (before any JSON parsing: re-serialising changes the
 * bytes), the `SecurePay-Signature` header and the subscription's secret. Returns the signed
 * timestamp; throws `WebhookSignatureError` for a missing or malformed header, a timestamp outside
 * the tolerance, or a signature that does not match (compared in constant time).
 */
export function verifyWebhook(
  body: string | Uint8Array,
  header: string | undefined,
  secret: string,
  options: VerifyWebhookOptions = {},
): { timestamp: number } {
  if (!header) throw new WebhookSignatureError('MALFORMED_SIGNATURE', `no ${webhookSignatureHeader} header`);
  const { timestamp, signatures } = parseHeader(header);
  const tolerance = options.toleranceSeconds ?? defaultWebhookToleranceSeconds;
  const nowSeconds = Math.floor((options.nowMs ?? Date.now()) / 1000);
  if (Math.abs(nowSeconds - timestamp) > tolerance) {
    throw new WebhookSignatureError('TIMESTAMP_OUT_OF_TOLERANCE', `signed at ${timestamp}, ${nowSeconds - timestamp} s from now`);
  }
  const expected = Buffer.from(webhookSignature(secret, timestamp, body), 'hex');
  const matches = signatures.some((signature) => timingSafeEqual(Buffer.from(signature, 'hex'), expected));
  if (!matches) throw new WebhookSignatureError('SIGNATURE_MISMATCH', 'no v1 signature matches this body and secret');
  return { timestamp };
}
