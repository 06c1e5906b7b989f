import { isFinal, type FollowerCheckpoints, type OrderState } from '@securepay/client';
import type pg from 'pg';
import type { ListedOrder, PartyKey } from './listed-order';
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

  /** Takes in one change of one order, if it is later than the one held (`supersedes`). */
  async apply(order: ListedOrder): Promise<'inserted' | 'updated' | 'kept'> {
    return (await this.applyAll([order])).get(order.orderId)!;
  }

  /**
   * Takes in the changes of one chain event, each order's if it is later than the one held
   * (`supersedes`, here as the upsert's condition): one statement for the whole event, for a batch
   * transaction changes hundreds of orders. An order named twice keeps its last change. The upsert
   * locks each row while it decides, so two writers of the same order cannot both win.
   */
  async applyAll(orders: ListedOrder[]): Promise<Map<string, 'inserted' | 'updated' | 'kept'>> {
    const last = new Map(orders.map((o) => [o.orderId, o]));
    const rows = [...last.values()].map((o) => Object.fromEntries(rowColumns.map((c, i) => [c, valuesOf(o)[i]])));
    const outcome = new Map<string, 'inserted' | 'updated' | 'kept'>([...last.keys()].map((id) => [id, 'kept']));
    if (rows.length === 0) return outcome;
    const { rows: written } = await this.pool.query<{ order_id: string; inserted: boolean }>(
      `insert into platform.order_listing (${rowColumns.join(', ')})
       select ${rowColumns.join(', ')} from jsonb_to_recordset($1::jsonb) as x(${rowTypes})
       on conflict (order_id) do update set ${rowColumns
         .slice(1)
         .map((c) => `${c} = excluded.${c}`)
         .join(', ')}
       where (excluded.block_number, excluded.tx_index) > (order_listing.block_number, order_listing.tx_index)
       returning order_id, (xmax = 0) as inserted`,
      [JSON.stringify(rows)],
    );
    for (const row of written) outcome.set(row.order_id, row.inserted ? 'inserted' : 'updated');
    return outcome;
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

/** The row's columns, in `valuesOf` order, and their types for reading a JSON batch of rows. */
const rowColumns = [
  'order_id',
  'state',
  'buyer_msp',
  'buyer_party',
  'merchant_msp',
  'merchant_party',
  'courier_msp',
  'courier_party',
  'buyer_bank',
  'merchant_bank',
  'created_at',
  'updated_at',
  'last_tx_id',
  'block_number',
  'tx_index',
  'final_tx_id',
  'final_block_number',
  'final_at',
] as const;
const rowTypes = rowColumns
  .map((c) => `${c} ${c.endsWith('_at') ? 'timestamptz' : c.endsWith('block_number') ? 'bigint' : c === 'tx_index' ? 'int' : 'text'}`)
  .join(', ');

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
