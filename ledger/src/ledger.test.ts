import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { verifyJournal, journalEntry } from './journal';
import type { ChainDecision } from './ledger';
import { LedgerError } from './ledger-error';
import { roleDatabaseUrl } from './database';
import { createTestDatabase, type TestDatabase } from './test-database';

/** Against the real PostgreSQL server: a fresh database, the real functions, the real roles. */
let db: TestDatabase;
const secret = (): string => randomBytes(16).toString('hex');
const key = (what: string): string => `${what}-${randomUUID()}`;
const decision = (orderId: string, state: string, action = 'confirm'): ChainDecision => ({
  txId: randomBytes(32).toString('hex'),
  blockNumber: '42',
  orderId,
  action,
  state,
});

async function refusalCode(action: Promise<unknown>): Promise<string> {
  try {
    await action;
  } catch (error) {
    if (error instanceof LedgerError) return error.code;
    throw error;
  }
  throw new Error('expected the ledger to refuse');
}

interface Wallets {
  buyer: string;
  buyerSecret: string;
  merchant: string;
  merchantSecret: string;
  platform: string;
  platformSecret: string;
}

/** A bank with issued CBDC, and buyer, merchant and platform wallets; the buyer funded with `funds`. */
async function world(funds: bigint): Promise<Wallets> {
  const bank = `bank-${randomUUID().slice(0, 8)}`;
  const ids = { buyer: `w-b-${randomUUID()}`, merchant: `w-m-${randomUUID()}`, platform: `w-p-${randomUUID()}` };
  const w: Wallets = { ...ids, buyerSecret: secret(), merchantSecret: secret(), platformSecret: secret() };
  await db.centralBank.openAccount(key('open'), { id: bank, kind: 'bank', bank });
  await db.centralBank.mint(key('mint'), bank, 10n ** 15n);
  await db.bridge.openAccount(key('open'), { id: w.buyer, kind: 'user', bank, ownerSecret: w.buyerSecret });
  await db.bridge.openAccount(key('open'), { id: w.merchant, kind: 'user', bank, ownerSecret: w.merchantSecret });
  await db.bridge.openAccount(key('open'), { id: w.platform, kind: 'platform', bank, ownerSecret: w.platformSecret });
  if (funds > 0n) await db.bridge.fund(key('fund'), bank, w.buyer, funds);
  return w;
}

const lock = (w: Wallets, orderId: string, merchantAmount = 975n, commissionAmount = 25n, k = key('lock')) =>
  db.bridge.lockEscrow(k, {
    orderId,
    buyerWallet: w.buyer,
    secret: w.buyerSecret,
    merchantWallet: w.merchant,
    platformWallet: w.platform,
    merchantAmount,
    commissionAmount,
  });

beforeAll(async () => {
  db = await createTestDatabase();
});
afterEach(async () => {
  expect((await db.bridge.checkInvariant()).ok).toBe(true);
  expect((await verifyJournal(db.admin)).ok).toBe(true);
});
afterAll(async () => {
  await db?.drop();
});

describe('the escrow lock, two-phase', () => {
  it('reserves the price, then posts the merchant and commission legs together on a CONFIRMED decision', async () => {
    const w = await world(1_000n);
    const orderId = `o-${randomUUID()}`;
    await lock(w, orderId);
    expect(await db.bridge.balance(w.buyer, w.buyerSecret)).toMatchObject({ available: '0', locked: '1000' });
    expect(await db.bridge.escrowOf(orderId)).toMatchObject({ status: 'locked', merchantAmount: '975', commissionAmount: '25' });

    const posting = await db.bridge.postEscrow(key('post'), orderId, decision(orderId, 'CONFIRMED'));
    expect(posting).toMatchObject({ merchantWallet: w.merchant, merchantAmount: '975', commissionAmount: '25' });
    expect((await journalEntry(db.admin, posting.journalPosition))!.entryHash).toBe(posting.journalHash);
    expect(await db.bridge.balance(w.merchant, w.merchantSecret)).toMatchObject({ available: '975' });
    expect(await db.bridge.balance(w.platform, w.platformSecret)).toMatchObject({ available: '25' });
    expect(await db.bridge.balance(w.buyer, w.buyerSecret)).toMatchObject({ available: '0', locked: '0' });
  });

  it('voids on REJECTED, EXPIRED or REFUNDED, and the buyer has its money back', async () => {
    for (const state of ['REJECTED', 'EXPIRED', 'REFUNDED']) {
      const w = await world(1_000n);
      const orderId = `o-${randomUUID()}`;
      await lock(w, orderId);
      expect(await db.bridge.voidEscrow(key('void'), orderId, decision(orderId, state, 'reject'))).toMatchObject({ voidedLegs: 2 });
      expect(await db.bridge.balance(w.buyer, w.buyerSecret)).toMatchObject({ available: '1000', locked: '0' });
    }
  });

  it('moves the money once: a second post pays nothing more, and post and void exclude each other', async () => {
    const w = await world(1_000n);
    const orderId = `o-${randomUUID()}`;
    await lock(w, orderId);
    const first = await db.bridge.postEscrow(key('post'), orderId, decision(orderId, 'CONFIRMED'));
    const again = await db.bridge.postEscrow(key('post'), orderId, decision(orderId, 'CONFIRMED'));
    expect(again).toEqual(first);
    expect(await db.bridge.balance(w.merchant, w.merchantSecret)).toMatchObject({ available: '975' });
    expect(await refusalCode(db.bridge.voidEscrow(key('void'), orderId, decision(orderId, 'REFUNDED')))).toBe('ALREADY_RESOLVED');

    const w2 = await world(1_000n);
    const voided = `o-${randomUUID()}`;
    await lock(w2, voided);
    await db.bridge.voidEscrow(key('void'), voided, decision(voided, 'REJECTED'));
    expect(await refusalCode(db.bridge.postEscrow(key('post'), voided, decision(voided, 'CONFIRMED')))).toBe('ALREADY_RESOLVED');
    expect(await db.bridge.balance(w2.merchant, w2.merchantSecret)).toMatchObject({ available: '0' });
  });

  it('refuses to post on a decision that does not allow it, or on none', async () => {
    const w = await world(1_000n);
    const orderId = `o-${randomUUID()}`;
    await lock(w, orderId);
    expect(await refusalCode(db.bridge.postEscrow(key('post'), orderId, decision(orderId, 'REJECTED')))).toBe('DECISION_MISMATCH');
    expect(await refusalCode(db.bridge.voidEscrow(key('void'), orderId, decision(orderId, 'CONFIRMED')))).toBe('DECISION_MISMATCH');
    expect(await refusalCode(db.bridge.postEscrow(key('post'), orderId, decision(`o-${randomUUID()}`, 'CONFIRMED')))).toBe('NO_DECISION');
    expect(await refusalCode(db.bridge.postEscrow(key('post'), orderId, { ...decision(orderId, 'CONFIRMED'), txId: 'forged' }))).toBe(
      'NO_DECISION',
    );
    expect(await db.bridge.escrowOf(orderId)).toMatchObject({ status: 'locked' });
  });
});

describe('a bank insider holding the bridge’s database role', () => {
  let insider: pg.Client;
  let w: Wallets;
  let orderId: string;
  beforeAll(async () => {
    insider = new pg.Client({ connectionString: roleDatabaseUrl('securepay_bridge', db.adminUrl) });
    await insider.connect();
    w = await world(1_000n);
    orderId = `o-${randomUUID()}`;
    await lock(w, orderId);
  });
  afterAll(async () => insider?.end());

  const denied = async (sql: string, params: unknown[] = []): Promise<string> => {
    try {
      await insider.query(sql, params);
    } catch (error) {
      return (error as Error).message;
    }
    return 'allowed';
  };

  it('cannot touch the tables: no reading, no writing, no journal edits', async () => {
    expect(await denied('select * from ledger.accounts')).toMatch(/permission denied/);
    expect(await denied('update ledger.accounts set balance = balance + 1000 where id = $1', [w.merchant])).toMatch(/permission denied/);
    expect(
      await denied(
        "insert into ledger.transfers (id, kind, debit_account, credit_account, amount, purpose) values ('x', 'pay', $1, $2, 1, 'theft')",
        [w.buyer, w.merchant],
      ),
    ).toMatch(/permission denied/);
    expect(await denied('delete from ledger.journal')).toMatch(/permission denied/);
  });

  it('cannot call the ledger’s internals that move money without a decision', async () => {
    expect(await denied("select ledger.move('x', 'pay', $1, $2, 1000, null, 'theft', null)", [w.buyer, w.merchant])).toMatch(
      /permission denied/,
    );
    expect(await denied('select ledger.credit($1, 1000)', [w.merchant])).toMatch(/permission denied/);
    expect(await denied('select ledger.post_pending(t, null) from ledger.transfers t where t.order_id = $1', [orderId])).toMatch(
      /permission denied/,
    );
  });

  it('is refused by the API itself without the on-chain decision, and the lock stays', async () => {
    expect(await denied("select ledger.post_escrow('steal-1', $1, null)", [orderId])).toMatch(/NO_DECISION/);
    expect(await denied("select ledger.post_escrow('steal-2', $1, '{}'::jsonb)", [orderId])).toMatch(/NO_DECISION/);
    expect(await denied('select ledger.balance($1, $2)', [w.buyer, 'guessed-credential-xx'])).toMatch(/UNAUTHORISED/);
    expect(await db.bridge.escrowOf(orderId)).toMatchObject({ status: 'locked' });
    expect(await db.bridge.balance(w.merchant, w.merchantSecret)).toMatchObject({ available: '0' });
  });

  it('cannot mint: issuance is the central bank’s', async () => {
    expect(await denied("select ledger.mint('m', 'central-bank:issuance', 1000)")).toMatch(/permission denied/);
  });
});

describe('idempotency and bad input', () => {
  it('returns the first result for a repeated key and moves nothing; the same key with other parameters is an error', async () => {
    const w = await world(1_000n);
    const orderId = `o-${randomUUID()}`;
    const k = key('lock');
    const first = await lock(w, orderId, 975n, 25n, k);
    expect(await lock(w, orderId, 975n, 25n, k)).toEqual(first);
    expect(await db.bridge.balance(w.buyer, w.buyerSecret)).toMatchObject({ available: '0', locked: '1000' });
    expect(await refusalCode(lock(w, orderId, 900n, 25n, k))).toBe('IDEMPOTENCY_CONFLICT');
    expect(await refusalCode(lock(w, orderId, 975n, 25n))).toBe('ALREADY_EXISTS');
  });

  it.each([
    ['a negative amount', -5n, 'BAD_ARGUMENT'],
    ['a zero amount', 0n, 'BAD_ARGUMENT'],
    ['an amount of 10^18', 10n ** 18n, 'BAD_ARGUMENT'],
    ['an amount beyond bigint', 10n ** 20n, 'BAD_ARGUMENT'],
  ])('refuses %s and changes nothing', async (_, amount, code) => {
    const w = await world(1_000n);
    expect(await refusalCode(lock(w, `o-${randomUUID()}`, amount, 0n))).toBe(code);
    expect(await db.bridge.balance(w.buyer, w.buyerSecret)).toMatchObject({ available: '1000', locked: '0' });
  });

  it('refuses a lock beyond the wallet’s funds, a wrong credential, and a malformed key', async () => {
    const w = await world(500n);
    expect(await refusalCode(lock(w, `o-${randomUUID()}`))).toBe('INSUFFICIENT_FUNDS');
    expect(
      await refusalCode(
        db.bridge.lockEscrow(key('l'), {
          orderId: 'o-1',
          buyerWallet: w.buyer,
          secret: 'not-the-secret-0000',
          merchantWallet: w.merchant,
          platformWallet: w.platform,
          merchantAmount: 1n,
          commissionAmount: 0n,
        }),
      ),
    ).toBe('UNAUTHORISED');
    expect(await refusalCode(lock(w, `o-${randomUUID()}`, 1n, 0n, 'bad key with spaces'))).toBe('BAD_ARGUMENT');
    expect(await db.bridge.balance(w.buyer, w.buyerSecret)).toMatchObject({ available: '500', locked: '0' });
  });
});

describe('concurrency', () => {
  it('serialises parallel locks on one wallet: exactly as many succeed as the funds allow, never below zero', async () => {
    const w = await world(10_000n);
    const results = await Promise.allSettled(Array.from({ length: 25 }, () => lock(w, `o-${randomUUID()}`, 900n, 100n)));
    const ok = results.filter((r) => r.status === 'fulfilled').length;
    expect(ok).toBe(10);
    for (const r of results) if (r.status === 'rejected') expect((r.reason as LedgerError).code).toBe('INSUFFICIENT_FUNDS');
    expect(await db.bridge.balance(w.buyer, w.buyerSecret)).toEqual({ wallet: w.buyer, available: '0', locked: '10000' });
  });

  it('posts an order once even when many workers race to post it', async () => {
    const w = await world(1_000n);
    const orderId = `o-${randomUUID()}`;
    await lock(w, orderId);
    const d = decision(orderId, 'CONFIRMED');
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) => db.bridge.postEscrow(`post-${orderId}-${i % 2}`, orderId, d)),
    );
    expect(results.every((r) => r.status === 'fulfilled')).toBe(true);
    expect(await db.bridge.balance(w.merchant, w.merchantSecret)).toMatchObject({ available: '975' });
  });
});

describe('disputes, compensation and what the platform may see', () => {
  it('returns the winner’s deposit and splits the loser’s as the contract computed, refusing other payouts', async () => {
    const w = await world(1_001n);
    const courier = await world(1_001n);
    const orderId = `o-${randomUUID()}`;
    await db.bridge.lockDeposit(key('dep'), { orderId, party: 'buyer', wallet: w.buyer, secret: w.buyerSecret, amount: 1_001n });
    await db.bridge.lockDeposit(key('dep'), {
      orderId,
      party: 'courier',
      wallet: courier.buyer,
      secret: courier.buyerSecret,
      amount: 1_001n,
    });
    const resolution = decision(orderId, 'REFUNDED', 'resolveDispute');
    const wrong = { winner: 'buyer' as const, platformWallet: w.platform, winnerPayout: 1_502n, platformPayout: 500n };
    expect(await refusalCode(db.bridge.settleDeposits(key('settle'), orderId, resolution, wrong))).toBe('DECISION_MISMATCH');
    expect(
      await refusalCode(
        db.bridge.settleDeposits(key('settle'), orderId, decision(orderId, 'REFUNDED', 'reject'), {
          ...wrong,
          winnerPayout: 1_501n,
          platformPayout: 501n,
        }),
      ),
    ).toBe('DECISION_MISMATCH');
    await db.bridge.settleDeposits(key('settle'), orderId, resolution, { ...wrong, winnerPayout: 1_501n, platformPayout: 501n });
    expect(await db.bridge.balance(w.buyer, w.buyerSecret)).toMatchObject({ available: '1501', locked: '0' });
    expect(await db.bridge.balance(courier.buyer, courier.buyerSecret)).toMatchObject({ available: '0', locked: '0' });
    expect(await db.bridge.balance(w.platform, w.platformSecret)).toMatchObject({ available: '501' });
  });

  it('pays the merchant from the bank’s reserve on COMPENSATED, recovering the escrow into the reserve', async () => {
    const w = await world(1_000n);
    const reserve = `reserve-${randomUUID().slice(0, 8)}`;
    await db.centralBank.openAccount(key('open'), { id: reserve, kind: 'reserve', bank: 'x' });
    await db.centralBank.mint(key('mint'), reserve, 5_000n);
    const orderId = `o-${randomUUID()}`;
    await lock(w, orderId);
    expect(await refusalCode(db.bridge.compensate(key('comp'), orderId, decision(orderId, 'CHALLENGED'), reserve))).toBe(
      'DECISION_MISMATCH',
    );
    await db.bridge.compensate(key('comp'), orderId, decision(orderId, 'COMPENSATED', 'compensate'), reserve);
    expect(await db.bridge.balance(w.merchant, w.merchantSecret)).toMatchObject({ available: '975' });
    expect(await db.bridge.balance(w.platform, w.platformSecret)).toMatchObject({ available: '25' });
    expect(await db.bridge.balance(w.buyer, w.buyerSecret)).toMatchObject({ available: '0', locked: '0' });
  });

  it('answers the platform’s “is this order paid” with yes/no and whether the amount matches, nothing more', async () => {
    const w = await world(1_000n);
    const orderId = `o-${randomUUID()}`;
    expect(await db.bridge.orderPaid(orderId, 1_000n)).toEqual({ paid: false, amountMatches: false });
    await lock(w, orderId);
    expect(await db.bridge.orderPaid(orderId, 1_000n)).toEqual({ paid: true, amountMatches: true });
    expect(await db.bridge.orderPaid(orderId, 999n)).toEqual({ paid: true, amountMatches: false });
  });

  it('keeps balance and history for the wallet’s owner', async () => {
    const w = await world(1_000n);
    expect(await refusalCode(db.bridge.history(w.buyer, w.merchantSecret))).toBe('UNAUTHORISED');
    const history = await db.bridge.history(w.buyer, w.buyerSecret);
    expect(history).toEqual([expect.objectContaining({ kind: 'fund', credit: w.buyer, amount: '1000' })]);
  });
});
