import { createPublicKey, type KeyObject, verify } from 'node:crypto';
import { z } from 'zod';
import { canonicalJson } from '../canonical-json';
import type { Order } from './order';
import { refuse } from './refusal';
import { settlementSplit, type OrderTerms } from './terms';

/**
 * What a bank's CBDC ledger signs when it settles an order: the amounts paid, where to, and the
 * position and hash of the journal entry, so the receipt can also be checked against the journal.
 */
export const receiptSchema = z.strictObject({
  version: z.literal(1),
  orderId: z.string(),
  bankMspId: z.string(),
  currency: z.string(),
  merchantWallet: z.string(),
  merchantAmount: z.string().regex(/^(0|[1-9][0-9]{0,17})$/),
  commissionAmount: z.string().regex(/^(0|[1-9][0-9]{0,17})$/),
  journalPosition: z.number().int().nonnegative(),
  journalHash: z.string().regex(/^[0-9a-f]{64}$/),
  issuedAt: z.string(),
});
export type SettlementReceipt = z.infer<typeof receiptSchema>;

export const signedReceiptSchema = z.strictObject({
  receipt: receiptSchema,
  /** Base64 signature over the receipt's canonical JSON, by the bank's registered ledger key. */
  signature: z.string().min(1),
});
export type SignedReceipt = z.infer<typeof signedReceiptSchema>;

export const receiptBytes = (receipt: SettlementReceipt): Buffer => Buffer.from(canonicalJson(receipt));

/** The banks' ledger keys parsed once per process: there are a few, and every settlement uses one. */
const ledgerKeys = new Map<string, KeyObject>();

function ledgerKey(pem: string): KeyObject {
  let key = ledgerKeys.get(pem);
  if (!key) {
    key = createPublicKey(pem);
    if (ledgerKeys.size >= 64) ledgerKeys.clear();
    ledgerKeys.set(pem, key);
  }
  return key;
}

/** Ed25519 keys sign the message itself; ECDSA keys (P-256) sign its SHA-256 digest. */
export function verifyReceiptSignature(signed: SignedReceipt, ledgerKeyPem: string): boolean {
  try {
    const key = ledgerKey(ledgerKeyPem);
    const algorithm = key.asymmetricKeyType === 'ed25519' ? null : 'sha256';
    return verify(algorithm, receiptBytes(signed.receipt), key, Buffer.from(signed.signature, 'base64'));
  } catch {
    return false;
  }
}

/**
 * A receipt proves settlement only if the merchant's bank's ledger key signed it and it pays exactly
 * what the private terms say, to the wallet they name, for this order.
 */
export function checkReceipt(signed: SignedReceipt, order: Order, terms: OrderTerms, ledgerKeyPem: string | undefined): void {
  const { receipt } = signed;
  if (ledgerKeyPem === undefined) refuse('INVALID_PROOF', `${order.merchant.mspId} has registered no ledger key`);
  if (!verifyReceiptSignature(signed, ledgerKeyPem!))
    refuse('INVALID_PROOF', `the receipt's signature does not verify with ${order.merchant.mspId}'s ledger key`);
  if (receipt.orderId !== order.orderId) refuse('INVALID_PROOF', `the receipt is for order ${receipt.orderId}, not ${order.orderId}`);
  if (receipt.bankMspId !== order.merchant.mspId)
    refuse('INVALID_PROOF', `the receipt is from ${receipt.bankMspId}, not the merchant's bank`);
  const split = settlementSplit(terms);
  if (receipt.currency !== terms.currency) refuse('INVALID_PROOF', 'the receipt is in another currency than the terms');
  if (receipt.merchantWallet !== terms.merchantWallet)
    refuse('INVALID_PROOF', "the receipt pays another wallet than the terms' merchant wallet");
  if (BigInt(receipt.merchantAmount) !== split.merchantAmount)
    refuse('INVALID_PROOF', "the receipt's merchant amount does not match the terms");
  if (BigInt(receipt.commissionAmount) !== split.commissionAmount)
    refuse('INVALID_PROOF', "the receipt's commission does not match the terms");
}
