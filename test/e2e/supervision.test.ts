import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ActionResult, OrderView } from '@securepay/api';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { ApiWorld, ensureChromium, launchChromium, type RegisteredUser } from '@securepay/demo';
import { findParty } from '@securepay/network';
import { createSupervisionApp, supervisionSummary, supervisorOnNetwork, type OpenSupervisor } from '@securepay/supervision';
import pino from 'pino';
import { eventually } from './escrow-driver';
import { networkLayout } from './fixtures';

const artifacts = path.resolve(__dirname, '..', '.artifacts');
const proof = (): string => randomBytes(32).toString('hex');
const log = pino({ level: process.env.LOG_LEVEL ?? 'warn' }, pino.destination(2));

/**
 * The central bank's supervision after a real scenario through the platform API (a fresh database on
 * the network's ledger cluster, the real escrow agent and bridges): the supervisor reads the chain
 * from the central bank's own peer as the central bank and logs in to the ledger with the central
 * bank's own login. Its figures must equal sums this test computes from what it did; its
 * reconciliation must find nothing, until the owner voids a lock behind the chain's back.
 */
describe('central bank supervision: supply, exposure and the chain reconciled after a scenario', () => {
  const layout = networkLayout();
  const centralBank = findParty(layout.network, { kind: 'centralBank' });
  let world: ApiWorld;
  let buyer: RegisteredUser;
  let merchant: RegisteredUser;
  let courier: RegisteredUser;
  let startBlock: bigint;
  let supervision: OpenSupervisor;
  const orders: Record<'settled' | 'rejected' | 'disputed' | 'open', string> = { settled: '', rejected: '', disputed: '', open: '' };
  const prices = { settled: 10_000n, rejected: 5_000n, disputed: 2_000n, open: 3_000n };
  const commission = (price: bigint): bigint => (price * 250n) / 10_000n;
  const funded = 1_000_000n;
  /** What ApiWorld issues: 10^15 to each bank's account and each bank's reserve. */
  const minted = 4n * 10n ** 15n;

  beforeAll(async () => {
    world = await ApiWorld.create();
    startBlock = await world.client.chainHeight();
    buyer = await world.register('buyer', 'BankAMSP');
    merchant = await world.register('merchant', 'BankBMSP');
    courier = await world.register('courier', 'BankBMSP');
    await world.fund(buyer, funded);
    await world.fund(courier, funded);
    const parties = { buyer, merchant, courier };

    orders.settled = (await world.escrowed(parties, prices.settled.toString())).orderId;
    await world.client.post(`/orders/${orders.settled}/ship`, merchant.token);
    await world.client.post(`/orders/${orders.settled}/deliver`, courier.token, { proofHash: proof() });
    await world.client.post(`/orders/${orders.settled}/confirm`, buyer.token);
    await world.client.waitForState(orders.settled, 'SETTLED');

    orders.rejected = (
      await world.client.post<ActionResult>('/orders', buyer.token, {
        merchantId: merchant.user.userId,
        courierId: courier.user.userId,
        productId: 'sku-1',
        price: prices.rejected.toString(),
      })
    ).orderId;
    await world.client.post(`/orders/${orders.rejected}/reject`, merchant.token, { reason: 'out of stock' });

    orders.disputed = (await world.escrowed(parties, prices.disputed.toString())).orderId;
    await world.client.post(`/orders/${orders.disputed}/ship`, merchant.token);
    await world.client.post(`/orders/${orders.disputed}/deliver`, courier.token, { proofHash: proof() });
    await world.client.post(`/orders/${orders.disputed}/non-receipt`, buyer.token);
    await world.client.post(`/orders/${orders.disputed}/deposit`, buyer.token);
    await world.client.post(`/orders/${orders.disputed}/deposit`, courier.token);
    await eventually(
      async () => Object.keys((await world.client.get<OrderView>(`/orders/${orders.disputed}`)).dispute!.deposits).length === 2,
      'both banks record the deposits',
    );
    await world.client.post(`/orders/${orders.disputed}/resolve`, world.tokens.platform, { winner: 'courier', evidenceHash: proof() });
    await world.client.waitForState(orders.disputed, 'SETTLED');

    orders.open = (await world.escrowed(parties, prices.open.toString())).orderId;

    // Every movement the scenario calls for has happened: the buyer's refund, the merchant's pay, the courier's.
    const buyerEnds = funded - prices.settled - prices.disputed - prices.disputed - prices.open;
    await eventually(async () => (await world.available(buyer)) === buyerEnds, 'the buyer ends where the scenario says');
    await eventually(async () => (await world.available(courier)) === funded + prices.disputed / 2n, 'the courier is paid');
    supervision = supervisorOnNetwork(layout, { database: world.db.login(centralBank), startBlock, log });
  }, 600_000);
  afterAll(async () => {
    await supervision?.close();
    await world?.close();
  });

  test('supply: minted − redeemed = balances + locked, each as this test computes it; the journal holds', async () => {
    const { supply, journal } = await supervision.supervisor.supply();
    // Locked: the open order's price, nothing else (every other order is final, both deposits paid out).
    expect(supply).toMatchObject({
      ok: true,
      minted: minted.toString(),
      redeemed: '0',
      locked: prices.open.toString(),
      balances: (minted - prices.open).toString(),
      difference: '0',
      lockedByKind: { escrow: prices.open.toString(), deposit: '0' },
    });
    const owner = await world.db.owner.query<{ sum: string }>(
      "select sum(balance)::text as sum from ledger.accounts where kind <> 'issuance'",
    );
    expect(supply.balances).toBe(owner.rows[0]!.sum);
    // The platform's fees: both settled orders' commission and the half of the losing buyer's deposit the winner does not get.
    const fees = commission(prices.settled) + commission(prices.disputed) + (prices.disputed - prices.disputed / 2n);
    expect(supply.balancesByKind.platform).toBe(fees.toString());
    expect(await world.available(world.tokens.platform)).toBe(fees);
    const entries = await world.db.owner.query<{ n: string }>('select count(*) as n from ledger.journal');
    expect(journal).toEqual({
      ok: true,
      entries: Number(entries.rows[0]!.n),
      headPosition: Number(entries.rows[0]!.n),
      firstBreak: null,
      reason: null,
    });
  });

  test("exposure per bank: its customers' balances as they read them, escrow locked for its buyers, its reserve", async () => {
    const { banks } = await supervision.supervisor.exposure();
    const a = banks.find((b) => b.bank === 'BankAMSP')!;
    const b = banks.find((x) => x.bank === 'BankBMSP')!;
    expect(BigInt(a.customerBalances)).toBe(await world.available(buyer));
    expect(a).toMatchObject({
      escrowLocked: prices.open.toString(),
      escrowOrders: 1,
      depositsLocked: '0',
      reserve: (10n ** 15n).toString(),
    });
    expect(BigInt(b.customerBalances)).toBe((await world.available(merchant)) + (await world.available(courier)));
    expect(BigInt(b.customerBalances)).toBe(
      prices.settled - commission(prices.settled) + prices.disputed - commission(prices.disputed) + funded + prices.disputed / 2n,
    );
    expect(b).toMatchObject({ escrowLocked: '0', compensationsPaid: '0', settlementProofsLate: 0, reserve: (10n ** 15n).toString() });
  });

  test("reconciliation: 0 discrepancies over the scenario's orders; the demo's summary says the same", async () => {
    let report = await supervision.supervisor.reconciliation();
    // The escrow agent may still be acting on the last approval's block.
    await eventually(async () => {
      report = await supervision.supervisor.reconciliation();
      return report.awaiting.length === 0;
    }, 'nothing awaits the escrow agent');
    expect(report).toMatchObject({ orders: 4, chainOrders: 4, ledgerLocks: 4, agreeing: 4, discrepancies: [], awaiting: [] });
    expect(report.verdict).toBe('0 discrepancies over 4 orders');

    const { summary, text } = await supervisionSummary(layout, { database: world.db.login(centralBank), startBlock, log });
    expect(summary.reconciliation).toMatchObject({ orders: 4, discrepancies: 0 });
    expect(summary.supply.ok).toBe(true);
    expect(text).toContain('0 discrepancies over 4 orders');
    expect(text).toMatch(/BankAMSP/);
    for (const hidden of [
      buyer.user.wallet,
      merchant.user.wallet,
      courier.user.wallet,
      buyer.user.displayName,
      merchant.user.displayName,
    ]) {
      expect(JSON.stringify([summary, report])).not.toContain(hidden);
    }
  });

  test("a lock voided behind the chain's back with the owner's credentials is reported, with the chain's transaction and block", async () => {
    await world.db.owner.query(
      `insert into ledger.transfers (id, kind, debit_account, credit_account, amount, pending_id, order_id, purpose)
       select id || ':void', 'void', debit_account, credit_account, amount, id, order_id, purpose
         from ledger.transfers where kind = 'pending' and order_id = $1`,
      [orders.open],
    );
    await world.db.owner.query('update ledger.accounts set balance = balance + $2 where id = $1', [
      buyer.user.wallet,
      prices.open.toString(),
    ]);
    // The books still add up: only the reconciliation sees that the chain never said so.
    expect((await supervision.supervisor.supply()).supply.ok).toBe(true);

    const view = await world.client.get<OrderView>(`/orders/${orders.open}`);
    const last = view.timeline.at(-1)!;
    const report = await supervision.supervisor.reconciliation();
    expect(report.verdict).toBe('1 discrepancy over 4 orders');
    expect(report.discrepancies).toEqual([
      expect.objectContaining({
        orderId: orders.open,
        kind: 'STATE_MISMATCH',
        expected: 'locked',
        chain: expect.objectContaining({ state: 'ESCROWED', txId: last.txId, blockNumber: last.blockNumber }),
        ledger: expect.objectContaining({ status: 'voided', decisionTxs: [] }),
      }),
    ]);

    // The same over HTTP, with the central bank's operator token, and to nobody else.
    const token = randomBytes(24).toString('hex');
    const app = createSupervisionApp({ supervisor: supervision.supervisor, token, allowIps: [], log });
    const server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/supervision/reconciliation`;
    try {
      expect((await fetch(url)).status).toBe(401);
      expect((await fetch(url, { headers: { Authorization: `Bearer ${world.tokens.platform}` } })).status).toBe(403);
      const body = (await (await fetch(url, { headers: { Authorization: `Bearer ${token}` } })).json()) as { verdict: string };
      expect(body.verdict).toBe('1 discrepancy over 4 orders');
      await pageShows(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, token, orders.open);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  /**
   * The page in Chromium, as the central bank's operator opens it: nothing before the token, then the
   * figures the API gives and the discrepancy with its order; the screenshot is the supervision README's.
   */
  async function pageShows(pageUrl: string, token: string, orderId: string): Promise<void> {
    ensureChromium();
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 1100 } });
      await page.goto(pageUrl);
      expect(await page.locator('#reports').isHidden()).toBe(true);
      await page.fill('#token', 'not-the-token');
      await page.click('#login button[type=submit]');
      await page.locator('#error', { hasText: 'FORBIDDEN' }).waitFor();
      await page.fill('#token', token);
      await page.click('#login button[type=submit]');
      await page.locator('#reconciliation-verdict', { hasText: '1 discrepancy over 4 orders' }).waitFor();
      expect(await page.getAttribute('#reconciliation-verdict', 'class')).toContain('bad');
      expect(await page.locator('#discrepancies tbody tr').count()).toBe(1);
      expect(await page.textContent('#discrepancies tbody tr')).toContain(orderId);
      const supply = await supervision.supervisor.supply();
      expect(await page.textContent('#supply')).toContain(String(supply.supply.balances));
      const mspIds = await page.locator('#exposure tbody tr td:first-child').allTextContents();
      expect(mspIds).toEqual(expect.arrayContaining(['BankAMSP', 'BankBMSP']));
      mkdirSync(artifacts, { recursive: true });
      await page.screenshot({ path: path.join(artifacts, 'supervision.png'), fullPage: true });
    } finally {
      await browser.close();
    }
  }
});
