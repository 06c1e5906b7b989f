import { isFinal, type FollowerCheckpoints, type OrderState } from '@securepay/client';
import type pg from 'pg';
import { supersedes, type ListedOrder, type PartyKey } from './listed-order';
import { encodeCursor, type ListingCursor } from './listing-cursor';

/** What a caller asks the listing for: a state and/or a party, a page size, and where the last page ended. */
export interface ListingQuery {
  state?: OrderState;
  party?: PartyKey;
  limit: number;
  after?: ListingCursor;
}

/** An order in a page of the listing: ids, state, times and where its last change was committed. */
export interface ListingEntry {
  orderId: string;
  state: string;
  createdAt: string;
  updatedAt: string;
  txId: string;
  blockNumber: string;
}

export interface ListingPage {
  orders: ListingEntry[];
  /** The cursor of the next page; null on the last. */
  next: string | null;
  /**
   * How far the listing has caught up with the chain: every change up to and including this
   * transaction is in it (later ones may be too); null before it has read any.
   */
  caughtUpTo: { blockNumber: string; txId: string } | null;
}

interface Row {
  order_id: string;
  state: string;
  created_at: Date;
  updated_at: Date;
  last_tx_id: string;
  block_number: string;
}

/** Each role a party can have in an order, by the listing's columns for it. */
const roleColumns = ['buyer', 'merchant', 'courier'] as const;
const columns = 'order_id, state, created_at, updated_at, last_tx_id, block_number';

/**
 * The platform API's order listing in PostgreSQL (`platform.order_listing`): one row per order, kept
 * from the contract's events by the projector, read newest first with keyset pagination.
 */
export class OrderListing {
  constructor(
    private readonly pool: pg.Pool,
    private readonly checkpoints: FollowerCheckpoints,
  ) {}

  /**
   * Takes in one change of one order, if it is later than the one held (`supersedes`). The row is
   * locked while deciding, so two writers of the same order cannot both win.
   */
  async apply(order: ListedOrder): Promise<'inserted' | 'updated' | 'kept'> {
    const client = await this.pool.connect();
    try {
      await client.query('begin');
      for (;;) {
        const { rows } = await client.query<{ block_number: string; tx_index: number }>(
          'select block_number, tx_index from platform.order_listing where order_id = $1 for update',
          [order.orderId],
        );
        const stored = rows[0] ? { blockNumber: BigInt(rows[0].block_number), txIndex: rows[0].tx_index } : undefined;
        if (!supersedes(order.position, stored)) {
          await client.query('commit');
          return 'kept';
        }
        if (stored) {
          await client.query(
            `update platform.order_listing set state = $2, buyer_msp = $3, buyer_party = $4, merchant_msp = $5, merchant_party = $6,
               courier_msp = $7, courier_party = $8, buyer_bank = $9, merchant_bank = $10, created_at = $11, updated_at = $12,
               last_tx_id = $13, block_number = $14, tx_index = $15, final_tx_id = $16, final_block_number = $17, final_at = $18
             where order_id = $1`,
            valuesOf(order),
          );
          await client.query('commit');
          return 'updated';
        }
        const inserted = await client.query(
          `insert into platform.order_listing (order_id, state, buyer_msp, buyer_party, merchant_msp, merchant_party, courier_msp,
             courier_party, buyer_bank, merchant_bank, created_at, updated_at, last_tx_id, block_number, tx_index,
             final_tx_id, final_block_number, final_at)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
           on conflict (order_id) do nothing`,
          valuesOf(order),
        );
        if (inserted.rowCount === 1) {
          await client.query('commit');
          return 'inserted';
        }
        // Another writer inserted it since we looked: look again, and this time the row is there to lock.
      }
    } catch (error) {
      await client.query('rollback').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  /** A page of the listing, newest first (creation time, then order id), after `query.after` if given. */
  async page(query: ListingQuery): Promise<ListingPage> {
    const params: unknown[] = [];
    const param = (value: unknown): string => `$${params.push(value)}`;
    const filters: string[] = [];
    if (query.state) filters.push(`state = ${param(query.state)}`);
    if (query.after) {
      filters.push(`(created_at, order_id) < (${param(new Date(query.after.createdAtMs))}, ${param(query.after.orderId)})`);
    }
    // One more than asked, to know whether a next page exists.
    const limit = param(query.limit + 1);
    const order = 'order by created_at desc, order_id desc';
    const where = (extra: string[]): string => {
      const all = [...filters, ...extra];
      return all.length ? `where ${all.join(' and ')}` : '';
    };
    let sql: string;
    if (query.party) {
      // A party is in an order as its buyer, merchant or courier: each role has its own index, so each
      // is read by its index up to the page's size, and only those few rows are merged and cut.
      const msp = param(query.party.mspId);
      const party = param(query.party.partyId);
      const byRole = roleColumns.map(
        (role) =>
          `(select ${columns} from platform.order_listing ${where([`${role}_msp = ${msp}`, `${role}_party = ${party}`])} ${order} limit ${limit})`,
      );
      sql = `select ${columns} from (${byRole.join(' union ')}) as mine ${order} limit ${limit}`;
    } else {
      sql = `select ${columns} from platform.order_listing ${where([])} ${order} limit ${limit}`;
    }
    // The position first: the projector saves it only after applying its event, so rows read after it
    // hold at least every change it names, and the page never claims more than it shows.
    const position = await this.checkpoints.load();
    const { rows } = await this.pool.query<Row>(sql, params);
    const shown = rows.slice(0, query.limit);
    const last = shown[shown.length - 1];
    return {
      orders: shown.map((r) => ({
        orderId: r.order_id,
        state: r.state,
        createdAt: r.created_at.toISOString(),
        updatedAt: r.updated_at.toISOString(),
        txId: r.last_tx_id,
        blockNumber: r.block_number,
      })),
      next: rows.length > query.limit && last ? encodeCursor({ createdAtMs: last.created_at.getTime(), orderId: last.order_id }) : null,
      caughtUpTo: position ? { blockNumber: position.blockNumber.toString(), txId: position.transactionId } : null,
    };
  }
}

function valuesOf(order: ListedOrder): unknown[] {
  // The change into a final state is the order's last: its transaction is kept apart as the order's
  // final one (a merchant's statement names it as the settlement proof).
  const final = isFinal(order.state as OrderState);
  return [
    order.orderId,
    order.state,
    order.buyer.mspId,
    order.buyer.partyId,
    order.merchant.mspId,
    order.merchant.partyId,
    order.courier?.mspId ?? null,
    order.courier?.partyId ?? null,
    order.buyerBank,
    order.merchantBank,
    order.createdAt,
    order.updatedAt,
    order.txId,
    order.position.blockNumber.toString(),
    order.position.txIndex,
    final ? order.txId : null,
    final ? order.position.blockNumber.toString() : null,
    final ? order.updatedAt : null,
  ];
}
