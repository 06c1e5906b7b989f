import type { Context } from 'fabric-contract-api';
import { KeyEndorsementPolicy } from 'fabric-shim';
import { canonicalJson } from './canonical-json';
import {
  defaultCompensation,
  defaultWindows,
  formatAmount,
  type CompensationPolicy,
  type DisputePayouts,
  type Order,
  type OrderTerms,
  type OrderWindows,
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

  /**
   * Writes an order and keeps its indexes in step. A new order's key gets a state-based endorsement
   * policy: every later change needs the peers of the platform, the buyer's bank and the merchant's bank.
   */
  async put(next: Order, previous: Order | undefined): Promise<void> {
    const { ctx } = this;
    const key = orderKey(ctx, next.orderId);
    await ctx.stub.putState(key, Buffer.from(canonicalJson(next)));
    if (!previous) {
      const policy = new KeyEndorsementPolicy();
      policy.addOrgs('PEER', ...new Set([platformMspId, next.buyer.mspId, next.merchant.mspId]));
      await ctx.stub.setStateValidationParameter(key, policy.getPolicy());
    }
    if (previous?.state !== next.state) {
      if (previous) await ctx.stub.deleteState(stateIndexKey(ctx, previous));
      await ctx.stub.putState(stateIndexKey(ctx, next), indexValue);
    }
    const before = new Set(previous ? partyIndexKeys(ctx, previous) : []);
    for (const indexKey of partyIndexKeys(ctx, next)) if (!before.has(indexKey)) await ctx.stub.putState(indexKey, indexValue);
  }

  async putTerms(orderId: string, terms: OrderTerms): Promise<void> {
    await this.ctx.stub.putPrivateData(
      termsCollection,
      this.ctx.stub.createCompositeKey('terms', [orderId]),
      Buffer.from(canonicalJson(terms)),
    );
  }

  async getTerms(orderId: string): Promise<OrderTerms | undefined> {
    return decode<OrderTerms>(await this.ctx.stub.getPrivateData(termsCollection, this.ctx.stub.createCompositeKey('terms', [orderId])));
  }

  async putPayouts(orderId: string, payouts: DisputePayouts): Promise<void> {
    const written = {
      buyer: formatAmount(payouts.buyer),
      courier: formatAmount(payouts.courier),
      platform: formatAmount(payouts.platform),
    };
    await this.ctx.stub.putPrivateData(
      termsCollection,
      this.ctx.stub.createCompositeKey('payouts', [orderId]),
      Buffer.from(canonicalJson(written)),
    );
  }

  async getPayouts(orderId: string): Promise<Record<keyof DisputePayouts, string> | undefined> {
    return decode(await this.ctx.stub.getPrivateData(termsCollection, this.ctx.stub.createCompositeKey('payouts', [orderId])));
  }

  async windows(): Promise<OrderWindows> {
    return decode<OrderWindows>(await this.ctx.stub.getState(this.ctx.stub.createCompositeKey('config', ['windows']))) ?? defaultWindows;
  }

  async putWindows(windows: OrderWindows): Promise<void> {
    await this.ctx.stub.putState(this.ctx.stub.createCompositeKey('config', ['windows']), Buffer.from(canonicalJson(windows)));
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
    const bytes = await this.ctx.stub.getState(this.ctx.stub.createCompositeKey('ledgerKey', [mspId]));
    return bytes.length === 0 ? undefined : Buffer.from(bytes).toString('utf8');
  }

  async putLedgerKey(mspId: string, pem: string): Promise<void> {
    await this.ctx.stub.putState(this.ctx.stub.createCompositeKey('ledgerKey', [mspId]), Buffer.from(pem));
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
