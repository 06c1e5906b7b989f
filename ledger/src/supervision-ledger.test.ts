import { randomBytes, randomUUID } from 'node:crypto';
import { PgCheckpoints } from './checkpoints';
import type { CbdcLedger, ChainDecision } from './ledger';
import { LedgerError } from './ledger-error';
import { startScratchCluster, type ScratchCluster } from './scratch-cluster';
import { SupervisionLedger, type ChainOrderRecord } from './supervision-ledger';
import { createTestDatabase, type TestDatabase } from './test-database';
import { testParties } from './test-parties';

/**
 * The central bank's supervision functions on a real cluster of the test's own: a small world built
 * through the ledger's real functions, each party with its own login, and every figure checked
 * against sums the test keeps itself (what it minted, funded, locked and paid) and against the
 * owner's plain reading of the tables.
 */
let cluster: ScratchCluster;
let db: TestDatabase;
let supervision: SupervisionLedger;
let bankA: CbdcLedger;
let bankB: CbdcLedger;
const key = (what: string): string => `${what}-${randomUUID()}`;
const secret = (): string => randomBytes(16).toString('hex');
const txId = (): string => randomBytes(32).toString('hex');
const decision = (orderId: string, state: string, action = 'confirm'): ChainDecision => ({
  txId: txId(),
  blockNumber: '9',
  orderId,
  action,
  state,
});

interface Wallet {
  id: string;
  secret: string;
  bank: 'BankAMSP' | 'BankBMSP';
}
const alice: Wallet = { id: `w-alice-${randomUUID()}`, secret: secret(), bank: 'BankAMSP' }; // buyer at A
const dave: Wallet = { id: `w-dave-${randomUUID()}`, secret: secret(), bank: 'BankAMSP' }; // another buyer at A
const bob: Wallet = { id: `w-bob-${randomUUID()}`, secret: secret(), bank: 'BankBMSP' }; // merchant at B
const platformSecret = secret();

const minted = { bank: 5_000_000n, reserve: 2_000_000n };
const funded = { alice: 100_000n, dave: 50_000n, bob: 0n };
/** What the test itself knows of the world: every order, what is still locked, what was paid. */
const orders = {
  settled: `o-settled-${randomUUID()}`,
  refunded: `o-refunded-${randomUUID()}`,
  open: `o-open-${randomUUID()}`,
  compensated: `o-comp-${randomUUID()}`,
  disputed: `o-disp-${randomUUID()}`,
  orphan: `o-orphan-${randomUUID()}`,
};
const price = { settled: 10_000n, refunded: 4_000n, open: 3_000n, compensated: 8_000n, disputed: 2_000n, orphan: 1_500n };
const commissionOf = (p: bigint): bigint => p / 40n; // 250 bps
const penaltyBps = 500;
const decisions = new Map<string, ChainDecision>();

const lock = (orderId: string, buyer: Wallet, p: bigint) =>
  db.platform.lockEscrow(key('lock'), {
    orderId,
    buyerWallet: buyer.id,
    secret: buyer.secret,
    merchantWallet: bob.id,
    platformWallet: 'platform-fees',
    merchantAmount: p - commissionOf(p),
    commissionAmount: commissionOf(p),
  });

const available = async (w: Wallet): Promise<bigint> => BigInt((await db.platform.balance(w.id, w.secret)).available);

async function refusal(action: () => Promise<unknown>): Promise<string> {
  try {
    await action();
  } catch (error) {
    if (error instanceof LedgerError) return error.code;
    throw error;
  }
  throw new Error('expected the ledger to refuse');
}

/** An order as the central bank's scan of its peer would record it. */
const chainOrder = (orderId: string, state: string, overrides: Partial<ChainOrderRecord> = {}): ChainOrderRecord => ({
  orderId,
  state,
  buyerBank: 'BankAMSP',
  merchantBank: 'BankBMSP',
  createdAt: Date.now() - 60_000,
  deadlineName: null,
  deadline: null,
  txId: txId(),
  blockNumber: 3n,
  txIndex: 0,
  writtenAt: Date.now() - 30_000,
  transitions: [],
  ...overrides,
});

beforeAll(async () => {
  cluster = await startScratchCluster({ parties: testParties, port: 55572 });
  db = await createTestDatabase(cluster.access);
  supervision = new SupervisionLedger(db.pool(db.party('centralBank')));
  bankA = db.bank('BankAMSP');
  bankB = db.bank('BankBMSP');
  for (const bank of ['BankAMSP', 'BankBMSP']) {
    await db.centralBank.openAccount(`open-bank-${bank}`, { id: `bank-${bank}`, kind: 'bank', bank });
    await db.centralBank.openAccount(`open-reserve-${bank}`, { id: `reserve-${bank}`, kind: 'reserve', bank });
    await db.centralBank.mint(`mint-${bank}`, `bank-${bank}`, minted.bank);
    await db.centralBank.mint(`mint-reserve-${bank}`, `reserve-${bank}`, minted.reserve);
  }
  await db.centralBank.openAccount('open-platform', {
    id: 'platform-fees',
    kind: 'platform',
    bank: 'PlatformMSP',
    ownerSecret: platformSecret,
  });
  for (const w of [alice, dave]) await bankA.openAccount(key('open'), { id: w.id, kind: 'user', bank: w.bank, ownerSecret: w.secret });
  await bankB.openAccount(key('open'), { id: bob.id, kind: 'user', bank: bob.bank, ownerSecret: bob.secret });
  await bankA.fund(key('fund'), 'bank-BankAMSP', alice.id, funded.alice);
  await bankA.fund(key('fund'), 'bank-BankAMSP', dave.id, funded.dave);
  // Some CBDC goes back to the central bank.
  await db.centralBank.redeem(key('redeem'), 'bank-BankBMSP', 100_000n);

  const agent = db.escrowAgent;
  const act = async (orderId: string, state: string, action: string, effect: (d: ChainDecision) => Promise<unknown>) => {
    const d = decision(orderId, state, action);
    decisions.set(orderId, d);
    await agent.recordChainOrder({ orderId, state, buyerBank: 'BankAMSP', merchantBank: 'BankBMSP', blockNumber: 9n, txId: d.txId });
    await effect(d);
  };
  await lock(orders.settled, alice, price.settled);
  await act(orders.settled, 'CONFIRMED', 'confirm', (d) => agent.postEscrow(key('post'), orders.settled, d));
  await lock(orders.refunded, alice, price.refunded);
  await act(orders.refunded, 'REJECTED', 'reject', (d) => agent.voidEscrow(key('void'), orders.refunded, d));
  await lock(orders.open, dave, price.open);
  await lock(orders.compensated, alice, price.compensated);
  await act(orders.compensated, 'COMPENSATED', 'compensate', (d) =>
    agent.compensate(key('comp'), orders.compensated, d, { merchantBank: 'BankBMSP', bps: penaltyBps }),
  );
  await lock(orders.disputed, alice, price.disputed);
  await agent.recordChainOrder({
    orderId: orders.disputed,
    state: 'DISPUTED',
    buyerBank: 'BankAMSP',
    merchantBank: 'BankBMSP',
    depositBy: Date.now() + 600_000,
    blockNumber: 9n,
    txId: txId(),
  });
  await db.platform.lockDeposit(key('dep'), {
    orderId: orders.disputed,
    party: 'buyer',
    wallet: alice.id,
    secret: alice.secret,
    amount: price.disputed,
  });
  // A lock whose proposal never reached the chain, five minutes old and past its expiry (as the owner
  // ages it: the test cannot wait ten minutes).
  await lock(orders.orphan, dave, price.orphan);
  await db.owner.query(
    "update ledger.transfers set created_at = now() - interval '5 minutes', expires_at = now() - interval '1 minute' where order_id = $1",
    [orders.orphan],
  );
}, 90_000);
afterAll(async () => {
  await db?.drop();
  await cluster?.stop();
});

describe('supply', () => {
  it('minted − redeemed = balances + locked, each figure as the test computes it and as the tables hold it', async () => {
    const supply = await supervision.supply();
    const mintedTotal = 2n * (minted.bank + minted.reserve);
    const lockedEscrow = price.open + price.disputed + price.orphan;
    const lockedDeposits = price.disputed;
    expect(supply).toMatchObject({
      ok: true,
      minted: mintedTotal.toString(),
      redeemed: '100000',
      outstanding: (mintedTotal - 100_000n).toString(),
      locked: (lockedEscrow + lockedDeposits).toString(),
      balances: (mintedTotal - 100_000n - lockedEscrow - lockedDeposits).toString(),
      difference: '0',
      issuance: (100_000n - mintedTotal).toString(),
      lockedByKind: { escrow: lockedEscrow.toString(), deposit: lockedDeposits.toString() },
    });
    const owner = await db.owner.query<{ kind: string; sum: string }>(
      "select kind, sum(balance)::text as sum from ledger.accounts where kind <> 'issuance' group by kind",
    );
    for (const row of owner.rows) expect(supply.balancesByKind[row.kind]).toBe(row.sum);
    // The platform's fee wallet: commission of the settled and the compensated order.
    expect(supply.balancesByKind.platform).toBe((commissionOf(price.settled) + commissionOf(price.compensated)).toString());
  });

  it('tells by how much the books are off when someone changes a balance behind the functions', async () => {
    await db.owner.query('update ledger.accounts set balance = balance + 7 where id = $1', [bob.id]);
    try {
      expect(await supervision.supply()).toMatchObject({ ok: false, difference: '7' });
    } finally {
      await db.owner.query('update ledger.accounts set balance = balance - 7 where id = $1', [bob.id]);
    }
    expect((await supervision.supply()).ok).toBe(true);
  });
});

describe('the journal', () => {
  const positionOf = async (kind: string): Promise<{ position: number; transfer: string }> => {
    const { rows } = await db.owner.query<{ position: string; transfer_id: string }>(
      'select j.position, j.transfer_id from ledger.journal j join ledger.transfers t on t.id = j.transfer_id where t.kind = $1 order by j.position limit 1',
      [kind],
    );
    return { position: Number(rows[0]!.position), transfer: rows[0]!.transfer_id };
  };

  it('holds from its first entry, over every entry the owner counts', async () => {
    const { rows } = await db.owner.query<{ n: string }>('select count(*) as n from ledger.journal');
    expect(await supervision.verifyJournal()).toEqual({
      ok: true,
      entries: Number(rows[0]!.n),
      headPosition: Number(rows[0]!.n),
      firstBreak: null,
      reason: null,
    });
  });

  it('names the position of the first break: a transfer rewritten, a hash replaced, an entry removed, the tail cut', async () => {
    const fund = await positionOf('fund');
    await db.owner.query('update ledger.transfers set amount = amount + 1 where id = $1', [fund.transfer]);
    expect(await supervision.verifyJournal()).toMatchObject({
      ok: false,
      firstBreak: fund.position,
      reason: 'entry hash does not match the transfer',
    });
    await db.owner.query('update ledger.transfers set amount = amount - 1 where id = $1', [fund.transfer]);
    expect((await supervision.verifyJournal()).ok).toBe(true);

    const post = await positionOf('post');
    const { rows } = await db.owner.query<{ entry_hash: string }>('select entry_hash from ledger.journal where position = $1', [
      post.position,
    ]);
    await db.owner.query('update ledger.journal set entry_hash = $2 where position = $1', [post.position, 'f'.repeat(64)]);
    expect(await supervision.verifyJournal()).toMatchObject({ ok: false, firstBreak: post.position });
    await db.owner.query('update ledger.journal set entry_hash = $2 where position = $1', [post.position, rows[0]!.entry_hash]);

    const removed = await db.owner.query('delete from ledger.journal where position = $1 returning *', [fund.position]);
    expect(await supervision.verifyJournal()).toMatchObject({ ok: false, firstBreak: fund.position, reason: 'missing entry' });
    const r = removed.rows[0] as { position: string; transfer_id: string; prev_hash: string; entry_hash: string };
    await db.owner.query('insert into ledger.journal values ($1, $2, $3, $4)', [r.position, r.transfer_id, r.prev_hash, r.entry_hash]);

    const head = await db.owner.query<{ position: string }>('select position from ledger.journal_head');
    const last = Number(head.rows[0]!.position);
    const tail = await db.owner.query('delete from ledger.journal where position = $1 returning *', [last]);
    expect(await supervision.verifyJournal()).toMatchObject({
      ok: false,
      firstBreak: last,
      reason: 'the head does not name the last entry',
    });
    const t = tail.rows[0] as { position: string; transfer_id: string; prev_hash: string; entry_hash: string };
    await db.owner.query('insert into ledger.journal values ($1, $2, $3, $4)', [t.position, t.transfer_id, t.prev_hash, t.entry_hash]);
    expect((await supervision.verifyJournal()).ok).toBe(true);
  });
});

describe('exposure per bank', () => {
  it("is each bank's customers' balances, what is locked from them, its reserve and what it paid, as the test computes them", async () => {
    await supervision.recordChainScan(0n, 4n, 'a'.repeat(64), [
      chainOrder(`o-late-${randomUUID()}`, 'CONFIRMED', { deadlineName: 'settleBy', deadline: Date.now() - 1_000 }),
      chainOrder(`o-challenged-${randomUUID()}`, 'CHALLENGED', { deadlineName: 'proofBy', deadline: Date.now() + 60_000 }),
      chainOrder(`o-intime-${randomUUID()}`, 'CONFIRMED', { deadlineName: 'settleBy', deadline: Date.now() + 60_000 }),
      chainOrder(orders.compensated, 'COMPENSATED'),
    ]);
    const exposure = await supervision.exposure();
    const penalty = (price.compensated * BigInt(penaltyBps)) / 10_000n;
    const a = exposure.find((e) => e.bank === 'BankAMSP')!;
    const b = exposure.find((e) => e.bank === 'BankBMSP')!;
    expect(exposure.map((e) => e.bank)).toEqual(['BankAMSP', 'BankBMSP']);
    // Alice paid for the settled, compensated and disputed orders, and a deposit; Dave holds two open locks.
    const aliceLeft = funded.alice - price.settled - price.compensated - price.disputed - price.disputed;
    const daveLeft = funded.dave - price.open - price.orphan;
    expect(await available(alice)).toBe(aliceLeft);
    expect(await available(dave)).toBe(daveLeft);
    expect(a).toEqual({
      bank: 'BankAMSP',
      customerWallets: 2,
      customerBalances: (aliceLeft + daveLeft).toString(),
      bankAccount: (minted.bank - funded.alice - funded.dave).toString(),
      reserve: minted.reserve.toString(),
      escrowLocked: (price.open + price.disputed + price.orphan).toString(),
      escrowOrders: 3,
      depositsLocked: price.disputed.toString(),
      deposits: 1,
      compensationsPaid: '0',
      compensations: 0,
      settlementProofsLate: 0,
      challenged: 0,
      challengesOverdue: 0,
      compensatedOrders: 0,
    });
    const bobHas = price.settled - commissionOf(price.settled) + price.compensated - commissionOf(price.compensated) + penalty;
    expect(await available(bob)).toBe(bobHas);
    expect(b).toEqual({
      bank: 'BankBMSP',
      customerWallets: 1,
      customerBalances: bobHas.toString(),
      bankAccount: (minted.bank - 100_000n).toString(),
      reserve: (minted.reserve - penalty).toString(),
      escrowLocked: '0',
      escrowOrders: 0,
      depositsLocked: '0',
      deposits: 0,
      compensationsPaid: penalty.toString(),
      compensations: 1,
      settlementProofsLate: 2,
      challenged: 1,
      challengesOverdue: 0,
      compensatedOrders: 1,
    });
  });
});

describe('escrow locks', () => {
  it('one row per order: status, amounts, banks, the deciding transaction and the payment’s journal positions', async () => {
    const locks = await supervision.allEscrowLocks();
    const byOrder = new Map(locks.map((l) => [l.orderId, l]));
    expect(locks.map((l) => l.orderId)).toEqual(Object.values(orders).sort());
    const posts = await db.owner.query<{ position: string }>(
      "select j.position from ledger.journal j join ledger.transfers t on t.id = j.transfer_id where t.kind = 'post' and t.order_id = $1 order by 1",
      [orders.settled],
    );
    expect(byOrder.get(orders.settled)).toMatchObject({
      status: 'posted',
      merchantAmount: (price.settled - commissionOf(price.settled)).toString(),
      commissionAmount: commissionOf(price.settled).toString(),
      buyerBank: 'BankAMSP',
      merchantBank: 'BankBMSP',
      expiresAt: null,
      decisionTxs: [decisions.get(orders.settled)!.txId],
      journalPositions: posts.rows.map((r) => Number(r.position)),
      agentSaw: { state: 'CONFIRMED', txId: decisions.get(orders.settled)!.txId, blockNumber: '9' },
    });
    expect(byOrder.get(orders.refunded)).toMatchObject({
      status: 'voided',
      decisionTxs: [decisions.get(orders.refunded)!.txId],
      journalPositions: [],
    });
    expect(byOrder.get(orders.open)).toMatchObject({ status: 'locked', decisionTxs: [], agentSaw: null, resolvedAt: null });
    expect(byOrder.get(orders.open)!.expiresAt).not.toBeNull();
    expect(byOrder.get(orders.compensated)).toMatchObject({ status: 'posted' });

    // Pages of one meet the whole.
    const first = await supervision.escrowLocks(null, 2);
    const second = await supervision.escrowLocks(first.next, 2);
    expect([...first.locks, ...second.locks].map((l) => l.orderId)).toEqual(locks.slice(0, 4).map((l) => l.orderId));
  });

  it('shows one leg voided behind the other’s back as mixed', async () => {
    const orderId = `o-mixed-${randomUUID()}`;
    await lock(orderId, dave, 400n);
    await db.owner.query(
      `insert into ledger.transfers (id, kind, debit_account, credit_account, amount, pending_id, order_id, purpose)
       select id || ':void', 'void', debit_account, credit_account, amount, id, order_id, purpose from ledger.transfers
        where order_id = $1 and purpose = 'escrow:commission'`,
      [orderId],
    );
    await db.owner.query('update ledger.accounts set balance = balance + 10 where id = $1', [dave.id]);
    try {
      expect((await supervision.allEscrowLocks()).find((l) => l.orderId === orderId)).toMatchObject({ status: 'mixed' });
    } finally {
      await db.owner.query("delete from ledger.transfers where order_id = $1 and kind = 'void'", [orderId]);
      await db.owner.query('update ledger.accounts set balance = balance - 10 where id = $1', [dave.id]);
      await db.owner.query('delete from ledger.transfers where order_id = $1', [orderId]);
      await db.owner.query('update ledger.accounts set balance = balance + 400 where id = $1', [dave.id]);
    }
    expect((await supervision.supply()).ok).toBe(true);
  });
});

describe('aging', () => {
  it('bands the open locks by age, lists those past their expiry and the orders past their deadline', async () => {
    const aging = await supervision.aging([60, 600], 10);
    expect(aging.bands).toEqual([
      {
        fromSeconds: 0,
        toSeconds: 60,
        escrowOrders: 2,
        escrowAmount: (price.open + price.disputed).toString(),
        deposits: 1,
        depositAmount: price.disputed.toString(),
      },
      { fromSeconds: 60, toSeconds: 600, escrowOrders: 1, escrowAmount: price.orphan.toString(), deposits: 0, depositAmount: '0' },
      { fromSeconds: 600, toSeconds: null, escrowOrders: 0, escrowAmount: '0', deposits: 0, depositAmount: '0' },
    ]);
    expect(aging.pastExpiry.locks).toBe(2);
    expect(aging.pastExpiry.amount).toBe(price.orphan.toString());
    expect(aging.pastExpiry.list.map((l) => [l.orderId, l.purpose, l.agentSaw])).toEqual(
      expect.arrayContaining([
        [orders.orphan, 'escrow:merchant', null],
        [orders.orphan, 'escrow:commission', null],
      ]),
    );
    expect(aging.pastDeadline.orders).toBe(1);
    expect(aging.pastDeadline.list[0]).toMatchObject({ state: 'CONFIRMED', deadlineName: 'settleBy', blockNumber: '3' });
    expect(aging.pastDeadline.list[0]!.overdueSeconds).toBeGreaterThanOrEqual(1);
  });

  it('refuses bands that do not increase', async () => {
    expect(await refusal(() => supervision.aging([600, 60]))).toBe('BAD_ARGUMENT');
    expect(await refusal(() => supervision.aging([0]))).toBe('BAD_ARGUMENT');
  });
});

describe("the agent's progress", () => {
  it('is its checkpoint and which decisions have taken effect', async () => {
    const agentPool = db.pool(db.party('escrowAgent'));
    const checkpoints = new PgCheckpoints(agentPool, 'agent', 'escrow-agent');
    const done = `${txId()}.${orders.settled}`;
    const notDone = `${txId()}.${orders.open}`;
    expect(await supervision.agentProgress('escrow-agent', [done])).toEqual({ checkpoint: null, processed: [] });
    await checkpoints.markProcessed([done]);
    const tx = txId();
    await checkpoints.save({ blockNumber: 12n, transactionId: tx });
    const progress = await supervision.agentProgress('escrow-agent', [done, notDone]);
    expect(progress.processed).toEqual([done]);
    expect(progress.checkpoint).toMatchObject({ blockNumber: '12', txId: tx });
  });
});

describe("the central bank's chain scan", () => {
  it('records a range of blocks and the position at once, from where it stands only; older news never overwrites newer', async () => {
    const at = await supervision.chainScanPosition();
    expect(at).toMatchObject({ nextBlock: '4', lastBlockHash: 'a'.repeat(64) });
    const orderId = `o-scan-${randomUUID()}`;
    expect(await refusal(() => supervision.recordChainScan(7n, 9n, null, []))).toBe('SCAN_CONFLICT');
    expect(await refusal(() => supervision.recordChainScan(4n, 6n, null, [chainOrder(orderId, 'PROPOSED', { blockNumber: 6n })]))).toBe(
      'BAD_ARGUMENT',
    );
    expect(await refusal(() => supervision.recordChainScan(4n, 6n, null, [chainOrder('bad id!', 'PROPOSED', { blockNumber: 4n })]))).toBe(
      'BAD_ARGUMENT',
    );
    expect(await refusal(() => supervision.recordChainScan(4n, 6n, null, [chainOrder(orderId, 'LOST', { blockNumber: 4n })]))).toBe(
      'BAD_ARGUMENT',
    );
    expect(await supervision.chainScanPosition()).toMatchObject({ nextBlock: '4' });
    expect((await supervision.allChainOrders()).some((o) => o.orderId === orderId)).toBe(false);

    const proposed = chainOrder(orderId, 'PROPOSED', {
      blockNumber: 4n,
      txIndex: 2,
      deadlineName: 'approveBy',
      deadline: Date.now() + 3_600_000,
    });
    const escrowed = chainOrder(orderId, 'ESCROWED', {
      blockNumber: 5n,
      txIndex: 0,
      deadlineName: 'deliverBy',
      deadline: Date.now() + 86_400_000,
    });
    await supervision.recordChainScan(4n, 6n, 'b'.repeat(64), [escrowed, proposed]);
    const row = (await supervision.allChainOrders()).find((o) => o.orderId === orderId)!;
    expect(row).toMatchObject({
      state: 'ESCROWED',
      txId: escrowed.txId,
      blockNumber: '5',
      txIndex: 0,
      firstBlock: '4',
      deadlineName: 'deliverBy',
    });
    // The same blocks read again by a restarted scan, and an older write in a later call, change nothing.
    await supervision.recordChainScan(6n, 7n, 'c'.repeat(64), []);
    expect(await refusal(() => supervision.recordChainScan(4n, 6n, 'b'.repeat(64), [proposed]))).toBe('SCAN_CONFLICT');
    expect((await supervision.allChainOrders()).find((o) => o.orderId === orderId)).toMatchObject({ state: 'ESCROWED', blockNumber: '5' });
    expect(await supervision.chainScanPosition()).toMatchObject({ nextBlock: '7', lastBlockHash: 'c'.repeat(64) });
  });
});

describe('rights: the central bank’s alone', () => {
  const everyFunction: [string, (s: SupervisionLedger) => Promise<unknown>][] = [
    ['supply', (s) => s.supply()],
    ['verify_journal', (s) => s.verifyJournal()],
    ['exposure', (s) => s.exposure()],
    ['escrow_locks', (s) => s.escrowLocks()],
    ['aging', (s) => s.aging([60])],
    ['agent_progress', (s) => s.agentProgress('escrow-agent', [])],
    ['chain_scan_position', (s) => s.chainScanPosition()],
    ['record_chain_scan', (s) => s.recordChainScan(7n, 8n, null, [chainOrder(`o-forged-${randomUUID()}`, 'SETTLED', { blockNumber: 7n })])],
    ['chain_view', (s) => s.chainView()],
  ];

  it.each(['platform', 'bank', 'escrowAgent'] as const)('refuses every function to the %s, and nothing changes', async (kind) => {
    const parties = testParties.filter((p) => p.kind === kind);
    const before = JSON.stringify([await supervision.allChainOrders(), await supervision.chainScanPosition()]);
    for (const party of parties) {
      const other = new SupervisionLedger(db.pool(party));
      for (const [name, call] of everyFunction) {
        expect([name, party.id, await refusal(() => call(other))]).toEqual([name, party.id, 'FORBIDDEN']);
      }
    }
    expect(JSON.stringify([await supervision.allChainOrders(), await supervision.chainScanPosition()])).toBe(before);
  });

  it('no party reads the chain view’s tables, the central bank included: only through the functions', async () => {
    for (const party of testParties) {
      const code = await db
        .pool(party)
        .query('select * from supervision.chain_orders')
        .then(
          () => 'allowed',
          (e: { code?: string }) => e.code,
        );
      expect(code).toBe('42501');
    }
  });

  it('shows no wallet id, owner credential or name in anything it answers', async () => {
    const everything = JSON.stringify([
      await supervision.supply(),
      await supervision.verifyJournal(),
      await supervision.exposure(),
      await supervision.allEscrowLocks(),
      await supervision.aging([60, 600], 100),
      await supervision.allChainOrders(),
    ]);
    for (const hidden of [alice.id, dave.id, bob.id, alice.secret, dave.secret, bob.secret, platformSecret, 'alice', 'bob', 'dave']) {
      expect(everything).not.toContain(hidden);
    }
  });
});
