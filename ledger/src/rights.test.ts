import { randomBytes, randomUUID } from 'node:crypto';
import { loginClient } from './credentials';
import type { CbdcLedger, ChainDecision } from './ledger';
import { LedgerError } from './ledger-error';
import { startScratchCluster, type ScratchCluster } from './scratch-cluster';
import { createTestDatabase, type TestDatabase } from './test-database';
import { testParties } from './test-parties';

/**
 * Each party's rights, decided inside the database from the role it logged in as: every right is
 * tried by a party that lacks it (refused, and every balance and lock is as before) and by the one
 * that has it (works). Real roles, real passwords, a real cluster of the test's own.
 */
let cluster: ScratchCluster;
let db: TestDatabase;
let bankA: CbdcLedger;
let bankB: CbdcLedger;
const key = (what: string): string => `${what}-${randomUUID()}`;
const secret = (): string => randomBytes(16).toString('hex');
const alice = { id: `w-alice-${randomUUID()}`, secret: secret() }; // BankA's customer
const bob = { id: `w-bob-${randomUUID()}`, secret: secret() }; // BankB's customer
const decision = (orderId: string, state: string): ChainDecision => ({
  txId: randomBytes(32).toString('hex'),
  blockNumber: '7',
  orderId,
  action: 'confirm',
  state,
});

/** Every balance and every open lock, read as the owner: what "nothing moved" is checked against. */
async function books(): Promise<string> {
  const accounts = await db.owner.query('select id, balance::text from ledger.accounts order by id');
  const pending = await db.owner.query(
    `select p.id from ledger.transfers p where p.kind = 'pending'
      and not exists (select 1 from ledger.transfers r where r.pending_id = p.id) order by p.id`,
  );
  return JSON.stringify([accounts.rows, pending.rows]);
}

/** The ledger's refusal code, after checking that the refusal changed nothing. */
async function refused(action: () => Promise<unknown>): Promise<string> {
  const before = await books();
  try {
    await action();
  } catch (error) {
    if (!(error instanceof LedgerError)) throw error;
    expect(await books()).toBe(before);
    return error.code;
  }
  throw new Error('expected the ledger to refuse');
}

const lockFor = (orderId: string, from = alice, to = bob) => ({
  orderId,
  buyerWallet: from.id,
  secret: from.secret,
  merchantWallet: to.id,
  platformWallet: 'platform-fees',
  merchantAmount: 90n,
  commissionAmount: 10n,
});

beforeAll(async () => {
  cluster = await startScratchCluster({ parties: testParties, port: 55552 });
  db = await createTestDatabase(cluster.access);
  bankA = db.bank('BankAMSP');
  bankB = db.bank('BankBMSP');
  for (const bank of ['BankAMSP', 'BankBMSP']) {
    await db.centralBank.openAccount(`open-bank-${bank}`, { id: `bank-${bank}`, kind: 'bank', bank });
    await db.centralBank.openAccount(`open-reserve-${bank}`, { id: `reserve-${bank}`, kind: 'reserve', bank });
    await db.centralBank.mint(`mint-${bank}`, `bank-${bank}`, 1_000_000n);
    await db.centralBank.mint(`mint-reserve-${bank}`, `reserve-${bank}`, 1_000_000n);
  }
  await db.centralBank.openAccount('open-platform', { id: 'platform-fees', kind: 'platform', bank: 'PlatformMSP', ownerSecret: secret() });
  await bankA.openAccount(key('open'), { id: alice.id, kind: 'user', bank: 'BankAMSP', ownerSecret: alice.secret });
  await bankB.openAccount(key('open'), { id: bob.id, kind: 'user', bank: 'BankBMSP', ownerSecret: bob.secret });
  await bankA.fund(key('fund'), 'bank-BankAMSP', alice.id, 10_000n);
  await bankB.fund(key('fund'), 'bank-BankBMSP', bob.id, 10_000n);
}, 60_000);
afterAll(async () => {
  await db?.drop();
  await cluster?.stop();
});

describe('opening accounts', () => {
  it('a bank opens wallets for its own customers only', async () => {
    const wallet = { id: `w-${randomUUID()}`, kind: 'user' as const, ownerSecret: secret() };
    expect(await refused(() => bankA.openAccount(key('open'), { ...wallet, bank: 'BankBMSP' }))).toBe('UNAUTHORISED');
    expect(await refused(() => bankA.openAccount(key('open'), { id: `b-${randomUUID()}`, kind: 'bank', bank: 'BankAMSP' }))).toBe(
      'UNAUTHORISED',
    );
    expect(await refused(() => bankA.openAccount(key('open'), { id: `r-${randomUUID()}`, kind: 'reserve', bank: 'BankAMSP' }))).toBe(
      'UNAUTHORISED',
    );
    await expect(bankA.openAccount(key('open'), { ...wallet, bank: 'BankAMSP' })).resolves.toEqual({ account: wallet.id });
  });

  it('the platform opens user wallets (with an owner credential) and nothing else', async () => {
    expect(
      await refused(() =>
        db.platform.openAccount(key('open'), { id: `p-${randomUUID()}`, kind: 'platform', bank: 'PlatformMSP', ownerSecret: secret() }),
      ),
    ).toBe('UNAUTHORISED');
    expect(await refused(() => db.platform.openAccount(key('open'), { id: `b-${randomUUID()}`, kind: 'bank', bank: 'BankAMSP' }))).toBe(
      'UNAUTHORISED',
    );
    expect(await refused(() => db.platform.openAccount(key('open'), { id: `w-${randomUUID()}`, kind: 'user', bank: 'BankAMSP' }))).toBe(
      'BAD_ARGUMENT',
    );
    expect(
      await refused(() =>
        db.platform.openAccount(key('open'), { id: `w-${randomUUID()}`, kind: 'user', bank: 'BankZMSP', ownerSecret: secret() }),
      ),
    ).toBe('BAD_ARGUMENT');
    const id = `w-${randomUUID()}`;
    await expect(db.platform.openAccount(key('open'), { id, kind: 'user', bank: 'BankBMSP', ownerSecret: secret() })).resolves.toEqual({
      account: id,
    });
  });

  it('the central bank opens bank, reserve and platform accounts, and no user wallet', async () => {
    expect(
      await refused(() =>
        db.centralBank.openAccount(key('open'), { id: `w-${randomUUID()}`, kind: 'user', bank: 'BankAMSP', ownerSecret: secret() }),
      ),
    ).toBe('UNAUTHORISED');
    expect(await refused(() => db.centralBank.openAccount(key('open'), { id: `b-${randomUUID()}`, kind: 'bank', bank: 'BankZMSP' }))).toBe(
      'BAD_ARGUMENT',
    );
    expect(await refused(() => db.escrowAgent.openAccount(key('open'), { id: `b-${randomUUID()}`, kind: 'bank', bank: 'BankAMSP' }))).toBe(
      'FORBIDDEN',
    );
    const id = `r-${randomUUID()}`;
    await expect(db.centralBank.openAccount(key('open'), { id, kind: 'reserve', bank: 'BankBMSP' })).resolves.toEqual({ account: id });
  });
});

describe('issuing and funding', () => {
  it('only the central bank mints', async () => {
    for (const party of [bankA, db.platform, db.escrowAgent]) {
      expect(await refused(() => party.mint(key('mint'), 'bank-BankAMSP', 1n))).toBe('FORBIDDEN');
    }
    await db.centralBank.mint(key('mint'), 'bank-BankAMSP', 5n);
  });

  it('a bank funds its own customers from its own bank account; the platform never funds', async () => {
    expect(await refused(() => bankA.fund(key('fund'), 'bank-BankAMSP', bob.id, 5n))).toBe('UNAUTHORISED');
    expect(await refused(() => bankA.fund(key('fund'), 'bank-BankBMSP', alice.id, 5n))).toBe('UNAUTHORISED');
    expect(await refused(() => bankA.fund(key('fund'), 'bank-BankBMSP', bob.id, 5n))).toBe('UNAUTHORISED');
    expect(await refused(() => bankA.fund(key('fund'), 'reserve-BankAMSP', alice.id, 5n))).toBe('UNAUTHORISED');
    expect(await refused(() => db.platform.fund(key('fund'), 'bank-BankAMSP', alice.id, 5n))).toBe('FORBIDDEN');
    expect(await refused(() => db.centralBank.fund(key('fund'), 'bank-BankAMSP', alice.id, 5n))).toBe('FORBIDDEN');
    const before = BigInt((await db.platform.balance(alice.id, alice.secret)).available);
    await bankA.fund(key('fund'), 'bank-BankAMSP', alice.id, 5n);
    expect(BigInt((await db.platform.balance(alice.id, alice.secret)).available)).toBe(before + 5n);
  });

  it("another party's idempotency key replays nothing to it", async () => {
    const k = key('fund');
    const first = await bankA.fund(k, 'bank-BankAMSP', alice.id, 3n);
    expect(await refused(() => bankB.fund(k, 'bank-BankAMSP', alice.id, 3n))).toBe('UNAUTHORISED');
    expect(await bankA.fund(k, 'bank-BankAMSP', alice.id, 3n)).toEqual(first);
  });

  it('a bank redeems from its own bank account only; the central bank from any', async () => {
    expect(await refused(() => bankA.redeem(key('redeem'), 'bank-BankBMSP', 1n))).toBe('UNAUTHORISED');
    expect(await refused(() => bankA.redeem(key('redeem'), 'reserve-BankAMSP', 1n))).toBe('UNAUTHORISED');
    expect(await refused(() => db.platform.redeem(key('redeem'), 'bank-BankAMSP', 1n))).toBe('FORBIDDEN');
    await bankA.redeem(key('redeem'), 'bank-BankAMSP', 1n);
    await db.centralBank.redeem(key('redeem'), 'bank-BankBMSP', 1n);
    expect(await db.centralBank.checkInvariant()).toMatchObject({ ok: true });
  });
});

describe('escrow', () => {
  it('only the platform locks, and only with the wallet owner’s credential', async () => {
    const orderId = `o-${randomUUID()}`;
    expect(await refused(() => bankA.lockEscrow(key('lock'), lockFor(orderId)))).toBe('FORBIDDEN');
    expect(await refused(() => db.platform.lockEscrow(key('lock'), { ...lockFor(orderId), secret: secret() }))).toBe('UNAUTHORISED');
    await db.platform.lockEscrow(key('lock'), lockFor(orderId));
    expect(
      await refused(() => bankA.lockDeposit(key('dep'), { orderId, party: 'buyer', wallet: alice.id, secret: alice.secret, amount: 1n })),
    ).toBe('FORBIDDEN');
    expect(await db.platform.orderPaid(orderId, 100n)).toEqual({ paid: true, amountMatches: true });
  });

  it('a bank reads only the locks and deposits of its own customers; the platform only "is it paid"', async () => {
    const between = `o-${randomUUID()}`; // alice (BankA) pays bob (BankB)
    await db.platform.lockEscrow(key('lock'), lockFor(between));
    const carol = { id: `w-carol-${randomUUID()}`, secret: secret() };
    await bankA.openAccount(key('open'), { id: carol.id, kind: 'user', bank: 'BankAMSP', ownerSecret: carol.secret });
    const withinA = `o-${randomUUID()}`; // alice pays carol, both at BankA
    await db.platform.lockEscrow(key('lock'), lockFor(withinA, alice, carol));
    await db.escrowAgent.recordChainOrder({
      orderId: withinA,
      state: 'DISPUTED',
      buyerBank: 'BankAMSP',
      merchantBank: 'BankAMSP',
      depositBy: Date.now() + 60_000,
      blockNumber: 3n,
      txId: 'b'.repeat(64),
    });
    await db.platform.lockDeposit(key('dep'), { orderId: withinA, party: 'buyer', wallet: alice.id, secret: alice.secret, amount: 10n });

    expect(await bankA.escrowOf(between)).toMatchObject({ status: 'locked', buyerWallet: alice.id });
    expect(await bankB.escrowOf(between)).toMatchObject({ status: 'locked', merchantWallet: bob.id });
    expect(await refused(() => bankB.escrowOf(withinA))).toBe('UNAUTHORISED');
    // The batched read shows a bank what escrowOf shows it; a lock of none of its customers reads as no lock.
    const seenByB = await bankB.escrowsOf([between, withinA, 'o-never-locked']);
    expect(Object.fromEntries(seenByB)).toEqual({
      [between]: await bankB.escrowOf(between),
      [withinA]: { order: withinA, status: 'none' },
      'o-never-locked': { order: 'o-never-locked', status: 'none' },
    });
    expect((await bankA.escrowsOf([withinA])).get(withinA)).toEqual(await bankA.escrowOf(withinA));
    expect(await refused(() => db.platform.escrowsOf([between]))).toBe('FORBIDDEN');
    expect(await refused(() => bankA.escrowsOf(Array.from({ length: 501 }, (_, i) => `o-${i}`)))).toBe('BAD_ARGUMENT');
    expect(await refused(() => bankB.depositOf(withinA, 'buyer'))).toBe('UNAUTHORISED');
    expect(await bankA.depositOf(withinA, 'buyer')).toMatchObject({ status: 'locked', amount: '10' });
    expect(await db.centralBank.escrowOf(withinA)).toMatchObject({ status: 'locked' });
    expect(await refused(() => db.platform.escrowOf(between))).toBe('FORBIDDEN');
    expect(await refused(() => db.platform.depositOf(withinA, 'buyer'))).toBe('FORBIDDEN');
    expect(await refused(() => bankA.orderPaid(between, 100n))).toBe('FORBIDDEN');
    // Balances need the owner's credential, and a bank reads its own customers' only.
    expect(await refused(() => bankB.balance(alice.id, alice.secret))).toBe('UNAUTHORISED');
    expect(await refused(() => bankA.balance(alice.id, bob.secret))).toBe('UNAUTHORISED');
    expect(await bankA.balance(alice.id, alice.secret)).toMatchObject({ wallet: alice.id });
  });

  it('only the escrow agent posts, voids, settles deposits and compensates: not a bank, the platform or the central bank', async () => {
    const posted = `o-${randomUUID()}`;
    const voided = `o-${randomUUID()}`;
    await db.platform.lockEscrow(key('lock'), lockFor(posted));
    await db.platform.lockEscrow(key('lock'), lockFor(voided));
    const penalty = { merchantBank: 'BankBMSP', bps: 100 };
    for (const party of [bankA, bankB, db.platform, db.centralBank]) {
      expect(await refused(() => party.postEscrow(key('post'), posted, decision(posted, 'CONFIRMED')))).toBe('FORBIDDEN');
      expect(await refused(() => party.voidEscrow(key('void'), voided, decision(voided, 'REJECTED')))).toBe('FORBIDDEN');
      expect(await refused(() => party.compensate(key('comp'), posted, decision(posted, 'COMPENSATED'), penalty))).toBe('FORBIDDEN');
      expect(await refused(() => party.settleDeposits(key('settle'), voided, decision(voided, 'REFUNDED'), 'buyer', ['buyer']))).toBe(
        'FORBIDDEN',
      );
      expect(await refused(() => party.voidOrphanedEscrow(key('orphan'), voided, 1n))).toBe('FORBIDDEN');
      expect(await refused(() => party.recordReceipt(posted, { receipt: {}, signature: 'x' }))).toBe('FORBIDDEN');
    }
    // Read again after every attempt: both locks are exactly as they were.
    expect(await db.escrowAgent.escrowOf(posted)).toMatchObject({ status: 'locked' });
    expect(await db.escrowAgent.escrowOf(voided)).toMatchObject({ status: 'locked' });
    expect(await refused(() => db.escrowAgent.history(alice.id, alice.secret))).toBe('FORBIDDEN');
    const bobBefore = BigInt((await db.platform.balance(bob.id, bob.secret)).available);
    await db.escrowAgent.postEscrow(key('post'), posted, decision(posted, 'CONFIRMED'));
    expect(BigInt((await db.platform.balance(bob.id, bob.secret)).available)).toBe(bobBefore + 90n);
    await db.escrowAgent.voidEscrow(key('void'), voided, decision(voided, 'REJECTED'));
    expect(await db.escrowAgent.escrowOf(voided)).toMatchObject({ status: 'voided' });
    const both = await db.escrowAgent.escrowsOf([posted, voided, posted]);
    expect([both.size, both.get(posted)?.status, both.get(voided)?.status]).toEqual([2, 'posted', 'voided']);
  });

  it('supervision (the invariant, open locks) is the central bank’s and its escrow agent’s', async () => {
    expect(await refused(() => bankA.checkInvariant())).toBe('FORBIDDEN');
    expect(await refused(() => db.platform.ordersWithPending())).toBe('FORBIDDEN');
    expect(await db.escrowAgent.checkInvariant()).toMatchObject({ ok: true });
    expect(Array.isArray(await db.centralBank.ordersWithPending())).toBe(true);
  });
});

describe('who the caller is comes from its login, not from what it sends', () => {
  it('a login role that is no party of the ledger is refused everything', async () => {
    const role = db.party('bank', 'BankBMSP').role;
    await db.owner.query('delete from ledger.parties where role = $1', [role]);
    try {
      expect(await refused(() => bankB.fund(key('fund'), 'bank-BankBMSP', bob.id, 1n))).toBe('UNAUTHORISED');
      expect(await refused(() => bankB.escrowOf('o-anything'))).toBe('UNAUTHORISED');
    } finally {
      await db.owner.query("insert into ledger.parties (role, kind, bank) values ($1, 'bank', 'BankBMSP')", [role]);
    }
  });

  it("each bank's bridge reads and writes its own checkpoint and processed jobs only", async () => {
    const a = loginClient(db.login(db.party('bank', 'BankAMSP')));
    const b = loginClient(db.login(db.party('bank', 'BankBMSP')));
    await Promise.all([a.connect(), b.connect()]);
    try {
      await a.query("insert into bridge.checkpoints (follower, block_number, tx_id) values ('BankAMSP', 5, 'tx-a')");
      await a.query("insert into bridge.processed (follower, job_id) values ('BankAMSP', 'job-a')");
      await expect(
        b.query("insert into bridge.checkpoints (follower, block_number, tx_id) values ('BankAMSP', 9, 'tx-b')"),
      ).rejects.toMatchObject({
        code: '42501',
      });
      await expect(b.query("insert into bridge.processed (follower, job_id) values ('BankAMSP', 'job-b')")).rejects.toMatchObject({
        code: '42501',
      });
      expect((await b.query('select * from bridge.checkpoints')).rowCount).toBe(0);
      expect((await b.query("update bridge.checkpoints set block_number = 0 where follower = 'BankAMSP'")).rowCount).toBe(0);
      expect((await a.query('select block_number from bridge.checkpoints')).rows).toEqual([{ block_number: '5' }]);
      await expect(a.query('select * from platform.users')).rejects.toMatchObject({ code: '42501' });
    } finally {
      await Promise.all([a.end(), b.end()]);
    }
  });

  it("the platform's own tables are the platform's alone", async () => {
    const platform = loginClient(db.login(db.party('platform')));
    const central = loginClient(db.login(db.party('centralBank')));
    await Promise.all([platform.connect(), central.connect()]);
    try {
      expect((await platform.query('select count(*)::int as n from platform.users')).rows).toEqual([{ n: 0 }]);
      await expect(central.query('select * from platform.users')).rejects.toMatchObject({ code: '42501' });
      await expect(central.query('select * from ledger.accounts')).rejects.toMatchObject({ code: '42501' });
      await expect(platform.query('select * from bridge.checkpoints')).rejects.toMatchObject({ code: '42501' });
    } finally {
      await Promise.all([platform.end(), central.end()]);
    }
  });
});
