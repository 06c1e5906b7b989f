import { randomBytes } from 'node:crypto';
import { PgCheckpoints, createTestDatabase, partiesOf, provisionRoles, type DatabaseLogin, type TestDatabase } from '@securepay/ledger';
import type pg from 'pg';
import type { ListedOrder, PartyKey } from './listed-order';
import { listingCursorSchema } from './listing-cursor';
import { OrderListing, type ListingQuery } from './order-listing';

/**
 * Against the real PostgreSQL on 127.0.0.1:5432 (trust authentication, so the passwords below are
 * never checked): the ledger's roles, a fresh migrated database, and the store as the platform's role.
 */
const server = { host: '127.0.0.1', port: 5432 };
const login = (user: string): DatabaseLogin => ({ ...server, database: 'postgres', user, password: 'trust-auth-checks-none' });
const parties = partiesOf([
  { mspId: 'PlatformMSP', kind: 'platform' },
  { mspId: 'BankAMSP', kind: 'bank' },
  { mspId: 'BankBMSP', kind: 'bank' },
  { mspId: 'CentralBankMSP', kind: 'centralBank' },
]);

let db: TestDatabase;
let pool: pg.Pool;
let listing: OrderListing;
let checkpoints: PgCheckpoints;

beforeAll(async () => {
  const access = { owner: login('securepay_owner'), parties: parties.map((party) => ({ party, login: login(party.role) })) };
  await provisionRoles(
    login('postgres'),
    { role: 'securepay_owner', password: access.owner.password },
    access.parties.map((p) => ({ party: p.party, password: p.login.password })),
  );
  db = await createTestDatabase(access, { prefix: 'securepay_listing_test' });
  pool = db.pool(db.party('platform'));
  checkpoints = new PgCheckpoints(pool, 'platform', 'order-listing');
  listing = new OrderListing(pool, checkpoints);
}, 60_000);
afterAll(async () => db?.drop());

const buyer = { mspId: 'BankAMSP', partyId: 'pbuyer' };
const merchant = { mspId: 'BankBMSP', partyId: 'pmerchant' };
const newId = (): string => `o-${randomBytes(8).toString('hex')}`;
const txId = (): string => randomBytes(32).toString('hex');

/** A change as the projector hands it over: a plain object, nothing read from a chain. */
function change(orderId: string, state: string, blockNumber: bigint, txIndex: number, extra: Partial<ListedOrder> = {}): ListedOrder {
  return {
    orderId,
    state,
    buyer,
    merchant,
    buyerBank: buyer.mspId,
    merchantBank: merchant.mspId,
    createdAt: new Date(1_700_000_000_000),
    updatedAt: new Date(1_700_000_000_000 + Number(blockNumber) * 1000),
    txId: txId(),
    position: { blockNumber, txIndex },
    ...extra,
  };
}

async function stored(orderId: string): Promise<{ state: string; block_number: string; tx_index: number; last_tx_id: string }> {
  const { rows } = await db.owner.query(
    'select state, block_number, tx_index, last_tx_id from platform.order_listing where order_id = $1',
    [orderId],
  );
  return rows[0];
}

/** Every page of a query, following `next`, with the ids in the order served. */
async function allPages(query: Omit<ListingQuery, 'after'>): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let next: string | null = null;
  let pages = 0;
  do {
    const after = next === null ? undefined : listingCursorSchema.parse(next);
    const page = await listing.page({ ...query, after });
    expect(page.orders.length).toBeLessThanOrEqual(query.limit);
    ids.push(...page.orders.map((o) => o.orderId));
    next = page.next;
    pages++;
  } while (next !== null && pages < 100);
  return { ids, pages };
}

describe('the order listing in PostgreSQL', () => {
  it('inserts an order once; reading the same change again changes nothing', async () => {
    const orderId = newId();
    const first = change(orderId, 'PROPOSED', 10n, 0);
    expect(await listing.apply(first)).toBe('inserted');
    expect(await listing.apply(first)).toBe('kept');
    expect(await stored(orderId)).toEqual({ state: 'PROPOSED', block_number: '10', tx_index: 0, last_tx_id: first.txId });
  });

  it('never goes backwards: an older change read late is kept out, a newer one in the same block goes in', async () => {
    const orderId = newId();
    await listing.apply(change(orderId, 'PROPOSED', 10n, 0));
    expect(await listing.apply(change(orderId, 'SHIPPED', 12n, 1))).toBe('updated');
    expect(await listing.apply(change(orderId, 'ESCROWED', 11n, 4))).toBe('kept');
    expect(await listing.apply(change(orderId, 'ESCROWED', 12n, 0))).toBe('kept');
    expect((await stored(orderId)).state).toBe('SHIPPED');
    expect(await listing.apply(change(orderId, 'DELIVERED', 12n, 2))).toBe('updated');
    expect(await stored(orderId)).toMatchObject({ state: 'DELIVERED', block_number: '12', tx_index: 2 });
  });

  it('ends at the latest change whatever order concurrent writers apply them in', async () => {
    const orderId = newId();
    const states = ['PROPOSED', 'ESCROWED', 'SHIPPED', 'DELIVERED', 'CONFIRMED', 'SETTLED'];
    const changes = states.map((state, i) => change(orderId, state, 20n + BigInt(Math.floor(i / 2)), i % 2));
    const shuffled = [...changes, ...changes].sort(() => Math.random() - 0.5);
    const outcomes = await Promise.all(shuffled.map((c) => listing.apply(c)));
    expect(outcomes.filter((o) => o === 'inserted')).toHaveLength(1);
    expect(await stored(orderId)).toMatchObject({ state: 'SETTLED', block_number: '22', tx_index: 1 });
  });

  describe('pages', () => {
    // Orders of fresh parties, so that other tests' rows do not show up in these listings.
    const shopper: PartyKey = { mspId: 'BankAMSP', partyId: `p${randomBytes(6).toString('hex')}` };
    const shop: PartyKey = { mspId: 'BankBMSP', partyId: `p${randomBytes(6).toString('hex')}` };
    const rider: PartyKey = { mspId: 'BankBMSP', partyId: `p${randomBytes(6).toString('hex')}` };
    const base = Date.UTC(2031, 0, 1);
    /** 12 orders, newest last; two pairs share a creation time, which the order id then decides. */
    const orders = Array.from({ length: 12 }, (_, i) => ({
      orderId: `o-page-${randomBytes(4).toString('hex')}-${i}`,
      createdAt: new Date(base + (i === 5 || i === 9 ? i - 1 : i) * 60_000),
      state: i % 3 === 0 ? 'SETTLED' : 'SHIPPED',
      // The shopper buys the even ones; the shop sells every one; the rider carries a few, one it also bought.
      buyer: i % 2 === 0 ? shopper : buyer,
      merchant: shop,
      courier: i % 4 === 0 ? rider : undefined,
    }));
    const newestFirst = [...orders]
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.orderId < b.orderId ? 1 : -1))
      .map((o) => o.orderId);

    beforeAll(async () => {
      for (const [i, o] of orders.entries()) {
        await listing.apply(
          change(o.orderId, o.state, 100n + BigInt(i), 0, {
            createdAt: o.createdAt,
            buyer: o.buyer,
            buyerBank: o.buyer.mspId,
            merchant: o.merchant,
            ...(o.courier ? { courier: o.courier } : {}),
          }),
        );
      }
    });

    it("pages a party's orders newest first, with a cursor, each order once", async () => {
      const { ids, pages } = await allPages({ party: shop, limit: 5 });
      expect(ids).toEqual(newestFirst);
      expect(pages).toBe(3);
    });

    it('ends without a next page when the last page is exactly full', async () => {
      const { ids, pages } = await allPages({ party: shop, limit: 6 });
      expect(ids).toEqual(newestFirst);
      expect(pages).toBe(2);
    });

    it('finds a party in any role, and only its orders', async () => {
      const bought = orders.filter((o) => o.buyer === shopper).map((o) => o.orderId);
      expect((await allPages({ party: shopper, limit: 4 })).ids).toEqual(newestFirst.filter((id) => bought.includes(id)));
      const carried = orders.filter((o) => o.courier === rider).map((o) => o.orderId);
      expect((await allPages({ party: rider, limit: 2 })).ids).toEqual(newestFirst.filter((id) => carried.includes(id)));
      expect((await listing.page({ party: { mspId: 'BankAMSP', partyId: shop.partyId }, limit: 10 })).orders).toEqual([]);
    });

    it('filters by state, alone and with a party', async () => {
      const settled = orders.filter((o) => o.state === 'SETTLED').map((o) => o.orderId);
      expect((await allPages({ party: shop, state: 'SETTLED', limit: 3 })).ids).toEqual(newestFirst.filter((id) => settled.includes(id)));
      const everySettled = await allPages({ state: 'SETTLED', limit: 50 });
      expect(everySettled.ids).toEqual(expect.arrayContaining(settled));
      for (const id of newestFirst.filter((i) => !settled.includes(i))) expect(everySettled.ids).not.toContain(id);
    });

    it('lists every order newest first without a filter', async () => {
      const { ids } = await allPages({ limit: 7 });
      expect(ids.filter((id) => newestFirst.includes(id))).toEqual(newestFirst);
      expect(new Set(ids).size).toBe(ids.length);
    });

    it('serves ids, states, times and positions only', async () => {
      const page = await listing.page({ party: shop, limit: 1 });
      const newest = orders.find((o) => o.orderId === newestFirst[0])!;
      expect(page.orders).toEqual([
        {
          orderId: newest.orderId,
          state: newest.state,
          createdAt: newest.createdAt.toISOString(),
          updatedAt: expect.any(String),
          txId: expect.stringMatching(/^[0-9a-f]{64}$/),
          blockNumber: expect.stringMatching(/^\d+$/),
        },
      ]);
    });
  });

  it('says how far it has caught up: its checkpoint, or null before it has read anything', async () => {
    const other = new OrderListing(pool, new PgCheckpoints(pool, 'platform', `unread-${randomBytes(3).toString('hex')}`));
    expect((await other.page({ limit: 1 })).caughtUpTo).toBeNull();
    const position = { blockNumber: 1234n, transactionId: txId() };
    await checkpoints.save(position);
    expect((await listing.page({ limit: 1 })).caughtUpTo).toEqual({ blockNumber: '1234', txId: position.transactionId });
  });

  it('is written by the platform alone: a bank reads none of it', async () => {
    await expect(db.pool(db.party('bank', 'BankAMSP')).query('select * from platform.order_listing')).rejects.toThrow(/permission denied/);
  });
});
