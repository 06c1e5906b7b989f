import { randomBytes, randomUUID } from 'node:crypto';
import type pg from 'pg';
import { loginClient } from './credentials';
import { verifyJournal, journalEntry } from './journal';
import type { CbdcLedger, ChainDecision } from './ledger';
import { LedgerError } from './ledger-error';
import { testParties } from './test-parties';
import { startScratchCluster, type ScratchCluster } from './scratch-cluster';
import { createTestDatabase, type TestDatabase } from './test-database';

/**
 * Against a real PostgreSQL cluster of the test's own (set up as the network's is): a fresh database,
 * the real functions, each party's own role. BankA's role stands for "a bank's bridge" here; the
 * platform locks, the central bank issues and supervises.
 */
let cluster: ScratchCluster;
let db: TestDatabase;
let bankA: CbdcLedger;
const bank = 'BankAMSP';
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
  const ids = { buyer: `w-b-${randomUUID()}`, merchant: `w-m-${randomUUID()}`, platform: `w-p-${randomUUID()}` };
  const w: Wallets = { ...ids, buyerSecret: secret(), merchantSecret: secret(), platformSecret: secret() };
  await bankA.openAccount(key('open'), { id: w.buyer, kind: 'user', bank, ownerSecret: w.buyerSecret });
  await bankA.openAccount(key('open'), { id: w.merchant, kind: 'user', bank, ownerSecret: w.merchantSecret });
  await db.centralBank.openAccount(key('open'), { id: w.platform, kind: 'platform', bank: 'PlatformMSP', ownerSecret: w.platformSecret });
  if (funds > 0n) await bankA.fund(key('fund'), `bank-${bank}`, w.buyer, funds);
  return w;
}

const lock = (w: Wallets, orderId: string, merchantAmount = 975n, commissionAmount = 25n, k = key('lock')) =>
  db.platform.lockEscrow(k, {
    orderId,
    buyerWallet: w.buyer,
    secret: w.buyerSecret,
    merchantWallet: w.merchant,
    platformWallet: w.platform,
    merchantAmount,
    commissionAmount,
  });

beforeAll(async () => {
  cluster = await startScratchCluster({ parties: testParties, port: 55532 });
  db = await createTestDatabase(cluster.access);
  bankA = db.bank(bank);
  await db.centralBank.openAccount('open-bank', { id: `bank-${bank}`, kind: 'bank', bank });
  await db.centralBank.mint('mint-bank', `bank-${bank}`, 10n ** 16n);
}, 60_000);
afterEach(async () => {
  expect((await db.centralBank.checkInvariant()).ok).toBe(true);
  expect((await verifyJournal(db.owner)).ok).toBe(true);
});
afterAll(async () => {
  await db?.drop();
  await cluster?.stop();
});

describe('the escrow lock, two-phase', () => {
  it('reserves the price, then posts the merchant and commission legs together on a CONFIRMED decision', async () => {
    const w = await world(1_000n);
    const orderId = `o-${randomUUID()}`;
    await lock(w, orderId);
    expect(await db.platform.balance(w.buyer, w.buyerSecret)).toMatchObject({ available: '0', locked: '1000' });
    expect(await bankA.escrowOf(orderId)).toMatchObject({ status: 'locked', merchantAmount: '975', commissionAmount: '25' });

    const posting = await bankA.postEscrow(key('post'), orderId, decision(orderId, 'CONFIRMED'));
    expect(posting).toMatchObject({ merchantWallet: w.merchant, merchantAmount: '975', commissionAmount: '25' });
    expect((await journalEntry(db.owner, posting.journalPosition))!.entryHash).toBe(posting.journalHash);
    expect(await db.platform.balance(w.merchant, w.merchantSecret)).toMatchObject({ available: '975' });
    expect(await db.platform.balance(w.platform, w.platformSecret)).toMatchObject({ available: '25' });
    expect(await db.platform.balance(w.buyer, w.buyerSecret)).toMatchObject({ available: '0', locked: '0' });
  });

  it('voids on REJECTED, EXPIRED or REFUNDED, and the buyer has its money back', async () => {
    for (const state of ['REJECTED', 'EXPIRED', 'REFUNDED']) {
      const w = await world(1_000n);
      const orderId = `o-${randomUUID()}`;
      await lock(w, orderId);
      expect(await bankA.voidEscrow(key('void'), orderId, decision(orderId, state, 'reject'))).toMatchObject({ voidedLegs: 2 });
      expect(await db.platform.balance(w.buyer, w.buyerSecret)).toMatchObject({ available: '1000', locked: '0' });
    }
  });

  it('moves the money once: a second post pays nothing more, and post and void exclude each other', async () => {
    const w = await world(1_000n);
    const orderId = `o-${randomUUID()}`;
    await lock(w, orderId);
    const first = await bankA.postEscrow(key('post'), orderId, decision(orderId, 'CONFIRMED'));
    const again = await bankA.postEscrow(key('post'), orderId, decision(orderId, 'CONFIRMED'));
    expect(again).toEqual(first);
    expect(await db.platform.balance(w.merchant, w.merchantSecret)).toMatchObject({ available: '975' });
    expect(await refusalCode(bankA.voidEscrow(key('void'), orderId, decision(orderId, 'REFUNDED')))).toBe('ALREADY_RESOLVED');

    const w2 = await world(1_000n);
    const voided = `o-${randomUUID()}`;
    await lock(w2, voided);
    await bankA.voidEscrow(key('void'), voided, decision(voided, 'REJECTED'));
    expect(await refusalCode(bankA.postEscrow(key('post'), voided, decision(voided, 'CONFIRMED')))).toBe('ALREADY_RESOLVED');
    expect(await db.platform.balance(w2.merchant, w2.merchantSecret)).toMatchObject({ available: '0' });
  });

  it('refuses to post on a decision that does not allow it, or on none', async () => {
    const w = await world(1_000n);
    const orderId = `o-${randomUUID()}`;
    await lock(w, orderId);
    expect(await refusalCode(bankA.postEscrow(key('post'), orderId, decision(orderId, 'REJECTED')))).toBe('DECISION_MISMATCH');
    expect(await refusalCode(bankA.voidEscrow(key('void'), orderId, decision(orderId, 'CONFIRMED')))).toBe('DECISION_MISMATCH');
    expect(await refusalCode(bankA.postEscrow(key('post'), orderId, decision(`o-${randomUUID()}`, 'CONFIRMED')))).toBe('NO_DECISION');
    expect(await refusalCode(bankA.postEscrow(key('post'), orderId, { ...decision(orderId, 'CONFIRMED'), txId: 'forged' }))).toBe(
      'NO_DECISION',
    );
    expect(await bankA.escrowOf(orderId)).toMatchObject({ status: 'locked' });
  });
});

describe('a bank insider holding its bridge’s database role', () => {
  let insider: pg.Client;
  let w: Wallets;
  let orderId: string;
  beforeAll(async () => {
    insider = loginClient(db.login(db.party('bank', bank)));
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
    expect(await bankA.escrowOf(orderId)).toMatchObject({ status: 'locked' });
    expect(await db.platform.balance(w.merchant, w.merchantSecret)).toMatchObject({ available: '0' });
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
    expect(await db.platform.balance(w.buyer, w.buyerSecret)).toMatchObject({ available: '0', locked: '1000' });
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
    expect(await db.platform.balance(w.buyer, w.buyerSecret)).toMatchObject({ available: '1000', locked: '0' });
  });

  it('refuses a lock beyond the wallet’s funds, a wrong credential, and a malformed key', async () => {
    const w = await world(500n);
    expect(await refusalCode(lock(w, `o-${randomUUID()}`))).toBe('INSUFFICIENT_FUNDS');
    expect(
      await refusalCode(
        db.platform.lockEscrow(key('l'), {
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
    expect(await db.platform.balance(w.buyer, w.buyerSecret)).toMatchObject({ available: '500', locked: '0' });
  });
});

describe('concurrency', () => {
  it('serialises parallel locks on one wallet: exactly as many succeed as the funds allow, never below zero', async () => {
    const w = await world(10_000n);
    const results = await Promise.allSettled(Array.from({ length: 25 }, () => lock(w, `o-${randomUUID()}`, 900n, 100n)));
    const ok = results.filter((r) => r.status === 'fulfilled').length;
    expect(ok).toBe(10);
    for (const r of results) if (r.status === 'rejected') expect((r.reason as LedgerError).code).toBe('INSUFFICIENT_FUNDS');
    expect(await db.platform.balance(w.buyer, w.buyerSecret)).toEqual({ wallet: w.buyer, available: '0', locked: '10000' });
  });

  it('posts an order once even when many workers race to post it', async () => {
    const w = await world(1_000n);
    const orderId = `o-${randomUUID()}`;
    await lock(w, orderId);
    const d = decision(orderId, 'CONFIRMED');
    const results = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => bankA.postEscrow(`post-${orderId}-${i % 2}`, orderId, d)));
    expect(results.every((r) => r.status === 'fulfilled')).toBe(true);
    expect(await db.platform.balance(w.merchant, w.merchantSecret)).toMatchObject({ available: '975' });
  });
});

describe('disputes, compensation and what the platform may see', () => {
  it('returns the winner’s deposit and splits the loser’s as the contract computed, refusing other payouts', async () => {
    const w = await world(1_001n);
    const courier = await world(1_001n);
    const orderId = `o-${randomUUID()}`;
    await db.platform.lockDeposit(key('dep'), { orderId, party: 'buyer', wallet: w.buyer, secret: w.buyerSecret, amount: 1_001n });
    await db.platform.lockDeposit(key('dep'), {
      orderId,
      party: 'courier',
      wallet: courier.buyer,
      secret: courier.buyerSecret,
      amount: 1_001n,
    });
    const resolution = decision(orderId, 'REFUNDED', 'resolveDispute');
    const wrong = { winner: 'buyer' as const, platformWallet: w.platform, winnerPayout: 1_502n, platformPayout: 500n };
    expect(await refusalCode(bankA.settleDeposits(key('settle'), orderId, resolution, wrong))).toBe('DECISION_MISMATCH');
    expect(
      await refusalCode(
        bankA.settleDeposits(key('settle'), orderId, decision(orderId, 'REFUNDED', 'reject'), {
          ...wrong,
          winnerPayout: 1_501n,
          platformPayout: 501n,
        }),
      ),
    ).toBe('DECISION_MISMATCH');
    await bankA.settleDeposits(key('settle'), orderId, resolution, { ...wrong, winnerPayout: 1_501n, platformPayout: 501n });
    expect(await db.platform.balance(w.buyer, w.buyerSecret)).toMatchObject({ available: '1501', locked: '0' });
    expect(await db.platform.balance(courier.buyer, courier.buyerSecret)).toMatchObject({ available: '0', locked: '0' });
    expect(await db.platform.balance(w.platform, w.platformSecret)).toMatchObject({ available: '501' });
  });

  it('pays the merchant from the bank’s reserve on COMPENSATED, recovering the escrow into the reserve', async () => {
    const w = await world(1_000n);
    const reserve = `reserve-${randomUUID().slice(0, 8)}`;
    await db.centralBank.openAccount(key('open'), { id: reserve, kind: 'reserve', bank });
    await db.centralBank.mint(key('mint'), reserve, 5_000n);
    const orderId = `o-${randomUUID()}`;
    await lock(w, orderId);
    expect(await refusalCode(bankA.compensate(key('comp'), orderId, decision(orderId, 'CHALLENGED'), reserve))).toBe('DECISION_MISMATCH');
    await bankA.compensate(key('comp'), orderId, decision(orderId, 'COMPENSATED', 'compensate'), reserve);
    expect(await db.platform.balance(w.merchant, w.merchantSecret)).toMatchObject({ available: '975' });
    expect(await db.platform.balance(w.platform, w.platformSecret)).toMatchObject({ available: '25' });
    expect(await db.platform.balance(w.buyer, w.buyerSecret)).toMatchObject({ available: '0', locked: '0' });
  });

  it('answers the platform’s “is this order paid” with yes/no and whether the amount matches, nothing more', async () => {
    const w = await world(1_000n);
    const orderId = `o-${randomUUID()}`;
    expect(await db.platform.orderPaid(orderId, 1_000n)).toEqual({ paid: false, amountMatches: false });
    await lock(w, orderId);
    expect(await db.platform.orderPaid(orderId, 1_000n)).toEqual({ paid: true, amountMatches: true });
    expect(await db.platform.orderPaid(orderId, 999n)).toEqual({ paid: true, amountMatches: false });
  });

  it('keeps balance and history for the wallet’s owner', async () => {
    const w = await world(1_000n);
    expect(await refusalCode(db.platform.history(w.buyer, w.merchantSecret))).toBe('UNAUTHORISED');
    const history = await db.platform.history(w.buyer, w.buyerSecret);
    expect(history).toEqual([expect.objectContaining({ kind: 'fund', credit: w.buyer, amount: '1000' })]);
  });
});
