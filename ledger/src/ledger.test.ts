import { randomBytes, randomUUID } from 'node:crypto';
import type pg from 'pg';
import { loginClient, loginPool } from './credentials';
import { verifyJournal, journalEntry } from './journal';
import { CbdcLedger, type ChainDecision } from './ledger';
import { LedgerError } from './ledger-error';
import { testParties } from './test-parties';
import { startScratchCluster, type ScratchCluster } from './scratch-cluster';
import { createTestDatabase, type TestDatabase } from './test-database';

/**
 * Against a real PostgreSQL cluster of the test's own (set up as the network's is): a fresh database,
 * the real functions, each party's own role: BankA opens and funds its customers' wallets, the
 * platform locks, the central bank issues and supervises, the escrow agent moves escrowed money.
 */
let cluster: ScratchCluster;
let db: TestDatabase;
let bankA: CbdcLedger;
/** The escrow agent: the only party that moves escrowed money. */
let agent: CbdcLedger;
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
  agent = db.escrowAgent;
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

    const posting = await agent.postEscrow(key('post'), orderId, decision(orderId, 'CONFIRMED'));
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
      expect(await agent.voidEscrow(key('void'), orderId, decision(orderId, state, 'reject'))).toMatchObject({ voidedLegs: 2 });
      expect(await db.platform.balance(w.buyer, w.buyerSecret)).toMatchObject({ available: '1000', locked: '0' });
    }
  });

  it('moves the money once: a second post pays nothing more, and post and void exclude each other', async () => {
    const w = await world(1_000n);
    const orderId = `o-${randomUUID()}`;
    await lock(w, orderId);
    const first = await agent.postEscrow(key('post'), orderId, decision(orderId, 'CONFIRMED'));
    const again = await agent.postEscrow(key('post'), orderId, decision(orderId, 'CONFIRMED'));
    expect(again).toEqual(first);
    expect(await db.platform.balance(w.merchant, w.merchantSecret)).toMatchObject({ available: '975' });
    expect(await refusalCode(agent.voidEscrow(key('void'), orderId, decision(orderId, 'REFUNDED')))).toBe('ALREADY_RESOLVED');

    const w2 = await world(1_000n);
    const voided = `o-${randomUUID()}`;
    await lock(w2, voided);
    await agent.voidEscrow(key('void'), voided, decision(voided, 'REJECTED'));
    expect(await refusalCode(agent.postEscrow(key('post'), voided, decision(voided, 'CONFIRMED')))).toBe('ALREADY_RESOLVED');
    expect(await db.platform.balance(w2.merchant, w2.merchantSecret)).toMatchObject({ available: '0' });
  });

  it('refuses to post on a decision that does not allow it, or on none', async () => {
    const w = await world(1_000n);
    const orderId = `o-${randomUUID()}`;
    await lock(w, orderId);
    expect(await refusalCode(agent.postEscrow(key('post'), orderId, decision(orderId, 'REJECTED')))).toBe('DECISION_MISMATCH');
    expect(await refusalCode(agent.voidEscrow(key('void'), orderId, decision(orderId, 'CONFIRMED')))).toBe('DECISION_MISMATCH');
    expect(await refusalCode(agent.postEscrow(key('post'), orderId, decision(`o-${randomUUID()}`, 'CONFIRMED')))).toBe('NO_DECISION');
    expect(await refusalCode(agent.postEscrow(key('post'), orderId, { ...decision(orderId, 'CONFIRMED'), txId: 'forged' }))).toBe(
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

  it('may not call what moves escrowed money at all; the escrow agent itself needs the on-chain decision; the lock stays', async () => {
    expect(await denied("select ledger.post_escrow('steal-1', $1, null)", [orderId])).toMatch(/permission denied/);
    expect(await denied("select ledger.void_escrow('steal-2', $1, '{}'::jsonb)", [orderId])).toMatch(/permission denied/);
    expect(await refusalCode(agent.postEscrow('agent-1', orderId, null as unknown as ChainDecision))).toBe('NO_DECISION');
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
    const results = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => agent.postEscrow(`post-${orderId}-${i % 2}`, orderId, d)));
    expect(results.every((r) => r.status === 'fulfilled')).toBe(true);
    expect(await db.platform.balance(w.merchant, w.merchantSecret)).toMatchObject({ available: '975' });
  });
});

describe('disputes, compensation and what the platform may see', () => {
  /** The order as the escrow agent proved it in dispute, deposits due in a minute: lock_deposit needs that. */
  const inDispute = (orderId: string, depositBy = Date.now() + 60_000): Promise<void> =>
    agent.recordChainOrder({
      orderId,
      state: 'DISPUTED',
      buyerBank: bank,
      merchantBank: bank,
      depositBy,
      blockNumber: 7n,
      txId: 'a'.repeat(64),
    });

  it('returns the winner’s deposit and splits the loser’s, both recorded on-chain, as the contract computes', async () => {
    const w = await world(2_002n);
    const courier = await world(1_001n);
    const orderId = `o-${randomUUID()}`;
    await lock(w, orderId, 976n, 25n);
    await inDispute(orderId);
    await db.platform.lockDeposit(key('dep'), { orderId, party: 'buyer', wallet: w.buyer, secret: w.buyerSecret, amount: 1_001n });
    await db.platform.lockDeposit(key('dep'), {
      orderId,
      party: 'courier',
      wallet: courier.buyer,
      secret: courier.buyerSecret,
      amount: 1_001n,
    });
    const resolution = decision(orderId, 'REFUNDED', 'resolveDispute');
    expect(
      await refusalCode(
        agent.settleDeposits(key('settle'), orderId, decision(orderId, 'CONFIRMED', 'resolveDispute'), 'buyer', ['buyer', 'courier']),
      ),
    ).toBe('DECISION_MISMATCH');
    expect(await agent.settleDeposits(key('settle'), orderId, resolution, 'buyer', ['buyer', 'courier'])).toMatchObject({
      winnerPayout: '1501',
      platformPayout: '501',
      returnedUnrecorded: [],
    });
    // The buyer's price (1,001) is still locked in escrow: the escrow is resolved apart from the deposits.
    expect(await db.platform.balance(w.buyer, w.buyerSecret)).toMatchObject({ available: '1501', locked: '1001' });
    expect(await db.platform.balance(courier.buyer, courier.buyerSecret)).toMatchObject({ available: '0', locked: '0' });
    expect(await db.platform.balance(w.platform, w.platformSecret)).toMatchObject({ available: '501' });
  });

  it('gives back a deposit the chain never recorded, whoever won, and pays out only what it recorded', async () => {
    const w = await world(2_000n);
    const courier = await world(1_000n);
    const orderId = `o-${randomUUID()}`;
    await lock(w, orderId);
    await inDispute(orderId);
    await db.platform.lockDeposit(key('dep'), { orderId, party: 'buyer', wallet: w.buyer, secret: w.buyerSecret, amount: 1_000n });
    await db.platform.lockDeposit(key('dep'), {
      orderId,
      party: 'courier',
      wallet: courier.buyer,
      secret: courier.buyerSecret,
      amount: 1_000n,
    });
    // Only the courier's deposit reached the chain; the courier wins.
    const paid = await agent.settleDeposits(key('settle'), orderId, decision(orderId, 'CONFIRMED', 'resolveDispute'), 'courier', [
      'courier',
    ]);
    expect(paid).toMatchObject({ winnerPayout: '1000', platformPayout: '0', returnedUnrecorded: ['buyer'] });
    expect(await db.platform.balance(w.buyer, w.buyerSecret)).toMatchObject({ available: '1000', locked: '1000' });
    expect(await db.platform.balance(courier.buyer, courier.buyerSecret)).toMatchObject({ available: '1000', locked: '0' });
  });

  it('refuses a deposit while the order is not in dispute on the central bank’s peer, or past its deadline', async () => {
    const w = await world(1_000n);
    const orderId = `o-${randomUUID()}`;
    const deposit = () =>
      db.platform.lockDeposit(key('dep'), { orderId, party: 'buyer', wallet: w.buyer, secret: w.buyerSecret, amount: 1_000n });
    expect(await refusalCode(deposit())).toBe('WRONG_STATE');
    await inDispute(orderId, Date.now() - 1_000);
    expect(await refusalCode(deposit())).toBe('DEADLINE_PASSED');
    expect(await db.platform.balance(w.buyer, w.buyerSecret)).toMatchObject({ available: '1000', locked: '0' });
  });

  it('on COMPENSATED pays what was owed from the escrow and a penalty from the merchant’s bank’s reserve', async () => {
    const w = await world(1_000n);
    const reserveBank = bank;
    await db.centralBank.openAccount(key('open'), { id: `reserve-${reserveBank}`, kind: 'reserve', bank: reserveBank });
    await db.centralBank.mint(key('mint'), `reserve-${reserveBank}`, 5_000n);
    const orderId = `o-${randomUUID()}`;
    await lock(w, orderId);
    const penalty = { merchantBank: reserveBank, bps: 200 };
    expect(await refusalCode(agent.compensate(key('comp'), orderId, decision(orderId, 'CHALLENGED'), penalty))).toBe('DECISION_MISMATCH');
    expect(await agent.compensate(key('comp'), orderId, decision(orderId, 'COMPENSATED', 'compensate'), penalty)).toMatchObject({
      penalty: '20',
    });
    expect(await db.platform.balance(w.merchant, w.merchantSecret)).toMatchObject({ available: '995' });
    expect(await db.platform.balance(w.platform, w.platformSecret)).toMatchObject({ available: '25' });
    expect(await db.platform.balance(w.buyer, w.buyerSecret)).toMatchObject({ available: '0', locked: '0' });
    expect(await db.centralBank.balanceOf(`reserve-${reserveBank}`)).toBe(4_980n);
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

describe('a refusal over a pool', () => {
  it('leaves the connection in the pool: the next call runs on the same server process, with no new login', async () => {
    const pool = loginPool(db.login(db.party('bank', bank)), { max: 1 });
    try {
      const serverProcess = async (): Promise<number> => (await pool.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid;
      const first = await serverProcess();
      // A receipt the escrow agent has not made: refused by design, as a merchant's bank polls for it.
      expect(await refusalCode(new CbdcLedger(pool).receiptOf(`o-${randomUUID()}`))).toBe('NOT_SEEN');
      await expect(pool.query('select 1 / 0')).rejects.toMatchObject({ code: '22012' });
      expect(await serverProcess()).toBe(first);
      expect(pool.totalCount).toBe(1);
    } finally {
      await pool.end();
    }
  });

  it('drops a connection the server ended, and the next call logs in afresh', async () => {
    const pool = loginPool(db.login(db.party('bank', bank)), { max: 1 });
    try {
      const first = (await pool.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid;
      // The server's own end of the connection, as a restart or an operator would end it: SQLSTATE 57P01.
      await db.owner.query('select pg_terminate_backend($1)', [first]);
      await expect(pool.query('select 1')).rejects.toBeDefined();
      const next = (await pool.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid;
      expect(next).not.toBe(first);
    } finally {
      await pool.end();
    }
  });
});

describe('receipts for a batch of settlements', () => {
  const seen = (orderId: string, merchantBank: string): Promise<void> =>
    agent.recordChainOrder({ orderId, state: 'CONFIRMED', buyerBank: bank, merchantBank, blockNumber: 9n, txId: 'b'.repeat(64) });

  it('answers the merchant’s bank in one call: a paid order’s receipt, null for one unpaid, nothing for one unseen', async () => {
    const [paid, unpaid, unseen] = [`o-${randomUUID()}`, `o-${randomUUID()}`, `o-${randomUUID()}`];
    await seen(paid, bank);
    await seen(unpaid, bank);
    const signed = { receipt: { orderId: paid }, signature: 'c2lnbmVk' };
    await agent.recordReceipt(paid, signed);
    const receipts = await bankA.receiptsOf([paid, unpaid, unseen]);
    expect(Object.fromEntries(receipts)).toEqual({ [paid]: signed, [unpaid]: null });
    // The single-order call says the same of each.
    expect(await bankA.receiptOf(paid)).toEqual(signed);
    expect(await refusalCode(bankA.receiptOf(unseen))).toBe('NOT_SEEN');
  });

  it('refuses the whole call when one order is another bank’s, and refuses what is not a bank’s to ask', async () => {
    const [mine, theirs] = [`o-${randomUUID()}`, `o-${randomUUID()}`];
    await seen(mine, bank);
    await seen(theirs, 'BankBMSP');
    await agent.recordReceipt(theirs, { receipt: { orderId: theirs }, signature: 'c2lnbmVk' });
    expect(await refusalCode(bankA.receiptsOf([mine, theirs]))).toBe('UNAUTHORISED');
    expect(await refusalCode(bankA.receiptsOf(Array.from({ length: 501 }, (_, i) => `o-${i}`)))).toBe('BAD_ARGUMENT');
    expect(await refusalCode(db.platform.receiptsOf([mine]))).toBe('FORBIDDEN');
    // Read again after the refusals: the receipt is still there, unchanged, for the bank it belongs to.
    expect(Object.fromEntries(await agent.receiptsOf([theirs]))).toEqual({
      [theirs]: { receipt: { orderId: theirs }, signature: 'c2lnbmVk' },
    });
  });
});

describe('a transaction’s settlements in one call (the escrow agent’s batches)', () => {
  const chainOrder = (orderId: string, blockNumber: bigint, state = 'CONFIRMED') => ({
    orderId,
    state,
    buyerBank: bank,
    merchantBank: bank,
    blockNumber,
    txId: randomBytes(32).toString('hex'),
  });
  const chainRow = async (orderId: string) =>
    (
      await db.owner.query<{ state: string; block_number: string }>(
        'select state, block_number from ledger.chain_orders where order_id = $1',
        [orderId],
      )
    ).rows[0];

  it('posts each order as post_escrow would, answers a refused one in its place without undoing the rest, and pays once', async () => {
    const w = await world(4_000n);
    const [paid, alsoPaid, voided, rejected] = Array.from({ length: 4 }, () => `o-${randomUUID()}`) as [string, string, string, string];
    for (const orderId of [paid, alsoPaid, voided, rejected]) await lock(w, orderId);
    await agent.voidEscrow(key('void'), voided, decision(voided, 'REJECTED', 'reject'));
    const items = [
      { key: key('post'), orderId: paid, decision: decision(paid, 'CONFIRMED') },
      { key: key('post'), orderId: voided, decision: decision(voided, 'CONFIRMED') },
      { key: key('post'), orderId: alsoPaid, decision: decision(alsoPaid, 'SETTLED', 'recordSettlement') },
      { key: key('post'), orderId: rejected, decision: decision(rejected, 'REJECTED', 'reject') },
    ];

    await agent.recordChainOrders(items.map((i) => chainOrder(i.orderId, 7n, i.decision.state)));
    const answers = await agent.postEscrows(items);
    expect(answers.map((a) => ('refused' in a ? `${a.orderId} ${a.refused.code}` : `${a.orderId} posted ${a.receiptRecorded}`))).toEqual([
      `${paid} posted false`,
      `${voided} ALREADY_RESOLVED`,
      `${alsoPaid} posted false`,
      `${rejected} DECISION_MISMATCH`,
    ]);
    const posting = answers[0]!;
    if ('refused' in posting) throw posting.refused;
    expect(posting.posting).toMatchObject({ order: paid, merchantWallet: w.merchant, merchantAmount: '975', commissionAmount: '25' });
    expect((await journalEntry(db.owner, posting.posting.journalPosition))!.entryHash).toBe(posting.posting.journalHash);
    // Read again: two orders paid, the voided one back with the buyer, the refused decision's lock untouched.
    expect(await db.platform.balance(w.merchant, w.merchantSecret)).toMatchObject({ available: '1950' });
    expect(await db.platform.balance(w.platform, w.platformSecret)).toMatchObject({ available: '50' });
    expect(await db.platform.balance(w.buyer, w.buyerSecret)).toMatchObject({ available: '1000', locked: '1000' });
    expect(await bankA.escrowOf(rejected)).toMatchObject({ status: 'locked' });

    // The same batch again (a retried job), one receipt recorded meanwhile: the same postings, nothing moves.
    const signed = { receipt: { orderId: paid }, signature: 'c2lnbmVk' };
    await agent.recordReceipts(new Map([[paid, signed]]));
    const again = await agent.postEscrows(items);
    expect(again.map((a) => ('refused' in a ? a.refused.code : a.receiptRecorded))).toEqual([
      true,
      'ALREADY_RESOLVED',
      false,
      'DECISION_MISMATCH',
    ]);
    expect(again[0]).toMatchObject({ posting: posting.posting });
    expect(await db.platform.balance(w.merchant, w.merchantSecret)).toMatchObject({ available: '1950' });
    expect(await bankA.receiptOf(paid)).toEqual(signed);
  });

  it('records what the agent proved of many orders in one call, never letting an older block overwrite a newer', async () => {
    const [first, second] = [`o-${randomUUID()}`, `o-${randomUUID()}`];
    await agent.recordChainOrders([chainOrder(first, 20n), chainOrder(second, 20n, 'DISPUTED')]);
    await agent.recordChainOrders([chainOrder(first, 10n, 'PROPOSED'), chainOrder(second, 30n, 'REFUNDED')]);
    expect(await chainRow(first)).toEqual({ state: 'CONFIRMED', block_number: '20' });
    expect(await chainRow(second)).toEqual({ state: 'REFUNDED', block_number: '30' });
  });

  it('takes the batches from the escrow agent alone, and refuses bad input; nothing changes', async () => {
    const w = await world(1_000n);
    const orderId = `o-${randomUUID()}`;
    await lock(w, orderId);
    const post = [{ key: key('post'), orderId, decision: decision(orderId, 'CONFIRMED') }];
    for (const party of [bankA, db.platform, db.centralBank]) {
      expect(await refusalCode(party.postEscrows(post))).toBe('FORBIDDEN');
      expect(await refusalCode(party.recordChainOrders([chainOrder(orderId, 99n, 'SETTLED')]))).toBe('FORBIDDEN');
      expect(await refusalCode(party.recordReceipts(new Map([[orderId, { receipt: {}, signature: 'eA==' }]])))).toBe('FORBIDDEN');
    }
    const tooMany = Array.from({ length: 501 }, () => post[0]!);
    expect(await refusalCode(agent.postEscrows(tooMany))).toBe('BAD_ARGUMENT');
    expect(await refusalCode(agent.recordChainOrders([{ ...chainOrder(orderId, 5n), state: undefined as unknown as string }]))).toBe(
      'BAD_ARGUMENT',
    );
    // Read again: still locked, unseen, no receipt.
    expect(await bankA.escrowOf(orderId)).toMatchObject({ status: 'locked' });
    expect(await chainRow(orderId)).toBeUndefined();
    expect(await db.owner.query('select 1 from ledger.receipts where order_id = $1', [orderId])).toMatchObject({ rowCount: 0 });
  });
});
