import { createHash, verify } from 'node:crypto';
import { z } from 'zod';
import { idPattern, partyRefSchema, proposalSchema } from './propose';
import type { OrderAction } from './actions';
import { checkCustomerCertificate } from './customer-certificate';
import { refuse } from './refusal';

/** How far ahead an intent may expire: its nonce is kept for ever, but a signature good for a year is a loaded gun. */
export const maxIntentLifetimeMs = 60 * 60 * 1000;

const intentBase = {
  version: z.literal(1),
  /** The channel it is for: an intent signed for one channel is refused on every other. */
  channel: z.string().min(1).max(249),
  /** The user who signs, as public state names parties: its bank's MSP and its pseudonym. */
  signer: partyRefSchema,
  orderId: z.string().regex(idPattern, 'an order id of 1-64 letters, digits, _ or -'),
  /** Milliseconds since the epoch; the transaction's own time must not be later. */
  expiresAt: z.number().int().positive(),
  /** Unique per signer: a second intent with the same nonce is a replay and is refused. */
  nonce: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/, 'a nonce of 16-64 letters, digits, _ or -'),
};

/**
 * What a user signs for a step only that user may take, so that the platform can carry many users'
 * steps in one transaction without being able to invent any of them: a buyer's proposal, confirmation
 * or declaration of non-receipt, a merchant's approval or shipment, a courier's signed delivery. Who
 * may take the step is the state machine's to judge, from the signer's certificate, exactly as for
 * the user's own transaction. A propose intent names the hash of the terms it agrees to; the terms
 * themselves travel privately.
 */
export const intentSchema = z.discriminatedUnion('action', [
  z.strictObject({
    ...intentBase,
    action: z.literal('propose'),
    proposal: proposalSchema,
    termsHash: z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 hex digest'),
  }),
  z.strictObject({ ...intentBase, action: z.literal('confirm') }),
  z.strictObject({ ...intentBase, action: z.literal('declareNonReceipt') }),
  z.strictObject({ ...intentBase, action: z.literal('approve') }),
  /** The courier named here, if any, is the one the order gets (as `Ship`'s optional courier). */
  z.strictObject({ ...intentBase, action: z.literal('ship'), courier: partyRefSchema.optional() }),
  z.strictObject({ ...intentBase, action: z.literal('deliver'), proofHash: z.string().min(1).max(128) }),
]);
export type Intent = z.infer<typeof intentSchema>;

/** An intent as it travels: the exact text signed, the signature over it, the signer's certificate. */
export const signedIntentSchema = z.strictObject({
  intent: z.string().min(2).max(4_096),
  /** ECDSA P-256 over SHA-256 of the intent's UTF-8 bytes, DER, base64. */
  signature: z.string().regex(/^[A-Za-z0-9+/]{16,200}={0,2}$/, 'a base64 DER signature'),
  certificate: z.string().min(100).max(8_192),
});
export type SignedIntent = z.infer<typeof signedIntentSchema>;

/**
 * Identifies a signed intent for ever: recorded on the order's step, so the user cannot later deny it
 * (the block holds the text, signature and certificate it points to). Over the text alone: an ECDSA
 * signature can be re-encoded into another valid one, the user's statement cannot.
 */
export const intentHash = (signed: SignedIntent): string => createHash('sha256').update(signed.intent, 'utf8').digest('hex');

/** Reads the intent's text; a text that is not a well-formed intent is refused. */
export function parseIntent(text: string): Intent {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return refuse('BAD_ARGUMENT', 'the intent is not JSON');
  }
  const parsed = intentSchema.safeParse(value);
  if (!parsed.success) return refuse('BAD_ARGUMENT', `invalid intent: ${z.prettifyError(parsed.error).replace(/\n/g, '; ')}`);
  if (parsed.data.action === 'propose' && parsed.data.proposal.orderId !== parsed.data.orderId)
    refuse('BAD_ARGUMENT', "a propose intent's order id must be its proposal's");
  return parsed.data;
}

/** Refuses an intent for another channel, one already expired, or one that would stay good too long. */
export function checkIntentTime(intent: Intent, channel: string, now: number): void {
  if (intent.channel !== channel) refuse('BAD_ARGUMENT', `the intent is for channel ${intent.channel}, not ${channel}`);
  if (now > intent.expiresAt) refuse('INTENT_EXPIRED', `the intent expired at ${new Date(intent.expiresAt).toISOString()}`);
  if (intent.expiresAt - now > maxIntentLifetimeMs)
    refuse('BAD_ARGUMENT', `an intent may expire at most ${maxIntentLifetimeMs / 60_000} minutes after it is carried`);
}

/** What a verified certificate says about its holder. */
export interface CertifiedUser {
  attributes: Record<string, string>;
  /** Fabric CA's NodeOU: only `client` identities are users. */
  isClient: boolean;
}

/**
 * Checks that `signed` was signed by the holder of a certificate the signer's bank's customer CA
 * issued and that was valid at `now`, and returns the certificate's attributes. Any failure is
 * `BAD_SIGNATURE`: the platform carries intents but cannot make one.
 */
export function verifyIntentSignature(signed: SignedIntent, customerCaPem: string, now: number): CertifiedUser {
  const certificate = checkCustomerCertificate(signed.certificate, customerCaPem);
  if (!certificate) return refuse('BAD_SIGNATURE', 'the signer certificate is not a PEM X.509 certificate');
  if (!certificate.issuedByCa) refuse('BAD_SIGNATURE', "the signer certificate was not issued by the signer's bank's customer CA");
  if (now < certificate.validFrom || now > certificate.validTo)
    refuse('BAD_SIGNATURE', 'the signer certificate was not valid at the time of the transaction');
  if (!certificate.isP256) refuse('BAD_SIGNATURE', 'the signer certificate must hold an ECDSA P-256 key');
  let valid = false;
  try {
    valid = verify('sha256', Buffer.from(signed.intent, 'utf8'), certificate.key, Buffer.from(signed.signature, 'base64'));
  } catch {
    valid = false;
  }
  if (!valid) refuse('BAD_SIGNATURE', "the intent's signature does not verify with the signer's certificate");
  const { attributes } = certificate;
  if (!attributes) return refuse('BAD_SIGNATURE', "the signer certificate's attributes are not readable");
  return { attributes, isClient: certificate.isClient };
}

/** The step an intent asks for on an existing order (a propose intent creates the order instead). */
export function intentAction(intent: Intent): OrderAction {
  switch (intent.action) {
    case 'confirm':
      return { type: 'confirm' };
    case 'declareNonReceipt':
      return { type: 'declareNonReceipt' };
    case 'approve':
      return { type: 'approve' };
    case 'ship':
      return intent.courier ? { type: 'ship', courier: intent.courier } : { type: 'ship' };
    case 'deliver':
      return { type: 'deliver', proofHash: intent.proofHash };
    case 'propose':
      return refuse('BAD_ARGUMENT', 'a propose intent creates an order; it is not a step on one');
  }
}
