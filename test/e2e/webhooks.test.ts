import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import type { ActionResult, OrderView } from '@securepay/api';
import { verifyWebhook, WebhookReceiver, type WebhookEvent } from '@securepay/client';
import { ApiWorld, ensureChromium, launchChromium, type RegisteredUser } from '@securepay/demo';
import { eventually } from './escrow-driver';

/**
 * Webhooks from the real API: the order listing's projector follows the platform's peer, each change
 * becomes an event, and a merchant's and a courier's receivers on loopback ports get them signed, in
 * the chain's order — also the ones that fell due while the receiver was down and the API restarted.
 */
const overrides = {
  // The receivers run on this machine.
  API_WEBHOOK_ALLOW_PRIVATE: 'on',
  API_WEBHOOK_RETRY_BASE_MS: '200',
  API_WEBHOOK_RETRY_MAX_MS: '2000',
  API_WEBHOOK_SWEEP_MS: '1000',
};

interface Subscription {
  subscriptionId: string;
  status: string;
}
interface DeliveryLog {
  deliveries: { eventId: string; orderId: string; state: string; status: string; attempts: number }[];
  next: string | null;
}

const artifacts = path.resolve(__dirname, '..', '.artifacts');

describe('platform API: webhooks', () => {
  let world: ApiWorld;
  let buyer: RegisteredUser;
  let merchant: RegisteredUser;
  let courier: RegisteredUser;
  let merchantHook: WebhookReceiver;
  let courierHook: WebhookReceiver;
  let merchantSubscription: string;
  let receiverDown = false;
  let orderId: string;
  let view: OrderView;

  beforeAll(async () => {
    world = await ApiWorld.create(overrides);
    buyer = await world.register('buyer', 'BankAMSP');
    merchant = await world.register('merchant', 'BankBMSP');
    courier = await world.register('courier', 'BankBMSP');
    await world.fund(buyer, 100_000n);
    merchantHook = await WebhookReceiver.start({ answer: (d) => (receiverDown ? 503 : d.event ? 200 : 400) });
    courierHook = await WebhookReceiver.start();
    const subscribe = async (user: RegisteredUser, hook: WebhookReceiver, events: string[]): Promise<string> => {
      const created = await world.client.post<{ subscription: Subscription; secret: string }>('/webhooks', user.token, {
        url: `${hook.url}/securepay`,
        events,
      });
      hook.secret = created.secret;
      return created.subscription.subscriptionId;
    };
    merchantSubscription = await subscribe(merchant, merchantHook, ['*']);
    await subscribe(courier, courierHook, ['order.shipped', 'order.delivered', 'order.settled']);

    const parties = { buyer, merchant, courier };
    orderId = (await world.escrowed(parties, '4321', 'sku-webhooks')).orderId;
    await eventually(
      async () => merchantHook.accepted().some((e) => e.orderId === orderId && e.state === 'ESCROWED'),
      'ESCROWED at the receiver',
      120_000,
    );
    // The receiver goes down: the next steps' deliveries fail and wait for their retries…
    receiverDown = true;
    await world.client.post<ActionResult>(`/orders/${orderId}/ship`, merchant.token);
    await world.client.post<ActionResult>(`/orders/${orderId}/deliver`, courier.token, { proofHash: randomBytes(32).toString('hex') });
    await eventually(async () => merchantHook.received.filter((d) => d.answer === 503).length >= 2, 'failed attempts while down', 60_000);
    // …the API restarts (its queue, its checkpoint and every delivery's state carry over), the receiver comes back.
    await world.restartApi(overrides);
    receiverDown = false;
    await world.client.post<ActionResult>(`/orders/${orderId}/confirm`, buyer.token);
    view = await world.client.waitForState(orderId, 'SETTLED', 120_000);
    await eventually(
      async () => merchantHook.accepted().some((e) => e.orderId === orderId && e.state === 'SETTLED'),
      'SETTLED at the receiver',
      120_000,
    );
    // The courier's subscription is delivered on its own; its SETTLED may land a moment after the merchant's.
    await eventually(
      async () => courierHook.accepted().some((e) => e.orderId === orderId && e.state === 'SETTLED'),
      "SETTLED at the courier's receiver",
      120_000,
    );
  }, 600_000);
  afterAll(async () => {
    await merchantHook?.close();
    await courierHook?.close();
    await world?.close();
  });

  /** The order's events as the receiver first accepted each, in arrival order. */
  const firstAccepted = (hook: WebhookReceiver): WebhookEvent[] => {
    const seen = new Set<string>();
    return hook.accepted().filter((e) => e.orderId === orderId && !seen.has(e.id) && seen.add(e.id));
  };

  test("the merchant gets every step of the order, signed, in the chain's order, across the restart", () => {
    const got = firstAccepted(merchantHook);
    expect(got.map((e) => [e.action, e.state, e.txId])).toEqual(view.timeline.map((s) => [s.action, s.to, s.txId]));
    expect(got.map((e) => e.blockNumber)).toEqual(view.timeline.map((s) => s.blockNumber));
    // No attempt of a step reached the receiver before the step before it was accepted.
    const firstSeen = merchantHook.received.map((d) => (JSON.parse(d.rawBody.toString()) as { id: string }).id);
    const acceptedAt = got.map((e) => merchantHook.received.findIndex((d) => d.event?.id === e.id && d.answer === 200));
    got.forEach((e, k) => {
      if (k > 0) expect(firstSeen.indexOf(e.id)).toBeGreaterThan(acceptedAt[k - 1]!);
    });
    // Every request carried a signature that holds over its raw body; none was refused by the receiver's check.
    expect(merchantHook.received.every((d) => d.refused === undefined)).toBe(true);
    for (const d of merchantHook.received) {
      expect(() =>
        verifyWebhook(d.rawBody, d.headers['securepay-signature'] as string, merchantHook.secret!, { nowMs: d.receivedAt }),
      ).not.toThrow();
    }
  });

  test('the courier gets only the kinds it asked for; no delivery carries a price, wallet or name', () => {
    expect(firstAccepted(courierHook).map((e) => e.type)).toEqual(['order.shipped', 'order.delivered', 'order.settled']);
    const text = [...merchantHook.received, ...courierHook.received].map((d) => d.rawBody.toString('utf8')).join('\n');
    expect(text).not.toMatch(/(?<![0-9a-fA-F])4321(?![0-9a-fA-F])/);
    for (const secret of [
      buyer.user.wallet,
      merchant.user.wallet,
      buyer.user.displayName,
      merchant.user.displayName,
      merchant.user.partyId,
    ]) {
      expect(text).not.toContain(secret);
    }
  });

  test("the merchant's delivery log shows every delivery delivered, some after failed attempts", async () => {
    const log = await world.client.get<DeliveryLog>(`/webhooks/${merchantSubscription}/deliveries?limit=200`, merchant.token);
    const mine = log.deliveries.filter((d) => d.orderId === orderId);
    expect(mine).toHaveLength(view.timeline.length);
    expect(mine.every((d) => d.status === 'delivered')).toBe(true);
    expect(mine.some((d) => d.attempts > 1)).toBe(true);
    const subscription = await world.client.get<Subscription>(`/webhooks/${merchantSubscription}`, merchant.token);
    expect(subscription.status).toBe('active');
    // Another user sees none of it.
    const other = await world.client.request('GET', `/webhooks/${merchantSubscription}/deliveries`, { token: buyer.token });
    expect(other.status).toBe(404);
  });

  test('a replay from the first event sends the whole order again, in order', async () => {
    const first = firstAccepted(merchantHook)[0]!;
    const before = merchantHook.received.length;
    await world.client.post(`/webhooks/${merchantSubscription}/replay`, merchant.token, { fromEventId: first.id });
    await eventually(async () => merchantHook.received.length >= before + view.timeline.length, 'the replayed deliveries', 60_000);
    const replayed = merchantHook.received
      .slice(before)
      .filter((d) => d.event?.orderId === orderId)
      .map((d) => d.event!.txId);
    expect(replayed).toEqual(view.timeline.map((s) => s.txId));
  });

  test('the dashboard shows the caller its subscriptions and their delivery log', async () => {
    ensureChromium();
    let browser: Browser | undefined;
    try {
      browser = await launchChromium();
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      await page.goto(`${world.client.baseUrl}/webhooks.html`);
      await page.fill('#token', merchant.token);
      await page.click('#login button[type=submit]');
      const row = page.locator(`#subscriptions tbody tr[data-subscription-id="${merchantSubscription}"]`);
      await row.waitFor();
      expect(await row.getAttribute('data-status')).toBe('active');
      await row.locator('button').click();
      await page.locator('#deliveries tbody tr').first().waitFor();
      const rows = await page
        .locator('#deliveries tbody tr')
        .evaluateAll((trs) => trs.map((r) => ({ event: r.getAttribute('data-event-id'), status: r.getAttribute('data-status') })));
      const log = await world.client.get<DeliveryLog>(`/webhooks/${merchantSubscription}/deliveries?limit=50`, merchant.token);
      expect(rows).toEqual(log.deliveries.map((d) => ({ event: d.eventId, status: d.status })));
      expect(await page.locator('#log-title').textContent()).toBe(merchantSubscription);
      // The token stays in the tab; no secret is on the page.
      expect(await page.content()).not.toContain(merchantHook.secret!);
      mkdirSync(artifacts, { recursive: true });
      await page.screenshot({ path: path.join(artifacts, 'webhooks.png'), fullPage: true });
    } finally {
      await browser?.close();
    }
  });
});
