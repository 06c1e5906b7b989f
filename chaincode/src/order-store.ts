import { createHash } from 'node:crypto';
import type { Context } from 'fabric-contract-api';
import { KeyEndorsementPolicy } from 'fabric-shim';
import { canonicalJson } from './canonical-json';
import {
  defaultCompensation,
  defaultWindows,
  formatAmount,
  noWindowBounds,
  refuse,
  type CompensationPolicy,
  type DisputePayouts,
  type Order,
  type OrderTerms,
  type OrderWindows,
  type PartyRef,
  type SignedReceipt,
  type WindowBounds,
} from './order';
import { platformMspId } from './caller';
import { transactionState, type TransactionState } from './transaction-state';

/** The private data collection shared by the platform and the banks. */
export const termsCollection = 'orderTerms';

const orderKey = (ctx: Context, orderId: string): string => ctx.stub.createCompositeKey('order', [orderId]);
const termsKey = (ctx: Context, orderId: string): string => ctx.stub.createCompositeKey('terms', [orderId]);
const payoutsKey = (ctx: Context, orderId: string): string => ctx.stub.createCompositeKey('payouts', [orderId]);
const receiptKey = (ctx: Context, orderId: string): string => ctx.stub.createCompositeKey('receipt', [orderId]);
const ledgerKeyKey = (ctx: Context, mspId: string): string => ctx.stub.createCompositeKey('ledgerKey', [mspId]);
const customerCaKey = (ctx: Context, mspId: string): string => ctx.stub.createCompositeKey('customerCa', [mspId]);
const intentNonceKey = (ctx: Context, signer: PartyRef, nonce: string): string =>
  ctx.stub.createCompositeKey('intentNonce', [signer.mspId, signer.partyId, nonce]);

/** What a spent nonce records: which signed intent spent it, in which transaction, for which order. */
export interface SpentNonce {
  intentHash: string;
  txId: string;
  orderId: string;
}

/** Endorsement by the peers of these orgs, each of them: a key-level (state-based) policy. */
function peersOf(...mspIds: string[]): Uint8Array {
  const policy = new KeyEndorsementPolicy();
  policy.addOrgs('PEER', ...new Set(mspIds));
  return policy.getPolicy();
}

/** The orgs that must endorse every change of an order, public or private. */
const orderOrgs = (order: Order): string[] => [platformMspId, order.buyer.mspId, order.merchant.mspId];

const decode = <T>(bytes: Uint8Array): T | undefined =>
  bytes.length === 0 ? undefined : (JSON.parse(Buffer.from(bytes).toString('utf8')) as T);

/** Orders in world state, and their private terms and payouts in the collection. */
export class OrderStore {
  private readonly state: TransactionState;

  constructor(private readonly ctx: Context) {
    this.state = transactionState(ctx.stub);
  }

  async get(orderId: string): Promise<Order | undefined> {
    return decode<Order>(await this.state.get(orderKey(this.ctx, orderId)));
  }

  /** Reads these orders in one round trip; `get` and `load` then answer from what was read. */
  async prefetch(orderIds: readonly string[]): Promise<void> {
    await this.state.prefetch(orderIds.map((orderId) => orderKey(this.ctx, orderId)));
  }

  /** Reads these orders' private terms in one round trip; `getTerms` then answers from what was read. */
  async prefetchTerms(orderIds: readonly string[]): Promise<void> {
    await this.state.prefetch(
      orderIds.map((orderId) => termsKey(this.ctx, orderId)),
      termsCollection,
    );
  }

  /** Reads these signers' nonces in one round trip, for `intentNonce`. */
  async prefetchNonces(spent: readonly { signer: PartyRef; nonce: string }[]): Promise<void> {
    await this.state.prefetch(spent.map(({ signer, nonce }) => intentNonceKey(this.ctx, signer, nonce)));
  }

  /** Reads these banks' customer CAs in one round trip, for `customerCa`. */
  async prefetchCustomerCas(mspIds: readonly string[]): Promise<void> {
    await this.state.prefetch(mspIds.map((mspId) => customerCaKey(this.ctx, mspId)));
  }

  /** Sends the transaction's writes to the peer: the last thing a transaction does. */
  async flush(): Promise<void> {
    await this.state.flush();
  }

  /** The order, or the NOT_FOUND refusal every step and read gives for an unknown one. */
  async load(orderId: string): Promise<Order> {
    return (await this.get(orderId)) ?? refuse('NOT_FOUND', `order ${orderId} does not exist`);
  }

  /**
   * Writes an order. A new order's key gets a state-based endorsement policy: every later change needs
   * the peers of the platform, the buyer's bank and the merchant's bank. (The creation itself is
   * judged by the chaincode's policy; see chaincode/README.md, trust model.) Nothing else is written:
   * listings by state or party are the platform's read model, kept from the events, so that every
   * peer validates and stores one key per order step rather than three.
   */
  async put(next: Order, previous: Order | undefined): Promise<void> {
    const { ctx } = this;
    const key = orderKey(ctx, next.orderId);
    await this.state.put(key, Buffer.from(canonicalJson(next)));
    if (!previous) await this.state.setValidationParameter(key, peersOf(...orderOrgs(next)));
  }

  /** The terms go private, under the same three-org policy as the order: no pair can rewrite them. */
  async putTerms(order: Order, terms: OrderTerms): Promise<void> {
    const key = termsKey(this.ctx, order.orderId);
    await this.state.put(key, Buffer.from(canonicalJson(terms)), termsCollection);
    await this.state.setValidationParameter(key, peersOf(...orderOrgs(order)), termsCollection);
  }

  /**
   * The terms this peer holds, checked against the order's public `termsHash` first: terms that do not
   * hash to it (written behind the contract's back, or a peer's corrupted copy) are refused, never used.
   */
  async getTerms(order: Order): Promise<OrderTerms | undefined> {
    const bytes = await this.state.get(termsKey(this.ctx, order.orderId), termsCollection);
    if (bytes.length === 0) return undefined;
    if (createHash('sha256').update(bytes).digest('hex') !== order.termsHash)
      refuse('TERMS_MISMATCH', `the terms this peer holds for order ${order.orderId} do not match its termsHash`);
    return decode<OrderTerms>(bytes);
  }

  async putPayouts(order: Order, payouts: DisputePayouts): Promise<void> {
    const written = {
      buyer: formatAmount(payouts.buyer),
      courier: formatAmount(payouts.courier),
      platform: formatAmount(payouts.platform),
    };
    const key = payoutsKey(this.ctx, order.orderId);
    await this.state.put(key, Buffer.from(canonicalJson(written)), termsCollection);
    await this.state.setValidationParameter(key, peersOf(...orderOrgs(order)), termsCollection);
  }

  /** The signed settlement receipt, private like the terms and under the same three-org policy. */
  async putReceipt(order: Order, signed: SignedReceipt): Promise<void> {
    const key = receiptKey(this.ctx, order.orderId);
    await this.state.put(key, Buffer.from(canonicalJson(signed)), termsCollection);
    await this.state.setValidationParameter(key, peersOf(...orderOrgs(order)), termsCollection);
  }

  async getReceipt(order: Order): Promise<SignedReceipt | undefined> {
    return decode<SignedReceipt>(await this.state.get(receiptKey(this.ctx, order.orderId), termsCollection));
  }

  async getPayouts(orderId: string): Promise<Record<keyof DisputePayouts, string> | undefined> {
    return decode(await this.state.get(payoutsKey(this.ctx, orderId), termsCollection));
  }

  async windows(): Promise<OrderWindows> {
    return decode<OrderWindows>(await this.state.get(this.ctx.stub.createCompositeKey('config', ['windows']))) ?? defaultWindows;
  }

  async putWindows(windows: OrderWindows): Promise<void> {
    await this.state.put(this.ctx.stub.createCompositeKey('config', ['windows']), Buffer.from(canonicalJson(windows)));
  }

  async windowBounds(): Promise<WindowBounds> {
    return decode<WindowBounds>(await this.state.get(this.ctx.stub.createCompositeKey('config', ['windowBounds']))) ?? noWindowBounds;
  }

  async putWindowBounds(bounds: WindowBounds): Promise<void> {
    await this.state.put(this.ctx.stub.createCompositeKey('config', ['windowBounds']), Buffer.from(canonicalJson(bounds)));
  }

  async compensation(): Promise<CompensationPolicy> {
    return (
      decode<CompensationPolicy>(await this.state.get(this.ctx.stub.createCompositeKey('config', ['compensation']))) ?? defaultCompensation
    );
  }

  async putCompensation(policy: CompensationPolicy): Promise<void> {
    await this.state.put(this.ctx.stub.createCompositeKey('config', ['compensation']), Buffer.from(canonicalJson(policy)));
  }

  async ledgerKey(mspId: string): Promise<string | undefined> {
    const bytes = await this.state.get(ledgerKeyKey(this.ctx, mspId));
    return bytes.length === 0 ? undefined : Buffer.from(bytes).toString('utf8');
  }

  /** A bank's ledger key: once registered, only that bank's own peers can endorse replacing it. */
  async putLedgerKey(mspId: string, pem: string): Promise<void> {
    const key = ledgerKeyKey(this.ctx, mspId);
    await this.state.put(key, Buffer.from(pem));
    await this.state.setValidationParameter(key, peersOf(mspId));
  }

  async customerCa(mspId: string): Promise<string | undefined> {
    const bytes = await this.state.get(customerCaKey(this.ctx, mspId));
    return bytes.length === 0 ? undefined : Buffer.from(bytes).toString('utf8');
  }

  /** The CA a bank enrolls its customers with: like its ledger key, only its own peers can endorse replacing it. */
  async putCustomerCa(mspId: string, pem: string): Promise<void> {
    const key = customerCaKey(this.ctx, mspId);
    await this.state.put(key, Buffer.from(pem));
    await this.state.setValidationParameter(key, peersOf(mspId));
  }

  async intentNonce(signer: PartyRef, nonce: string): Promise<SpentNonce | undefined> {
    return decode<SpentNonce>(await this.state.get(intentNonceKey(this.ctx, signer, nonce)));
  }

  async putIntentNonce(signer: PartyRef, nonce: string, spent: SpentNonce): Promise<void> {
    await this.state.put(intentNonceKey(this.ctx, signer, nonce), Buffer.from(canonicalJson(spent)));
  }
}
