import { createPrivateKey, randomBytes, sign, type KeyObject } from 'node:crypto';
import { canonicalJson } from '@securepay/chaincode/src/canonical-json';
import { termsHash, type Intent, type OrderTerms, type PartyRef, type Proposal, type SignedIntent } from '@securepay/chaincode/src/order';

/** How long an intent stays good by default: long enough to wait for a batch, short enough to be worthless later. */
export const defaultIntentLifetimeMs = 10 * 60 * 1000;

interface IntentOptions {
  channel: string;
  signer: PartyRef;
  now?: number;
  lifetimeMs?: number;
}

const base = (orderId: string, o: IntentOptions) => ({
  version: 1 as const,
  channel: o.channel,
  signer: o.signer,
  orderId,
  expiresAt: (o.now ?? Date.now()) + (o.lifetimeMs ?? defaultIntentLifetimeMs),
  nonce: randomBytes(18).toString('base64url'),
});

/** A buyer's intent to propose an order on exactly these terms (it signs their hash; the terms stay private). */
export const proposeIntent = (proposal: Proposal, terms: OrderTerms, options: IntentOptions): Intent => ({
  ...base(proposal.orderId, options),
  action: 'propose',
  proposal,
  termsHash: termsHash(terms),
});

export const confirmIntent = (orderId: string, options: IntentOptions): Intent => ({ ...base(orderId, options), action: 'confirm' });

export const nonReceiptIntent = (orderId: string, options: IntentOptions): Intent => ({
  ...base(orderId, options),
  action: 'declareNonReceipt',
});

/** A merchant's approval of an order proposed to it. */
export const approveIntent = (orderId: string, options: IntentOptions): Intent => ({ ...base(orderId, options), action: 'approve' });

/** A merchant's shipment, naming the courier when the order does not yet. */
export const shipIntent = (orderId: string, courier: PartyRef | undefined, options: IntentOptions): Intent => ({
  ...base(orderId, options),
  action: 'ship',
  ...(courier ? { courier } : {}),
});

/** A courier's signed delivery, with the hash of its proof (a photo, a signature on the doorstep). */
export const deliverIntent = (orderId: string, proofHash: string, options: IntentOptions): Intent => ({
  ...base(orderId, options),
  action: 'deliver',
  proofHash,
});

/**
 * Keys parsed lately, by their PEM: parsing a PEM key cost some 100 times the signature itself (the
 * platform API's V8 profile under the orders bench: `createPrivateKey` 6 % of its CPU, `sign` 0.05 %).
 * Bounded, oldest out first; a process that holds the PEM holds the key anyway.
 */
const parsedKeys = new Map<string, KeyObject>();
const maxParsedKeys = 1_000;

function parsedKey(pem: string): KeyObject {
  let key = parsedKeys.get(pem);
  if (!key) {
    key = createPrivateKey(pem);
    parsedKeys.set(pem, key);
    if (parsedKeys.size > maxParsedKeys) parsedKeys.delete(parsedKeys.keys().next().value!);
  }
  return key;
}

/**
 * Signs an intent with the user's own enrollment key, as the contract verifies it: ECDSA over SHA-256
 * of the intent's canonical JSON. The text signed is the text sent, so the user can read exactly what
 * it signs (unlike a proposal digest).
 */
export function signIntent(intent: Intent, privateKey: KeyObject | string, certificatePem: string): SignedIntent {
  const text = canonicalJson(intent);
  const key = typeof privateKey === 'string' ? parsedKey(privateKey) : privateKey;
  return { intent: text, signature: sign('sha256', Buffer.from(text, 'utf8'), key).toString('base64'), certificate: certificatePem };
}
