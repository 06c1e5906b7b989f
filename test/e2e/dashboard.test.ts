import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import type { ActionResult } from '@securepay/api';
import { ApiWorld, ensureChromium, launchChromium, type RegisteredUser } from '@securepay/demo';

const artifacts = path.resolve(__dirname, '..', '.artifacts');

/** The dashboard in a real headless Chromium, showing an order walked to SETTLED through the API. */
describe('dashboard', () => {
  let world: ApiWorld;
  let browser: Browser;
  let buyer: RegisteredUser;
  let orderId: string;
  const steps: Record<string, string> = {};

  beforeAll(async () => {
    ensureChromium();
    world = await ApiWorld.create();
    buyer = await world.register('buyer', 'BankAMSP');
    const merchant = await world.register('merchant', 'BankBMSP');
    const courier = await world.register('courier', 'BankBMSP');
    await world.fund(buyer, 50_000n);
    const { client } = world;
    const created = await world.escrowed({ buyer, merchant, courier }, '12345', 'sku-dashboard');
    orderId = created.orderId;
    steps.propose = created.txId;
    steps.ship = (await client.post<ActionResult>(`/orders/${orderId}/ship`, merchant.token)).txId;
    steps.deliver = (await client.post<ActionResult>(`/orders/${orderId}/deliver`, courier.token, { proofHash: 'c'.repeat(64) })).txId;
    steps.confirm = (await client.post<ActionResult>(`/orders/${orderId}/confirm`, buyer.token)).txId;
    await world.client.waitForState(orderId, 'SETTLED');
    browser = await launchChromium();
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await world?.close();
  });

  test('picking the order shows its state, the four approvals and every step with its transaction and block', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(world.client.baseUrl);
    await page.locator(`#order-select option[value="${orderId}"]`).waitFor({ state: 'attached' });
    await page.selectOption('#order-select', orderId);
    await page.locator('#order-state', { hasText: 'SETTLED' }).waitFor();

    const approvals = await page
      .locator('#approvals tbody tr')
      .evaluateAll((rows) =>
        rows.map((r) => ({ slot: r.getAttribute('data-slot'), cells: [...r.querySelectorAll('td')].map((td) => td.textContent) })),
      );
    expect(approvals.map((a) => a.slot)).toEqual(['platform', 'merchant', 'buyerBank', 'merchantBank']);
    for (const a of approvals) {
      expect(a.cells[1]).toBe('approved');
      expect(a.cells[5]).toMatch(/^\d+$/);
    }

    const rows = await page.locator('#timeline tbody tr').evaluateAll((trs) =>
      trs.map((r) => ({
        action: r.getAttribute('data-action'),
        txId: r.getAttribute('title'),
        cells: [...r.querySelectorAll('td')].map((td) => td.textContent),
      })),
    );
    expect(rows.map((r) => r.action)).toEqual([
      'propose',
      'approve',
      'approve',
      'approve',
      'approve',
      'ship',
      'deliver',
      'confirm',
      'recordSettlement',
    ]);
    for (const [action, txId] of Object.entries(steps)) expect(rows.find((r) => r.action === action)?.txId).toBe(txId);
    for (const row of rows) {
      expect(row.cells[3]).toMatch(/(buyer|merchant|courier|platform|bank)/); // who
      expect(row.cells[5]).toBe(`${row.txId.slice(0, 12)}…`); // transaction
      expect(row.cells[6]).toMatch(/^\d+$/); // block
    }
    expect(rows.at(-1)!.cells[2]).toBe('CONFIRMED → SETTLED');
    await page.close();
  });

  test('a wallet owner who logs in with its token sees its balance, and the page saves a screenshot', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    await page.goto(`${world.client.baseUrl}/?order=${orderId}`);
    await page.locator('#order-state', { hasText: 'SETTLED' }).waitFor();
    await page.fill('#token', buyer.token);
    await page.click('#login button[type=submit]');
    const expected = await world.client.get<{ available: string; locked: string }>('/wallet', buyer.token);
    await page.locator('#balance', { hasText: `${expected.available} available` }).waitFor();
    expect(await page.textContent('#balance')).toContain(`${expected.locked} locked`);

    await page.fill('#token', 'sp_wrong');
    await page.click('#login button[type=submit]');
    await page.locator('#error', { hasText: 'UNAUTHENTICATED' }).waitFor();

    mkdirSync(artifacts, { recursive: true });
    await page.fill('#token', buyer.token);
    await page.click('#login button[type=submit]');
    await page.locator('#error').waitFor({ state: 'hidden' });
    await page.screenshot({ path: path.join(artifacts, 'dashboard.png'), fullPage: true });
    await page.close();
  });
});
