import { randomBytes, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import {
  createTestDatabase,
  partiesOf,
  PgCheckpoints,
  startScratchCluster,
  SupervisionLedger,
  type CbdcLedger,
  type ChainDecision,
  type ScratchCluster,
  type TestDatabase,
} from '@securepay/ledger';
import pino from 'pino';
import { createSupervisionApp } from './app';
import { ChainScan } from './chain-scan';
import { chaincode, newTxId, orderAfter, PlainChain, writing, type Step } from './plain-chain';
import { agentJobId } from './reconciliation';
import { renderSummary } from './summary-text';
import { ChainMismatch } from './supervision-error';
import { Supervisor } from './supervisor';

/**
 * The supervisor over a real ledger (a scratch cluster of the test's own, the ledger's real
 * functions, each party with its own login, the supervisor with the central bank's) and a chain given
 * as plain blocks, read by the same scan that reads the central bank's peer. Every figure is checked
 * against what the test did itself.
 */
const log = pino({ level: 'silent' });
const testParties = partiesOf([
  { mspId: 'PlatformMSP', kind: 'platform' },
  { mspId: 'BankAMSP', kind: 'bank' },
  { mspId: 'BankBMSP', kind: 'bank' },
  { mspId: 'CentralBankMSP', kind: 'centralBank' },
]);
let cluster: ScratchCluster;
let db: TestDatabase;
let agent: CbdcLedger;
let ledger: SupervisionLedger;
let chain: PlainChain;
let supervisor: Supervisor;
const key = (what: string): string => `${what}-${randomUUID()}`;
const secret = (): string => randomBytes(16).toString('hex');
const alice = { id: `w-alice-${randomUUID()}`, secret: secret() }; // buyer, BankA
const bob = { id: `w-bob-${randomUUID()}`, secret: secret() }; // merchant, BankB
const minted = 4n * 1_000_000n;
const funded = 100_000n;
const commissionOf = (price: bigint): bigint => price / 40n;

/** Each order's price and its history on the chain, as the test writes it. */
const ids = {
  settled: `o-settled-${randomUUID()}`,
  rejected: `o-rejected-${randomUUID()}`,
  escrowed: `o-escrowed-${randomUUID()}`,
  confirmed: `o-confirmed-${randomUUID()}`,
  fresh: `o-fresh-${randomUUID()}`,
};
const price: Record<keyof typeof ids, bigint> = { settled: 10_000n, rejected: 3_000n, escrowed: 2_000n, confirmed: 5_000n, fresh: 1_000n };
const history = new Map<string, Step[]>();
const step = (orderId: string, to: Step['to'], action: string): Step => {
  const s: Step = { txId: newTxId(), to, action };
  history.set(orderId, [...(history.get(orderId) ?? []), s]);
  return s;
};
/** A transaction writing each order after its newest step (one transaction: a batch). */
const written = (...orderIds: string[]) => writing(orderIds.map((id) => orderAfter(id, history.get(id)!)));
const lastTx = (orderId: string): string => history.get(orderId)!.at(-1)!.txId;
const decisionOf = (orderId: string, blockNumber: bigint): ChainDecision => {
  const last = history.get(orderId)!.at(-1)!;
  return { txId: last.txId, blockNumber: blockNumber.toString(), orderId, action: last.action, state: last.to };
};

const lock = (orderId: string, p: bigint) =>
  db.platform.lockEscrow(key('lock'), {
    orderId,
    buyerWallet: alice.id,
    secret: alice.secret,
    merchantWallet: bob.id,
    platformWallet: 'platform-fees',
    merchantAmount: p - commissionOf(p),
    commissionAmount: commissionOf(p),
  });

const newScan = (startBlock = 1n) => new ChainScan({ source: chain, ledger, chaincode, startBlock, blocksPerCommit: 2, log });

beforeAll(async () => {
  cluster = await startScratchCluster({ parties: testParties, port: 55592 });
  db = await createTestDatabase(cluster.access);
  agent = db.escrowAgent;
  ledger = new SupervisionLedger(db.pool(db.party('centralBank')));
  for (const bank of ['BankAMSP', 'BankBMSP']) {
    await db.centralBank.openAccount(`open-bank-${bank}`, { id: `bank-${bank}`, kind: 'bank', bank });
    await db.centralBank.openAccount(`open-reserve-${bank}`, { id: `reserve-${bank}`, kind: 'reserve', bank });
    await db.centralBank.mint(`mint-${bank}`, `bank-${bank}`, minted / 4n);
    await db.centralBank.mint(`mint-reserve-${bank}`, `reserve-${bank}`, minted / 4n);
  }
  await db.centralBank.openAccount('open-platform', { id: 'platform-fees', kind: 'platform', bank: 'PlatformMSP', ownerSecret: secret() });
  await db.bank('BankAMSP').openAccount(key('open'), { id: alice.id, kind: 'user', bank: 'BankAMSP', ownerSecret: alice.secret });
  await db.bank('BankBMSP').openAccount(key('open'), { id: bob.id, kind: 'user', bank: 'BankBMSP', ownerSecret: bob.secret });
  await db.bank('BankAMSP').fund(key('fund'), 'bank-BankAMSP', alice.id, funded);

  // The chain: block 0 before any order (the scan starts after it), then the orders' lives.
  chain = new PlainChain();
  chain.append();
  for (const id of [ids.settled, ids.rejected, ids.escrowed, ids.confirmed]) {
    step(id, 'PROPOSED', 'propose');
    await lock(id, price[Object.entries(ids).find(([, v]) => v === id)![0] as keyof typeof ids]);
  }
  await lock(ids.fresh, price.fresh);
  chain.append(written(ids.settled, ids.rejected, ids.escrowed, ids.confirmed)); // 1
  for (const id of [ids.settled, ids.escrowed, ids.confirmed]) step(id, 'ESCROWED', 'approve');
  chain.append(written(ids.settled, ids.escrowed, ids.confirmed)); // 2
  step(ids.settled, 'CONFIRMED', 'confirm');
  step(ids.rejected, 'REJECTED', 'reject');
  const confirmBlock = chain.append(written(ids.settled), written(ids.rejected)); // 3
  step(ids.confirmed, 'CONFIRMED', 'confirm');
  chain.append(written(ids.confirmed)); // 4

  // The escrow agent acts on what it proved: pays the first, refunds the rejected one. It has not read block 4 yet.
  await agent.recordChainOrder({
    orderId: ids.settled,
    state: 'CONFIRMED',
    buyerBank: 'BankAMSP',
    merchantBank: 'BankBMSP',
    blockNumber: confirmBlock,
    txId: lastTx(ids.settled),
  });
  await agent.postEscrow(key('post'), ids.settled, decisionOf(ids.settled, confirmBlock));
  await agent.voidEscrow(key('void'), ids.rejected, decisionOf(ids.rejected, confirmBlock));
  step(ids.settled, 'SETTLED', 'recordSettlement');
  chain.append(written(ids.settled)); // 5

  supervisor = new Supervisor(ledger, newScan(), { agingBands: [60, 600] });
}, 90_000);
afterAll(async () => {
  await db?.drop();
  await cluster?.stop();
});

describe('the chain view', () => {
  it('reads from the start block to the peer’s height, then only what is new, and a restarted scan resumes where it got to', async () => {
    const scan = newScan();
    expect(await scan.catchUp()).toEqual({ nextBlock: 6n, height: 6n, orderWrites: 11 });
    expect(chain.blocksRead).toEqual([1n, 2n, 3n, 4n, 5n]);
    const view = new Map((await ledger.allChainOrders()).map((o) => [o.orderId, o]));
    expect(view.get(ids.settled)).toMatchObject({ state: 'SETTLED', txId: lastTx(ids.settled), blockNumber: '5', firstBlock: '1' });
    expect(view.get(ids.confirmed)).toMatchObject({ state: 'CONFIRMED', blockNumber: '4', deadlineName: 'settleBy' });
    expect(view.has(ids.fresh)).toBe(false);

    chain.blocksRead.length = 0;
    expect(await scan.catchUp()).toMatchObject({ nextBlock: 6n, orderWrites: 0 });
    expect(chain.blocksRead).toEqual([]);

    step(ids.escrowed, 'SHIPPED', 'ship');
    chain.append(written(ids.escrowed)); // 6
    const restarted = newScan(0n);
    expect(await restarted.catchUp()).toEqual({ nextBlock: 7n, height: 7n, orderWrites: 1 });
    // Block 5 again (is it still the same chain?), then block 6: nothing from the start block.
    expect(chain.blocksRead).toEqual([5n, 6n]);
    expect((await ledger.allChainOrders()).find((o) => o.orderId === ids.escrowed)).toMatchObject({ state: 'SHIPPED', blockNumber: '6' });
  });

  it('catch-ups asked for at once share one reading', async () => {
    chain.append(); // 7
    chain.blocksRead.length = 0;
    const scan = newScan();
    await Promise.all([scan.catchUp(), scan.catchUp(), scan.catchUp()]);
    expect(chain.blocksRead).toEqual([6n, 7n]);
  });
});

describe('supply and exposure', () => {
  it('match the sums the test computes from what it minted, funded, locked and paid', async () => {
    const { supply, journal } = await supervisor.supply();
    const open = price.escrowed + price.confirmed + price.fresh;
    expect(supply).toMatchObject({
      ok: true,
      minted: minted.toString(),
      redeemed: '0',
      locked: open.toString(),
      balances: (minted - open).toString(),
    });
    const owner = await db.owner.query<{ sum: string }>("select sum(balance)::text as sum from ledger.accounts where kind <> 'issuance'");
    expect(supply.balances).toBe(owner.rows[0]!.sum);
    expect(journal).toMatchObject({ ok: true, firstBreak: null });

    const { banks } = await supervisor.exposure();
    const aliceHas = funded - price.settled - open;
    expect(BigInt((await db.platform.balance(alice.id, alice.secret)).available)).toBe(aliceHas);
    expect(banks.find((b) => b.bank === 'BankAMSP')).toMatchObject({
      customerBalances: aliceHas.toString(),
      escrowLocked: open.toString(),
      escrowOrders: 3,
      reserve: (minted / 4n).toString(),
    });
    expect(banks.find((b) => b.bank === 'BankBMSP')).toMatchObject({
      customerBalances: (price.settled - commissionOf(price.settled)).toString(),
      escrowLocked: '0',
      settlementProofsLate: 0,
    });
  });
});

describe('reconciliation', () => {
  it('is clean: every order agrees, or awaits the escrow agent or the chain', async () => {
    const report = await supervisor.reconciliation();
    expect(report).toMatchObject({
      orders: 5,
      chainOrders: 4,
      ledgerLocks: 5,
      agreeing: 3,
      discrepancies: [],
      verdict: '0 discrepancies over 5 orders',
    });
    expect(report.awaiting.map((a) => [a.orderId, a.kind]).sort()).toEqual(
      [
        [ids.confirmed, 'AGENT_BEHIND'],
        [ids.fresh, 'NOT_ON_CHAIN_YET'],
      ].sort(),
    );
  });

  it('once the agent pays the confirmed order, it agrees too; had it processed the decision and moved nothing, that would disagree', async () => {
    const checkpoints = new PgCheckpoints(db.pool(db.party('escrowAgent')), 'agent', 'escrow-agent');
    await checkpoints.markProcessed([agentJobId(lastTx(ids.confirmed))]);
    const unpaid = await supervisor.reconciliation();
    expect(unpaid.discrepancies).toEqual([
      expect.objectContaining({ orderId: ids.confirmed, kind: 'STATE_MISMATCH', expected: 'posted', agentProcessed: true }),
    ]);
    await agent.postEscrow(key('post'), ids.confirmed, decisionOf(ids.confirmed, 4n));
    const paid = await supervisor.reconciliation();
    expect(paid).toMatchObject({ agreeing: 4, discrepancies: [], verdict: '0 discrepancies over 5 orders' });
    expect(paid.awaiting.map((a) => a.orderId)).toEqual([ids.fresh]);
  });

  it("reports a lock voided behind the chain's back with the owner's credentials, with both sides' evidence; supply alone would not show it", async () => {
    await db.owner.query(
      `insert into ledger.transfers (id, kind, debit_account, credit_account, amount, pending_id, order_id, purpose)
       select id || ':void', 'void', debit_account, credit_account, amount, id, order_id, purpose
         from ledger.transfers where kind = 'pending' and order_id = $1`,
      [ids.escrowed],
    );
    await db.owner.query('update ledger.accounts set balance = balance + $2 where id = $1', [alice.id, price.escrowed.toString()]);
    expect((await supervisor.supply()).supply.ok).toBe(true);

    const report = await supervisor.reconciliation();
    expect(report.verdict).toBe('1 discrepancy over 5 orders');
    expect(report.discrepancies).toEqual([
      {
        orderId: ids.escrowed,
        kind: 'STATE_MISMATCH',
        expected: 'locked',
        chain: { state: 'SHIPPED', txId: lastTx(ids.escrowed), blockNumber: '6', txIndex: 0 },
        ledger: expect.objectContaining({
          status: 'voided',
          merchantAmount: (price.escrowed - commissionOf(price.escrowed)).toString(),
          decisionTxs: [],
          journalPositions: [],
        }),
        agentProcessed: false,
        explanation: expect.stringContaining('the ledger has it voided'),
      },
    ]);
    const summary = await supervisor.summary();
    expect(summary.reconciliation).toMatchObject({ orders: 5, discrepancies: 1, byKind: { STATE_MISMATCH: 1 } });
    expect(renderSummary(summary)).toContain('1 discrepancy over 5 orders: 1 STATE_MISMATCH');
  });

  it('the summary over HTTP, with the central bank operator’s token only', async () => {
    const token = randomBytes(24).toString('hex');
    const app = createSupervisionApp({ supervisor, token, allowIps: [], log });
    const server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      expect((await fetch(`${url}/supervision/summary`)).status).toBe(401);
      const response = await fetch(`${url}/supervision/summary`, { headers: { Authorization: `Bearer ${token}` } });
      expect(response.status).toBe(200);
      const body = (await response.json()) as { supply: { ok: boolean }; reconciliation: { verdict: string }; exposure: unknown[] };
      expect(body.supply.ok).toBe(true);
      expect(body.reconciliation.verdict).toBe('1 discrepancy over 5 orders');
      expect(body.exposure).toHaveLength(2);
      const text = JSON.stringify(body);
      for (const hidden of [alice.id, bob.id, alice.secret, bob.secret]) expect(text).not.toContain(hidden);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('another chain', () => {
  it('is refused, not read into the view: the block the view stopped after changed, or the peer holds fewer blocks', async () => {
    const before = JSON.stringify([await ledger.allChainOrders(), await ledger.chainScanPosition()]);
    chain.replace(7n);
    await expect(
      newScan()
        .catchUp()
        .then(() => undefined),
    ).resolves.toBeUndefined(); // nothing new: nothing to check
    chain.append(); // 8
    await expect(newScan().catchUp()).rejects.toBeInstanceOf(ChainMismatch);
    chain.truncate(3);
    await expect(newScan().catchUp()).rejects.toBeInstanceOf(ChainMismatch);
    expect(JSON.stringify([await ledger.allChainOrders(), await ledger.chainScanPosition()])).toBe(before);
  });
});
