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

/** The private data collection shared by the platform and the banks. */
export const termsCollection = 'orderTerms';

const orderKey = (ctx: Context, orderId: string): string => ctx.stub.createCompositeKey('order', [orderId]);
const stateIndexKey = (ctx: Context, order: Order): string => ctx.stub.createCompositeKey('order~state', [order.state, order.orderId]);
const partyIndexKeys = (ctx: Context, order: Order): string[] =>
  [order.buyer, order.merchant, ...(order.courier ? [order.courier] : [])].map((p) =>
    ctx.stub.createCompositeKey('order~party', [p.mspId, p.partyId, order.orderId]),
  );
const indexValue = Buffer.from([0]);
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

/**
 * Orders in world state, with the indexes that let them be listed by state and by party (LevelDB has
 * no rich queries), and their private terms and payouts in the collection.
 */
export class OrderStore {
  constructor(private readonly ctx: Context) {}

  async get(orderId: string): Promise<Order | undefined> {
    return decode<Order>(await this.ctx.stub.getState(orderKey(this.ctx, orderId)));
  }

  /** The order, or the NOT_FOUND refusal every step and read gives for an unknown one. */
  async load(orderId: string): Promise<Order> {
    return (await this.get(orderId)) ?? refuse('NOT_FOUND', `order ${orderId} does not exist`);
  }

  /**
   * Writes an order and keeps its indexes in step. A new order's key gets a state-based endorsement
   * policy: every later change needs the peers of the platform, the buyer's bank and the merchant's bank.
   * (The creation itself is judged by the chaincode's policy; see chaincode/README.md, trust model.)
   */
  async put(next: Order, previous: Order | undefined): Promise<void> {
    const { ctx } = this;
    const key = orderKey(ctx, next.orderId);
    await ctx.stub.putState(key, Buffer.from(canonicalJson(next)));
    if (!previous) await ctx.stub.setStateValidationParameter(key, peersOf(...orderOrgs(next)));
    if (previous?.state !== next.state) {
      if (previous) await ctx.stub.deleteState(stateIndexKey(ctx, previous));
      await ctx.stub.putState(stateIndexKey(ctx, next), indexValue);
    }
    const before = new Set(previous ? partyIndexKeys(ctx, previous) : []);
    for (const indexKey of partyIndexKeys(ctx, next)) if (!before.has(indexKey)) await ctx.stub.putState(indexKey, indexValue);
  }

  /** The terms go private, under the same three-org policy as the order: no pair can rewrite them. */
  async putTerms(order: Order, terms: OrderTerms): Promise<void> {
    const key = termsKey(this.ctx, order.orderId);
    await this.ctx.stub.putPrivateData(termsCollection, key, Buffer.from(canonicalJson(terms)));
    await this.ctx.stub.setPrivateDataValidationParameter(termsCollection, key, peersOf(...orderOrgs(order)));
  }

  /**
   * The terms this peer holds, checked against the order's public `termsHash` first: terms that do not
   * hash to it (written behind the contract's back, or a peer's corrupted copy) are refused, never used.
   */
  async getTerms(order: Order): Promise<OrderTerms | undefined> {
    const bytes = await this.ctx.stub.getPrivateData(termsCollection, termsKey(this.ctx, order.orderId));
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
    await this.ctx.stub.putPrivateData(termsCollection, key, Buffer.from(canonicalJson(written)));
    await this.ctx.stub.setPrivateDataValidationParameter(termsCollection, key, peersOf(...orderOrgs(order)));
  }

  /** The signed settlement receipt, private like the terms and under the same three-org policy. */
  async putReceipt(order: Order, signed: SignedReceipt): Promise<void> {
    const key = receiptKey(this.ctx, order.orderId);
    await this.ctx.stub.putPrivateData(termsCollection, key, Buffer.from(canonicalJson(signed)));
    await this.ctx.stub.setPrivateDataValidationParameter(termsCollection, key, peersOf(...orderOrgs(order)));
  }

  async getReceipt(order: Order): Promise<SignedReceipt | undefined> {
    return decode<SignedReceipt>(await this.ctx.stub.getPrivateData(termsCollection, receiptKey(this.ctx, order.orderId)));
  }

  async getPayouts(orderId: string): Promise<Record<keyof DisputePayouts, string> | undefined> {
    return decode(await this.ctx.stub.getPrivateData(termsCollection, payoutsKey(this.ctx, orderId)));
  }

  async windows(): Promise<OrderWindows> {
    return decode<OrderWindows>(await this.ctx.stub.getState(this.ctx.stub.createCompositeKey('config', ['windows']))) ?? defaultWindows;
  }

  async putWindows(windows: OrderWindows): Promise<void> {
    await this.ctx.stub.putState(this.ctx.stub.createCompositeKey('config', ['windows']), Buffer.from(canonicalJson(windows)));
  }

  async windowBounds(): Promise<WindowBounds> {
    return (
      decode<WindowBounds>(await this.ctx.stub.getState(this.ctx.stub.createCompositeKey('config', ['windowBounds']))) ?? noWindowBounds
    );
  }

  async putWindowBounds(bounds: WindowBounds): Promise<void> {
    await this.ctx.stub.putState(this.ctx.stub.createCompositeKey('config', ['windowBounds']), Buffer.from(canonicalJson(bounds)));
  }

  async compensation(): Promise<CompensationPolicy> {
    return (
      decode<CompensationPolicy>(await this.ctx.stub.getState(this.ctx.stub.createCompositeKey('config', ['compensation']))) ??
      defaultCompensation
    );
  }

  async putCompensation(policy: CompensationPolicy): Promise<void> {
    await this.ctx.stub.putState(this.ctx.stub.createCompositeKey('config', ['compensation']), Buffer.from(canonicalJson(policy)));
  }

  async ledgerKey(mspId: string): Promise<string | undefined> {
    const bytes = await this.ctx.stub.getState(ledgerKeyKey(this.ctx, mspId));
    return bytes.length === 0 ? undefined : Buffer.from(bytes).toString('utf8');
  }

  /** A bank's ledger key: once registered, only that bank's own peers can endorse replacing it. */
  async putLedgerKey(mspId: string, pem: string): Promise<void> {
    const key = ledgerKeyKey(this.ctx, mspId);
    await this.ctx.stub.putState(key, Buffer.from(pem));
    await this.ctx.stub.setStateValidationParameter(key, peersOf(mspId));
  }

  async customerCa(mspId: string): Promise<string | undefined> {
    const bytes = await this.ctx.stub.getState(customerCaKey(this.ctx, mspId));
    return bytes.length === 0 ? undefined : Buffer.from(bytes).toString('utf8');
  }

  /** The CA a bank enrolls its customers with: like its ledger key, only its own peers can endorse replacing it. */
  async putCustomerCa(mspId: string, pem: string): Promise<void> {
    const key = customerCaKey(this.ctx, mspId);
    await this.ctx.stub.putState(key, Buffer.from(pem));
    await this.ctx.stub.setStateValidationParameter(key, peersOf(mspId));
  }

  async intentNonce(signer: PartyRef, nonce: string): Promise<SpentNonce | undefined> {
    return decode<SpentNonce>(await this.ctx.stub.getState(intentNonceKey(this.ctx, signer, nonce)));
  }

  async putIntentNonce(signer: PartyRef, nonce: string, spent: SpentNonce): Promise<void> {
    await this.ctx.stub.putState(intentNonceKey(this.ctx, signer, nonce), Buffer.from(canonicalJson(spent)));
  }

  /** One page of order ids under an index prefix, oldest key first. */
  async page(
    index: 'order~state' | 'order~party',
    prefix: string[],
    pageSize: number,
    bookmark: string,
  ): Promise<{ orders: Order[]; bookmark: string }> {
    const { iterator, metadata } = await this.ctx.stub.getStateByPartialCompositeKeyWithPagination(index, prefix, pageSize, bookmark);
    const orders: Order[] = [];
    try {
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
        const { attributes } = this.ctx.stub.splitCompositeKey(next.value.key);
        const order = await this.get(attributes[attributes.length - 1]!);
        if (order) orders.push(order);
      }
    } finally {
      await iterator.close();
    }
    // The shim leaves the metadata out when the range is empty.
    return { orders, bookmark: (metadata as typeof metadata | undefined)?.bookmark ?? '' };
  }
}
