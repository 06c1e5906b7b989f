import { randomBytes, randomUUID } from 'node:crypto';
import { PgCheckpoints, LedgerError, type ChainDecision } from '@securepay/ledger';
import { createApp } from './app';
import { HttpMetrics } from './http-metrics';
import { MemoryFailureCounters } from './failure-counters';
import { defaultLockoutPolicy } from './lockout-policy';
import { MerchantStatements } from './merchant-statements';
import { OrderListing } from './order-listing';
import { defaultRateLimits } from './rate-limits';
import { statementRoute } from './statement-route';
import { capturedLog, listen, startTestPlatform, type TestPlatform } from './test-platform';
import type { PlatformUser } from './user-registry';

/**
 * Against a scratch ledger cluster with the real functions: the escrow agent posts, voids and
 * compensates real locks, the read model holds the orders' final transactions as the projector writes
 * them, and the statement's every total is checked against the ledger's own transfers.
 */
let platform: TestPlatform;
let listing: OrderListing;
let statements: MerchantStatements;
let merchant: { user: PlatformUser; token: string };
let buyer: { user: PlatformUser; token: string };
const period = { from: '2025-03-01', to: '2025-03-31' };
const feeWallet = { id: `platform-fees-${randomBytes(3).toString('hex')}`, secret: randomBytes(16).toString('hex') };
const penaltyBps = 500;

const decision = (orderId: string, state: string, action: string): ChainDecision => ({
  txId: randomBytes(32).toString('hex'),
  blockNumber: '42',
  orderId,
  action,
  state,
});

let block = 100n;
/** An order as the projector lists it after the transaction that moved it to `state` at `at`. */
async function listed(orderId: string, state: string, at: string, of = merchant.user): Promise<string> {
  const txId = randomBytes(32).toString('hex');
  await listing.apply({
    orderId,
    state,
    buyer: { mspId: buyer.user.bank, partyId: buyer.user.partyId },
    merchant: { mspId: of.bank, partyId: of.partyId },
    buyerBank: buyer.user.bank,
    merchantBank: of.bank,
    createdAt: new Date('2025-02-27T08:00:00Z'),
    updatedAt: new Date(at),
    txId,
    position: { blockNumber: block++, txIndex: 0 },
  });
  return txId;
}

/** The buyer's price, locked for `to`'s wallet: 97.5 % to the merchant, 2.5 % commission. */
async function locked(price: bigint, to = merchant.user): Promise<string> {
  const orderId = `o-${randomUUID()}`;
  const commission = (price * 250n) / 10_000n;
  await platform.db.platform.lockEscrow(`lock.${orderId}`, {
    orderId,
    buyerWallet: buyer.user.wallet,
    secret: await platform.users.walletSecret(buyer.user),
    merchantWallet: to.wallet,
    platformWallet: feeWallet.id,
    merchantAmount: price - commission,
    commissionAmount: commission,
  });
  return orderId;
}

const ids: Record<'settled' | 'compensated' | 'refunded' | 'early' | 'pending' | 'foreign', string> = {
  settled: '',
  compensated: '',
  refunded: '',
  early: '',
  pending: '',
  foreign: '',
};

beforeAll(async () => {
  platform = await startTestPlatform(55632);
  const { db } = platform;
  await db.centralBank.openAccount('open-fees', { id: feeWallet.id, kind: 'platform', bank: 'PlatformMSP', ownerSecret: feeWallet.secret });
  for (const bank of ['BankAMSP', 'BankBMSP']) {
    await db.centralBank.openAccount(`open-${bank}`, { id: `bank-${bank}`, kind: 'bank', bank });
    await db.centralBank.openAccount(`open-reserve-${bank}`, { id: `reserve-${bank}`, kind: 'reserve', bank });
    await db.centralBank.mint(`mint-${bank}`, `bank-${bank}`, 10n ** 12n);
    await db.centralBank.mint(`mint-reserve-${bank}`, `reserve-${bank}`, 10n ** 12n);
  }
  buyer = await platform.register('buyer', 'BankAMSP');
  merchant = await platform.register('merchant', 'BankBMSP');
  const otherMerchant = await platform.register('merchant', 'BankBMSP');
  await db.bank('BankAMSP').fund('fund-buyer', 'bank-BankAMSP', buyer.user.wallet, 10_000_000n);
  const checkpoints = new PgCheckpoints(platform.pool, 'platform', 'order-listing');
  listing = new OrderListing(platform.pool, checkpoints);
  statements = new MerchantStatements(platform.pool, db.platform, checkpoints, (u) => platform.users.walletSecret(u));

  // Settled in the period; compensated in it (the bank's reserve pays the penalty); refunded in it;
  // settled the day before it; compensated on-chain but not yet paid by the agent; another merchant's.
  ids.settled = await locked(10_000n);
  await db.escrowAgent.postEscrow('post-settled', ids.settled, decision(ids.settled, 'CONFIRMED', 'confirm'));
  ids.compensated = await locked(40_000n);
  await db.escrowAgent.compensate('compensate', ids.compensated, decision(ids.compensated, 'COMPENSATED', 'compensate'), {
    merchantBank: 'BankBMSP',
    bps: penaltyBps,
  });
  ids.refunded = await locked(7_777n);
  await db.escrowAgent.voidEscrow('void-refunded', ids.refunded, decision(ids.refunded, 'REFUNDED', 'resolveDispute'));
  ids.early = await locked(5_000n);
  await db.escrowAgent.postEscrow('post-early', ids.early, decision(ids.early, 'CONFIRMED', 'confirm'));
  ids.pending = await locked(3_000n);
  ids.foreign = await locked(9_000n, otherMerchant.user);
  await db.escrowAgent.postEscrow('post-foreign', ids.foreign, decision(ids.foreign, 'CONFIRMED', 'confirm'));

  await listed(ids.settled, 'CONFIRMED', '2025-03-01T00:00:00Z');
  await listed(ids.settled, 'SETTLED', '2025-03-01T00:00:01Z');
  await listed(ids.compensated, 'COMPENSATED', '2025-03-15T12:00:00Z');
  await listed(ids.refunded, 'REFUNDED', '2025-03-31T23:59:59.999Z');
  await listed(ids.early, 'SETTLED', '2025-02-28T23:59:59.999Z');
  await listed(ids.pending, 'COMPENSATED', '2025-03-20T00:00:00Z');
  await listed(ids.foreign, 'SETTLED', '2025-03-10T00:00:00Z', otherMerchant.user);
}, 120_000);
afterAll(async () => platform?.close());

/** What the ledger itself moved for these orders, read under the functions as the database owner. */
async function ledgerMovements(orderIds: string[]): Promise<{ toMerchant: bigint; commission: bigint }> {
  const { rows } = await platform.db.owner.query<{ to_merchant: string; commission: string }>(
    `select coalesce(sum(amount) filter (where credit_account = $1 and kind in ('post', 'pay')), 0) as to_merchant,
            coalesce(sum(amount) filter (where kind = 'post' and purpose = 'escrow:commission'), 0) as commission
       from ledger.transfers where order_id = any ($2::text[])`,
    [merchant.user.wallet, orderIds],
  );
  return { toMerchant: BigInt(rows[0]!.to_merchant), commission: BigInt(rows[0]!.commission) };
}

describe("a merchant's statement", () => {
  it('lists the orders settled, compensated and refunded in the period, each with its amounts and settlement proof', async () => {
    const statement = await statements.of(merchant.user, period);
    expect(statement.orders.map((o) => [o.orderId, o.state, o.escrow])).toEqual([
      [ids.settled, 'SETTLED', 'posted'],
      [ids.compensated, 'COMPENSATED', 'posted'],
      [ids.pending, 'COMPENSATED', 'locked'],
      [ids.refunded, 'REFUNDED', 'voided'],
    ]);
    const [settled, compensated, pending, refunded] = statement.orders;
    expect(settled).toMatchObject({ price: '10000', gross: '10000', commission: '250', penalty: '0', net: '9750' });
    expect(compensated).toMatchObject({ price: '40000', gross: '40000', commission: '1000', penalty: '2000', net: '41000' });
    expect(pending).toMatchObject({ price: '3000', gross: '0', net: '0' });
    expect(refunded).toMatchObject({ price: '7777', gross: '0', commission: '0', penalty: '0', net: '0' });
    const { rows } = await platform.db.owner.query<{ final_tx_id: string; final_block_number: string }>(
      'select final_tx_id, final_block_number from platform.order_listing where order_id = $1',
      [ids.settled],
    );
    // The SETTLED transaction, not the CONFIRMED one before it.
    expect({ txId: settled!.txId, blockNumber: settled!.blockNumber }).toEqual({
      txId: rows[0]!.final_tx_id,
      blockNumber: rows[0]!.final_block_number,
    });
    expect(statement.currency).toBe('CNY');
  });

  it("has totals that are the ledger's own movements for those orders, to the minor unit", async () => {
    const statement = await statements.of(merchant.user, period);
    const moved = await ledgerMovements(statement.orders.map((o) => o.orderId));
    expect(BigInt(statement.totals.net)).toBe(moved.toMerchant);
    expect(BigInt(statement.totals.commission)).toBe(moved.commission);
    expect(statement.totals).toEqual({ orders: 4, price: '60777', gross: '50000', commission: '1250', penalty: '2000', net: '50750' });
    // Once the agent pays the compensation it was waiting for, the statement and the ledger move together.
    await platform.db.escrowAgent.compensate('compensate-pending', ids.pending, decision(ids.pending, 'COMPENSATED', 'compensate'), {
      merchantBank: 'BankBMSP',
      bps: penaltyBps,
    });
    const after = await statements.of(merchant.user, period);
    expect(after.totals).toMatchObject({ net: String(50_750 + 2_925 + 150), penalty: '2150' });
    expect(BigInt(after.totals.net)).toBe((await ledgerMovements(after.orders.map((o) => o.orderId))).toMerchant);
  });

  it('a period holds only what became final in it, whole UTC days', async () => {
    const february = await statements.of(merchant.user, { from: '2025-02-28', to: '2025-02-28' });
    expect(february.orders.map((o) => o.orderId)).toEqual([ids.early]);
    const firstDay = await statements.of(merchant.user, { from: '2025-03-01', to: '2025-03-01' });
    expect(firstDay.orders.map((o) => o.orderId)).toEqual([ids.settled]);
    expect((await statements.of(merchant.user, { from: '2025-04-01', to: '2025-04-30' })).totals).toEqual({
      orders: 0,
      price: '0',
      gross: '0',
      commission: '0',
      penalty: '0',
      net: '0',
    });
  });

  it("the ledger answers only the platform, with the merchant wallet's credential, and only that wallet's orders", async () => {
    const secret = await platform.users.walletSecret(merchant.user);
    const code = async (run: Promise<unknown>): Promise<string> => {
      try {
        await run;
      } catch (error) {
        if (error instanceof LedgerError) return error.code;
        throw error;
      }
      return 'answered';
    };
    expect(await code(platform.db.platform.merchantStatement(merchant.user.wallet, 'not-the-credential', [ids.settled]))).toBe(
      'UNAUTHORISED',
    );
    expect(await code(platform.db.bank('BankBMSP').merchantStatement(merchant.user.wallet, secret, [ids.settled]))).toBe('FORBIDDEN');
    expect(await code(platform.db.centralBank.merchantStatement(merchant.user.wallet, secret, [ids.settled]))).toBe('FORBIDDEN');
    expect(
      (await platform.db.platform.merchantStatement(merchant.user.wallet, secret, [ids.foreign, ids.settled])).map((l) => l.order),
    ).toEqual([ids.settled]);
  });
});

describe('GET /merchants/me/statement', () => {
  let api: { url: string; close(): Promise<void> };
  beforeAll(async () => {
    const app = createApp({
      routes: [statementRoute({ statements })],
      users: platform.users,
      pool: platform.pool,
      metrics: new HttpMetrics(),
      health: async () => ({ status: 'ok' }),
      log: capturedLog().log,
      rateLimits: defaultRateLimits,
      authFailures: new MemoryFailureCounters(),
      lockout: defaultLockoutPolicy,
      dependencies: { endpoints: new Map() },
      allowIps: [],
      denyIps: [],
      version: 'test',
    });
    api = await listen(app);
  });
  afterAll(async () => api?.close());

  const get = (query: string, token = merchant.token, accept?: string) =>
    fetch(`${api.url}/merchants/me/statement${query}`, {
      headers: { Authorization: `Bearer ${token}`, ...(accept ? { Accept: accept } : {}) },
    });

  it('answers JSON by default, CSV for Accept: text/csv or format=csv, with the same totals', async () => {
    const json = await get('?from=2025-03-01&to=2025-03-31');
    expect(json.status).toBe(200);
    expect(json.headers.get('content-type')).toMatch(/^application\/json/);
    const statement = (await json.json()) as { totals: { net: string }; orders: unknown[] };
    for (const response of [
      await get('?from=2025-03-01&to=2025-03-31', merchant.token, 'text/csv'),
      await get('?from=2025-03-01&to=2025-03-31&format=csv'),
    ]) {
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/csv/);
      expect(response.headers.get('content-disposition')).toContain('statement-2025-03-01-2025-03-31.csv');
      const lines = (await response.text()).trimEnd().split('\r\n');
      expect(lines).toHaveLength(statement.orders.length + 2);
      expect(lines.at(-1)!.split(',')[8]).toBe(statement.totals.net);
    }
  });

  it.each([
    ['?to=2025-03-31', 'query.from'],
    ['?from=2025-3-1&to=2025-03-31', 'query.from'],
    ['?from=2025-02-30&to=2025-03-31', 'query.from'],
    ['?from=2025-03-01&to=tomorrow', 'query.to'],
    ['?from=2025-03-31&to=2025-03-01', 'query.to'],
    ['?from=2024-01-01&to=2025-03-01', 'query.to'],
    ['?from=2025-03-01&to=2025-03-31&format=xml', 'query.format'],
  ])('a bad period (%s) is a 400 naming %s', async (query, field) => {
    const response = await get(query);
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { code: string; fields: { path: string }[] } };
    expect(body.error.code).toBe('INVALID_REQUEST');
    expect(body.error.fields.map((f) => f.path)).toContain(field);
  });

  it('is described in /openapi.json, with both media types and its period', async () => {
    const doc = (await (await fetch(`${api.url}/openapi.json`)).json()) as {
      paths: Record<string, { get: { parameters: { name: string }[]; responses: Record<string, { content?: Record<string, unknown> }> } }>;
    };
    const route = doc.paths['/merchants/me/statement']!.get;
    expect(Object.keys(route.responses['200']!.content!)).toEqual(['application/json', 'text/csv']);
    expect(route.parameters.map((p) => p.name)).toEqual(['from', 'to', 'format']);
    expect(Object.keys(route.responses)).toEqual(expect.arrayContaining(['401', '403', '429', '503']));
  });

  it('is the merchant’s own: a buyer, an operator or no one gets none', async () => {
    expect((await get('?from=2025-03-01&to=2025-03-31', buyer.token)).status).toBe(403);
    expect((await get('?from=2025-03-01&to=2025-03-31', platform.tokens.platform)).status).toBe(403);
    expect((await fetch(`${api.url}/merchants/me/statement?from=2025-03-01&to=2025-03-31`)).status).toBe(401);
  });
});
