import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { applyAction, type OrderAction } from './actions';
import type { Actor } from './actor';
import type { Order, OrderState } from './order';
import { propose, type Proposal } from './propose';
import { receiptBytes, type SignedReceipt, type SettlementReceipt } from './receipt';
import { settlementSplit, walletCommitment, type OrderTerms } from './terms';
import type { ActionContext, Transition } from './transition';
import { defaultWindows } from './windows';

/** Every test user's wallet salt: what opens its certificate's wallet commitment. */
export const walletSaltOf = (wallet: string): string => Buffer.from(wallet.padEnd(16, '.')).toString('hex');
const committed = (wallet: string): string => walletCommitment(wallet, walletSaltOf(wallet));

/** The cast: the buyer banks at A, the merchant at B, the courier at C. */
export const actors = {
  platform: { mspId: 'PlatformMSP', role: 'platform' },
  buyerBank: { mspId: 'BankAMSP', role: 'bank' },
  merchantBank: { mspId: 'BankBMSP', role: 'bank' },
  courierBank: { mspId: 'BankCMSP', role: 'bank' },
  otherBank: { mspId: 'BankDMSP', role: 'bank' },
  buyer: { mspId: 'BankAMSP', role: 'buyer', partyId: 'buyer-1', walletCommitment: committed('wallet-b1') },
  merchant: { mspId: 'BankBMSP', role: 'merchant', partyId: 'merchant-1', walletCommitment: committed('wallet-m1') },
  courier: { mspId: 'BankCMSP', role: 'courier', partyId: 'courier-1', walletCommitment: committed('wallet-c1') },
  otherBuyer: { mspId: 'BankAMSP', role: 'buyer', partyId: 'buyer-2', walletCommitment: committed('wallet-b2') },
  otherMerchant: { mspId: 'BankBMSP', role: 'merchant', partyId: 'merchant-2', walletCommitment: committed('wallet-m2') },
  otherCourier: { mspId: 'BankCMSP', role: 'courier', partyId: 'courier-2', walletCommitment: committed('wallet-c2') },
  /** Claims the buyer's pseudonym but was enrolled at another bank. */
  impostorBuyer: { mspId: 'BankBMSP', role: 'buyer', partyId: 'buyer-1', walletCommitment: committed('wallet-b1') },
} satisfies Record<string, Actor>;
export type ActorName = keyof typeof actors;

export const terms: OrderTerms = {
  price: '10001',
  currency: 'CNY',
  commissionBps: 250,
  buyerWallet: 'wallet-b1',
  buyerWalletSalt: walletSaltOf('wallet-b1'),
  merchantWallet: 'wallet-m1',
  merchantWalletSalt: walletSaltOf('wallet-m1'),
  productId: 'sku-42',
  salt: '00112233445566778899aabbccddeeff',
};

export const t0 = Date.UTC(2026, 0, 1);
export const ctx = (actor: Actor, now: number, txId = `tx-${now}`): ActionContext => ({ actor, now, txId });

export const proposal: Proposal = {
  orderId: 'order-1',
  merchant: { mspId: 'BankBMSP', partyId: 'merchant-1' },
  courier: { mspId: 'BankCMSP', partyId: 'courier-1' },
};

export function proposed(overrides: Partial<Proposal> = {}): Order {
  return propose({ ...proposal, ...overrides }, terms, defaultWindows, ctx(actors.buyer, t0)).order;
}

export const ledgerKeys = generateKeyPairSync('ed25519');

export function signedReceipt(
  order: Order,
  overrides: Partial<SettlementReceipt> = {},
  key: KeyObject = ledgerKeys.privateKey,
): SignedReceipt {
  const split = settlementSplit(terms);
  const receipt: SettlementReceipt = {
    version: 1,
    orderId: order.orderId,
    bankMspId: order.merchant.mspId,
    currency: terms.currency,
    merchantWallet: terms.merchantWallet,
    merchantAmount: split.merchantAmount.toString(),
    commissionAmount: split.commissionAmount.toString(),
    journalPosition: 7,
    journalHash: 'ab'.repeat(32),
    issuedAt: new Date(t0).toISOString(),
    ...overrides,
  };
  const algorithm = key.asymmetricKeyType === 'ed25519' ? null : 'sha256';
  return { receipt, signature: sign(algorithm, receiptBytes(receipt), key).toString('base64') };
}

export const ledgerKeyPem = ledgerKeys.publicKey.export({ type: 'spki', format: 'pem' }).toString();
export const facts = { terms, ledgerKeyPem };

export function act(order: Order, action: OrderAction, actor: Actor, now: number): Transition {
  return applyAction(order, action, ctx(actor, now), facts);
}

const hash = (c: string): string => c.repeat(64);

/** Walks a fresh order along the real state machine to the state asked for. A dispute has both deposits unless told otherwise. */
export function orderIn(state: OrderState, { deposits = true } = {}): Order {
  let order = proposed();
  const step = (action: OrderAction, actor: Actor, now: number): void => {
    order = act(order, action, actor, now).order;
  };
  if (state === 'PROPOSED') return order;
  if (state === 'REJECTED') return act(order, { type: 'reject', reason: 'out of stock' }, actors.merchant, t0 + 1).order;
  if (state === 'EXPIRED') return act(order, { type: 'expire' }, actors.platform, order.approveBy + 1).order;
  for (const who of ['platform', 'merchant', 'buyerBank', 'merchantBank'] as const) step({ type: 'approve' }, actors[who], t0 + 1);
  if (state === 'ESCROWED') return order;
  step({ type: 'ship' }, actors.merchant, t0 + 2);
  if (state === 'SHIPPED') return order;
  step({ type: 'deliver', proofHash: hash('d') }, actors.courier, t0 + 3);
  if (state === 'DELIVERED') return order;
  if (state === 'DISPUTED' || state === 'REFUNDED') {
    step({ type: 'declareNonReceipt' }, actors.buyer, t0 + 4);
    if (state === 'DISPUTED' && !deposits) return order;
    step({ type: 'recordDeposit', party: 'buyer', lockRef: 'lock-b' }, actors.buyerBank, t0 + 5);
    step({ type: 'recordDeposit', party: 'courier', lockRef: 'lock-c' }, actors.courierBank, t0 + 5);
    if (state === 'DISPUTED') return order;
    step({ type: 'resolveDispute', winner: 'buyer', evidenceHash: hash('e') }, actors.platform, t0 + 6);
    return order;
  }
  step({ type: 'confirm' }, actors.buyer, t0 + 4);
  if (state === 'CONFIRMED') return order;
  if (state === 'SETTLED') {
    step({ type: 'recordSettlement', receipt: signedReceipt(order) }, actors.merchantBank, t0 + 5);
    return order;
  }
  step({ type: 'challenge' }, actors.merchant, order.settleBy! + 1);
  if (state === 'CHALLENGED') return order;
  step({ type: 'compensate' }, actors.platform, order.proofBy! + 1);
  return order;
}
