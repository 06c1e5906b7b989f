import { createHash } from 'node:crypto';
import { z } from 'zod';
import { canonicalJson } from '../canonical-json';
import { maxAmount, parseAmount, type Amount } from './amount';

const walletId = z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'a wallet id of 1-64 letters, digits or _.:-');
const walletSalt = z.string().regex(/^[0-9a-f]{32,128}$/, 'at least 16 random bytes, hex');
const amountString = z.string().regex(/^[1-9][0-9]{0,17}$/, `a positive integer number of minor units, at most ${maxAmount}`);

/**
 * What the buyer and merchant agreed: private to the platform and the banks (the `orderTerms`
 * collection). Public state keeps only `termsHash`; the salt stops anyone from guessing the terms
 * back from it.
 */
export const termsSchema = z.strictObject({
  price: amountString,
  currency: z.string().regex(/^[A-Z][A-Z0-9-]{2,9}$/, 'a currency code such as CNY or EUR'),
  commissionBps: z.number().int().min(0).max(10_000),
  buyerWallet: walletId,
  /** Opens the buyer certificate's `walletCommitment`: proves the buyer pays from its own wallet. */
  buyerWalletSalt: walletSalt,
  merchantWallet: walletId,
  merchantWalletSalt: walletSalt,
  productId: z.string().min(1).max(128),
  salt: z.string().regex(/^[0-9a-f]{32,128}$/, 'at least 16 random bytes, hex'),
});

export type OrderTerms = z.infer<typeof termsSchema>;

export const termsHash = (terms: OrderTerms): string => createHash('sha256').update(canonicalJson(terms)).digest('hex');

/**
 * What a user's certificate carries instead of its wallet id: SHA-256 over the wallet id and a salt
 * only the user (and the platform, holding it for the user) knows, so a block reader learns nothing,
 * and whoever shows wallet and salt proves the wallet is the certificate holder's.
 */
export const walletCommitment = (wallet: string, salt: string): string => createHash('sha256').update(`${wallet}:${salt}`).digest('hex');

export const priceOf = (terms: OrderTerms): Amount => parseAmount(terms.price, 'price');

/** What settlement pays: the platform's commission is rounded down, so the merchant never gets less than its share. */
export function settlementSplit(terms: OrderTerms): { merchantAmount: Amount; commissionAmount: Amount } {
  const price = priceOf(terms);
  const commissionAmount = (price * BigInt(terms.commissionBps)) / 10_000n;
  return { merchantAmount: price - commissionAmount, commissionAmount };
}
