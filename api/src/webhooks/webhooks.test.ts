import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Queue } from 'bullmq';
import IORedis from 'ioredis';
import pino from 'pino';
import {
  verifyWebhook,
  WebhookReceiver,
  WebhookSignatureError,
  type ReceivedDelivery,
  type ReceiverAnswer,
  type WebhookEvent,
} from '@securepay/client';
import {
  CbdcLedger,
  createTestDatabase,
  partiesOf,
  redisOptions,
  startScratchCluster,
  type QueueLogin,
  type ScratchCluster,
  type TestDatabase,
} from '@securepay/ledger';
import { startScratchQueues, type ScratchQueues } from '@securepay/network';
import type pg from 'pg';
import { createApp } from '../app';
import { BankOnboarding } from '../bank-onboarding';
import { loadApiConfig } from '../config';
import { HttpMetrics } from '../http-metrics';
import { Keystore } from '../keystore';
import type { PartyKey } from '../listed-order';
import type { AppliedChange } from '../order-projector';
import { SigningRequests } from '../signing-requests';
import { UserRegistry } from '../user-registry';
import { platformQueuePrefix, startWebhooks, type RunningWebhooks } from './start-webhooks';
import { secretPurpose, webhookQueueName } from './webhook-dispatcher';
import { eventIdOf } from './webhook-event-record';
import { webhookRoutes } from './webhook-routes';
import { Webhooks } from './webhooks';
import { MemoryFailureCounters } from '../failure-counters';
import { defaultLockoutPolicy } from '../lockout-policy';

/**
 * The webhooks end to end below the chain: a real PostgreSQL cluster and Redis of the test's own (set
 * up as the network's: per-party roles, passwords, ACLs), the API's webhook routes over HTTP, and real
 * receivers on loopback ports that verify every signature and fail the ways real ones do. Order
 * changes are fed the way the projector hands them over (`Webhooks.record`), as plain values.
 */
const parties = partiesOf([
  { mspId: 'PlatformMSP', kind: 'platform' },
  { mspId: 'BankAMSP', kind: 'bank' },
  { mspId: 'BankBMSP', kind: 'bank' },
  { mspId: 'CentralBankMSP', kind: 'centralBank' },
]);
const log = pino({ level: process.env.LOG_LEVEL ?? 'silent' });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function eventually(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

let cluster: ScratchCluster;
let queues: ScratchQueues;
let platformQueues: QueueLogin;
beforeAll(async () => {
  cluster = await startScratchCluster({ parties });
  queues = await startScratchQueues({ parties });
  platformQueues = queues.logins.get('platform-PlatformMSP')!;
}, 120_000);
afterAll(async () => {
  await queues?.stop();
  await cluster?.stop();
});

interface Answer<T = unknown> {
  status: number;
  body: T;
}

/** A caller as the API knows it: a bearer token, and for a user its party on the chain. */
interface TestCaller {
  token: string;
  party?: PartyKey;
}

/**
 * One platform API's worth of webhooks: a migrated database of its own, the keystore, the webhooks
 * with their queue under a namespace of their own, and the webhook routes served over HTTP by the
 * API's own app (authentication, Idempotency-Key, validation, error codes).
 */
class World {
  readonly platform: TestCaller = { token: `platform-${randomBytes(24).toString('hex')}` };
  readonly bankA: TestCaller = { token: `banka-${randomBytes(24).toString('hex')}` };
  private readonly keystoreSecret = randomBytes(32).toString('hex');
  private readonly env: Record<string, string>;
  running!: RunningWebhooks;
  keystore!: Keystore;
  private server!: Server;
  url = '';
  private block = 1_000n;

  private constructor(
    readonly db: TestDatabase,
    readonly pool: pg.Pool,
    overrides: Record<string, string>,
  ) {
    this.env = {
      SECUREPAY_KEYSTORE_SECRET: this.keystoreSecret,
      API_PLATFORM_TOKEN: this.platform.token,
      API_BANK_TOKENS: `BankAMSP=${this.bankA.token}`,
      API_QUEUE_NAMESPACE: `test-${randomBytes(4).toString('hex')}`,
      API_WEBHOOK_ALLOW_PRIVATE: 'on',
      API_WEBHOOK_TIMEOUT_MS: '400',
      API_WEBHOOK_RETRY_BASE_MS: '50',
      API_WEBHOOK_RETRY_MAX_MS: '400',
      API_WEBHOOK_RETRY_FOR_MS: '60000',
      API_WEBHOOK_PAUSE_FAILURES: '12',
      API_WEBHOOK_PAUSE_AFTER_MS: '2500',
      API_WEBHOOK_SWEEP_MS: '250',
      API_WEBHOOK_REPLAY_MAX: '5',
      ...overrides,
    };
  }

  static async create(overrides: Record<string, string> = {}): Promise<World> {
    const db = await createTestDatabase(cluster.access, { prefix: 'securepay_webhooks_test' });
    const world = new World(db, db.pool(db.party('platform')), overrides);
    world.keystore = await Keystore.open(world.pool, world.keystoreSecret);
    await world.start();
    return world;
  }

  get config() {
    return loadApiConfig(this.env);
  }

  /** The webhooks and their routes, as an API process starts them. */
  async start(): Promise<void> {
    this.running = startWebhooks({ config: this.config, pool: this.pool, keystore: this.keystore, queues: platformQueues, log });
    this.server = await this.serve(this.running.webhooks);
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** An app serving `webhooks`' routes, with the API's authentication, idempotency and errors. */
  async serve(webhooks: Webhooks): Promise<Server> {
    const users = new UserRegistry(
      this.pool,
      this.keystore,
      new CbdcLedger(this.pool),
      new BankOnboarding(new Map()),
      { platform: this.platform.token, banks: new Map([['BankAMSP', this.bankA.token]]) },
      new SigningRequests(),
    );
    const app = createApp({
      routes: webhookRoutes(webhooks),
      users,
      pool: this.pool,
      metrics: new HttpMetrics(),
      health: async () => ({ status: 'ok' }),
      log,
      rateLimits: { windowMs: 60_000, operator: 100_000, user: 100_000, address: 100_000 },
      authFailures: new MemoryFailureCounters(),
      lockout: defaultLockoutPolicy,
      dependencies: { endpoints: new Map() },
      allowIps: [],
      denyIps: [],
      version: 'test',
    });
    return new Promise<Server>((resolve) => {
      const server = app.listen(0, '127.0.0.1', () => resolve(server));
    });
  }

  /** The API going down and coming back: `force` leaves attempts under way behind, as a crash would. */
  async restart(options: { force?: boolean } = {}): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await this.running.stop(options);
    await this.start();
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await this.running.stop({ force: true });
    await this.db.drop();
  }

  /** A merchant (or other user) registered on the platform: a row of its own, with a token. */
  async user(role: 'buyer' | 'merchant' | 'courier' = 'merchant', bank = 'BankBMSP'): Promise<TestCaller> {
    const token = `sp_${randomBytes(32).toString('base64url')}`;
    const userId = `u-${randomUUID()}`;
    const party = { mspId: bank, partyId: `p${randomBytes(8).toString('hex')}` };
    await this.db.owner.query(
      `insert into platform.users (user_id, role, bank, display_name, party_id, wallet, enrollment_id, token_hash, sealed_wallet_secret)
       values ($1, $2, $3, $4, $5, $6, $1, $7, '{}')`,
      [userId, role, bank, `${role} ${userId}`, party.partyId, `w-${randomUUID()}`, createHash('sha256').update(token).digest('hex')],
    );
    return { token, party };
  }

  async call<T = unknown>(method: 'GET' | 'POST', path: string, caller: TestCaller, body?: unknown, key?: string): Promise<Answer<T>> {
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${caller.token}`,
        ...(method === 'POST' ? { 'Content-Type': 'application/json', 'Idempotency-Key': key ?? randomUUID() } : {}),
      },
      ...(method === 'POST' ? { body: typeof body === 'string' ? body : JSON.stringify(body ?? {}) } : {}),
    });
    return { status: response.status, body: (await response.json()) as T };
  }

  /** Subscribes `caller` to `receiver`, which from then on verifies with the secret the answer carried. */
  async subscribe(caller: TestCaller, receiver: WebhookReceiver, events: string[] = ['*'], path = '/hook'): Promise<string> {
    const created = await this.call<{ subscription: { subscriptionId: string }; secret: string }>('POST', '/webhooks', caller, {
      url: `${receiver.url}${path}`,
      events,
    });
    expect(created.status).toBe(201);
    receiver.secret = created.body.secret;
    return created.body.subscription.subscriptionId;
  }

  /**
   * One chain event (one transaction) changing each of `changes`' orders, fed as the projector feeds
   * it: every change with its place in the event and the order as the transaction wrote it.
   */
  chainEvent(changes: { order: TestOrder; from: string | null; to: string; action: string }[]): AppliedChange[] {
    const txId = randomBytes(32).toString('hex');
    const blockNumber = this.block++;
    return changes.map(({ order, from, to, action }, changeIndex) => ({
      change: { orderId: order.orderId, action, from, to, buyerBank: order.buyer.mspId, merchantBank: order.merchant.mspId },
      changeIndex,
      order: {
        orderId: order.orderId,
        state: to,
        buyer: order.buyer,
        merchant: order.merchant,
        buyerBank: order.buyer.mspId,
        merchantBank: order.merchant.mspId,
        createdAt: new Date(1_900_000_000_000),
        updatedAt: new Date(1_900_000_000_000 + Number(blockNumber) * 1000),
        txId,
        position: { blockNumber, txIndex: changeIndex % 3 },
      },
    }));
  }

  async record(applied: AppliedChange[]): Promise<void> {
    await this.running.webhooks.record(applied);
  }

  async count(table: string, where = 'true', params: unknown[] = []): Promise<number> {
    const { rows } = await this.db.owner.query<{ n: string }>(`select count(*) as n from platform.${table} where ${where}`, params);
    return Number(rows[0]!.n);
  }
}

interface TestOrder {
  orderId: string;
  buyer: PartyKey;
  merchant: PartyKey;
}

/** An order's whole life as the contract's events report it: seven changes, an approval among them. */
const lifecycle: { from: string | null; to: string; action: string }[] = [
  { from: null, to: 'PROPOSED', action: 'propose' },
  { from: 'PROPOSED', to: 'PROPOSED', action: 'approve' },
  { from: 'PROPOSED', to: 'ESCROWED', action: 'approve' },
  { from: 'ESCROWED', to: 'SHIPPED', action: 'ship' },
  { from: 'SHIPPED', to: 'DELIVERED', action: 'deliver' },
  { from: 'DELIVERED', to: 'CONFIRMED', action: 'confirm' },
  { from: 'CONFIRMED', to: 'SETTLED', action: 'recordSettlement' },
];

const someBuyer = (): PartyKey => ({ mspId: 'BankAMSP', partyId: `p${randomBytes(8).toString('hex')}` });
const newOrder = (merchant: PartyKey, buyer: PartyKey = someBuyer()): TestOrder => ({
  orderId: `o-${randomBytes(8).toString('hex')}`,
  buyer,
  merchant,
});

/**
 * Feeds every order's lifecycle, interleaved: each chain event carries the next change of up to
 * `perEvent` orders (a batch transaction). Returns each order's event ids in the order recorded.
 */
async function feed(world: World, orders: TestOrder[], perEvent = 3, steps = lifecycle): Promise<Map<string, string[]>> {
  const expected = new Map(orders.map((o) => [o.orderId, [] as string[]]));
  const next = new Map(orders.map((o) => [o.orderId, 0]));
  for (;;) {
    const open = orders.filter((o) => next.get(o.orderId)! < steps.length).sort(() => Math.random() - 0.5);
    if (open.length === 0) return expected;
    const batch = open.slice(0, 1 + Math.floor(Math.random() * perEvent));
    const applied = world.chainEvent(batch.map((order) => ({ order, ...steps[next.get(order.orderId)!]! })));
    for (const change of applied) {
      expected.get(change.change.orderId)!.push(eventIdOf(change.order.txId, change.changeIndex));
      next.set(change.change.orderId, next.get(change.change.orderId)! + 1);
    }
    await world.record(applied);
  }
}

const idOf = (d: Pick<ReceivedDelivery, 'rawBody'>): string => (JSON.parse(d.rawBody.toString('utf8')) as { id: string }).id;
const isAccepted = (d: ReceivedDelivery): boolean => d.event !== undefined && typeof d.answer === 'number' && d.answer < 300;

/**
 * The webhooks' promise, checked on what a receiver got: every expected event accepted, and per
 * order, no attempt of an event reached the receiver before the order's previous event was accepted
 * (so the accepted ones came in order too).
 */
function expectDeliveredInOrder(received: readonly ReceivedDelivery[], expected: Map<string, string[]>): void {
  const firstAccepted = new Map<string, number>();
  const firstSeen = new Map<string, number>();
  received.forEach((d, i) => {
    const id = idOf(d);
    if (!firstSeen.has(id)) firstSeen.set(id, i);
    if (isAccepted(d) && !firstAccepted.has(id)) firstAccepted.set(id, i);
  });
  const problems: string[] = [];
  for (const [orderId, ids] of expected) {
    ids.forEach((id, k) => {
      if (!firstAccepted.has(id)) problems.push(`${orderId}: event ${k} (${id}) never accepted`);
      if (k > 0 && firstAccepted.has(ids[k - 1]!) && firstSeen.get(id)! < firstAccepted.get(ids[k - 1]!)!) {
        problems.push(`${orderId}: event ${k} arrived before event ${k - 1} was accepted`);
      }
    });
  }
  expect(problems).toEqual([]);
}

const allAccepted = (receiver: WebhookReceiver, expected: Map<string, string[]>): boolean => {
  const accepted = new Set(receiver.received.filter(isAccepted).map(idOf));
  return [...expected.values()].flat().every((id) => accepted.has(id));
};

describe('webhooks', () => {
  let world: World;
  const receivers: WebhookReceiver[] = [];
  const receiver = async (answer?: (d: Omit<ReceivedDelivery, 'answer'>) => ReceiverAnswer | Promise<ReceiverAnswer>) => {
    const r = await WebhookReceiver.start(answer ? { answer } : {});
    receivers.push(r);
    return r;
  };
  beforeAll(async () => {
    world = await World.create();
  }, 120_000);
  afterAll(async () => {
    for (const r of receivers) await r.close();
    await world?.close();
  });

  it('delivers every event of the caller’s orders exactly as signed: ids, states, positions, nothing else', async () => {
    const merchant = await world.user();
    const hook = await receiver();
    await world.subscribe(merchant, hook);
    const mine = [newOrder(merchant.party!), newOrder(merchant.party!)];
    const others = [newOrder(someBuyer())];
    const fed: AppliedChange[] = [];
    for (const step of lifecycle) {
      const applied = world.chainEvent([...mine, ...others].map((order) => ({ order, ...step })));
      fed.push(...applied.filter((a) => a.change.orderId !== others[0]!.orderId));
      await world.record(applied);
    }
    const expected = new Map(
      mine.map((o) => [o.orderId, fed.filter((a) => a.change.orderId === o.orderId).map((a) => eventIdOf(a.order.txId, a.changeIndex))]),
    );
    await eventually(() => allAccepted(hook, expected), 'every event at the receiver');
    expectDeliveredInOrder(hook.received, expected);

    // Each body is the event as recorded, field for field, and its signature verified over the raw bytes.
    expect(hook.received.every((d) => d.event !== undefined && d.refused === undefined)).toBe(true);
    const byId = new Map(hook.accepted().map((e) => [e.id, e]));
    expect(byId.size).toBe(fed.length);
    for (const a of fed) {
      const event = byId.get(eventIdOf(a.order.txId, a.changeIndex))!;
      expect(event).toEqual({
        id: eventIdOf(a.order.txId, a.changeIndex),
        sequence: expect.stringMatching(/^[0-9]+$/),
        type: a.change.from === a.change.to ? 'order.updated' : `order.${a.change.to.toLowerCase()}`,
        orderId: a.change.orderId,
        state: a.change.to,
        previousState: a.change.from,
        action: a.change.action,
        txId: a.order.txId,
        blockNumber: a.order.position.blockNumber.toString(),
        txIndex: a.order.position.txIndex,
        occurredAt: a.order.updatedAt.toISOString(),
      } satisfies WebhookEvent);
    }
    // Another merchant's order never reached this receiver; party ids and banks never leave the platform.
    const text = hook.received.map((d) => d.rawBody.toString('utf8')).join('\n');
    expect(text).not.toContain(others[0]!.orderId);
    for (const secret of [merchant.party!.partyId, mine[0]!.buyer.partyId, 'BankBMSP', 'BankAMSP']) expect(text).not.toContain(secret);
    const first = hook.received[0]!;
    expect(first.headers['content-type']).toBe('application/json');
    expect(first.headers['securepay-event-id']).toBe(idOf(first));
    expect(first.headers['securepay-signature']).toMatch(/^t=[0-9]+,v1=[0-9a-f]{64}$/);
  });

  it('describes its routes in the OpenAPI document', async () => {
    const doc = (await (await fetch(`${world.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    for (const path of [
      '/webhooks',
      '/webhooks/{subscriptionId}/deliveries',
      '/webhooks/{subscriptionId}/replay',
      '/webhooks/{subscriptionId}/resume',
    ]) {
      expect(doc.paths).toHaveProperty([path]);
    }
    expect(JSON.stringify(doc.paths['/webhooks']!.post)).toContain('order.settled');
  });

  it('records each change once however often the projector hands it over, in one call per chain event', async () => {
    const merchant = await world.user();
    const hook = await receiver();
    await world.subscribe(merchant, hook);
    const applied = world.chainEvent([newOrder(merchant.party!), newOrder(merchant.party!)].map((order) => ({ order, ...lifecycle[0]! })));
    const before = { events: await world.count('webhook_events'), deliveries: await world.count('webhook_deliveries') };
    await world.record(applied);
    await world.record(applied);
    await Promise.all([world.record(applied), world.record(applied)]);
    expect(await world.count('webhook_events')).toBe(before.events + 2);
    expect(await world.count('webhook_deliveries')).toBe(before.deliveries + 2);
    await eventually(() => hook.accepted().length === 2, 'both deliveries');
    await sleep(500);
    expect(hook.received).toHaveLength(2);
  });

  it('retries a receiver that answers 500, times out and drops the connection, until it takes each event', async () => {
    const merchant = await world.user();
    const tries = new Map<string, number>();
    // Per event: a 500, then no answer (the sender's 400 ms timeout ends it), then a dropped connection, then 200.
    const hook = await receiver((d) => {
      const id = idOf(d);
      const n = (tries.get(id) ?? 0) + 1;
      tries.set(id, n);
      return (([500, 'hang', 'close'] as const)[n - 1] ?? 200) as ReceiverAnswer;
    });
    const subscriptionId = await world.subscribe(merchant, hook);
    const expected = await feed(world, [newOrder(merchant.party!), newOrder(merchant.party!)], 2, lifecycle.slice(0, 3));
    await eventually(() => allAccepted(hook, expected), 'every event, after its failures', 60_000);
    expectDeliveredInOrder(hook.received, expected);
    expect([...tries.values()].every((n) => n === 4)).toBe(true);

    const log = await world.call<{ deliveries: { status: string; attempts: number; lastStatusCode: number | null }[] }>(
      'GET',
      `/webhooks/${subscriptionId}/deliveries`,
      merchant,
    );
    expect(log.body.deliveries).toHaveLength(6);
    expect(log.body.deliveries.every((d) => d.status === 'delivered' && d.attempts === 4 && d.lastStatusCode === 200)).toBe(true);
    const subscription = await world.call<{ status: string; failureStreak: number }>('GET', `/webhooks/${subscriptionId}`, merchant);
    expect(subscription.body).toMatchObject({ status: 'active', failureStreak: 0 });
  }, 90_000);

  it('keeps each order’s events in order under concurrency, with a receiver that fails at random', async () => {
    const merchant = await world.user();
    const hook = await receiver(async () => {
      await sleep(Math.random() * 30);
      const roll = Math.random();
      return roll < 0.25 ? 500 : roll < 0.3 ? 'close' : 200;
    });
    await world.subscribe(merchant, hook);
    const orders = Array.from({ length: 12 }, () => newOrder(merchant.party!));
    const expected = await feed(world, orders, 4);
    await eventually(() => allAccepted(hook, expected), 'all 84 events', 90_000);
    expectDeliveredInOrder(hook.received, expected);
    // Several orders were being delivered at once: the receiver saw them interleaved.
    const orderOf = hook.received.map((d) => (JSON.parse(d.rawBody.toString()) as { orderId: string }).orderId);
    expect(orderOf.filter((id, i) => i > 0 && id !== orderOf[i - 1]).length).toBeGreaterThan(20);
  }, 120_000);

  it('loses nothing and keeps the order when the API stops mid-way and another starts on the same database and Redis', async () => {
    const merchant = await world.user();
    const hook = await receiver(async () => {
      await sleep(60);
      return 200;
    });
    await world.subscribe(merchant, hook);
    const orders = Array.from({ length: 5 }, () => newOrder(merchant.party!));
    const firstHalf = await feed(world, orders, 3, lifecycle.slice(0, 4));
    await eventually(() => hook.accepted().length >= 6, 'some deliveries before the stop');
    // As a crash: attempts under way are abandoned, their jobs left locked in Redis for the next worker.
    await world.restart({ force: true });
    const secondHalf = await feed(world, orders, 3, lifecycle.slice(4));
    const expected = new Map(orders.map((o) => [o.orderId, [...firstHalf.get(o.orderId)!, ...secondHalf.get(o.orderId)!]]));
    await eventually(() => allAccepted(hook, expected), 'every event after the restart', 90_000);
    expectDeliveredInOrder(hook.received, expected);
  }, 120_000);

  it('sends again what Redis lost: jobs waiting for their retry vanish, the sweeper queues the deliveries again', async () => {
    const merchant = await world.user();
    let up = false;
    const hook = await receiver(() => (up ? 200 : 500));
    const subscriptionId = await world.subscribe(merchant, hook);
    const expected = await feed(
      world,
      [newOrder(merchant.party!), newOrder(merchant.party!), newOrder(merchant.party!)],
      3,
      lifecycle.slice(0, 2),
    );
    await eventually(() => hook.received.length >= 6, 'a few failed attempts');
    // Every job Redis holds for this API's queue, waiting or delayed, is gone — as after a Redis restart.
    const connection = new IORedis({ ...redisOptions(platformQueues), maxRetriesPerRequest: null });
    const queue = new Queue(webhookQueueName, {
      connection,
      prefix: platformQueuePrefix(platformQueues, world.config.API_QUEUE_NAMESPACE),
    });
    try {
      await queue.drain(true);
      expect(await queue.getJobCounts('waiting', 'delayed')).toEqual({ waiting: 0, delayed: 0 });
    } finally {
      await queue.close();
      connection.disconnect();
    }
    up = true;
    await eventually(() => allAccepted(hook, expected), 'every event, queued again by the sweeper', 30_000);
    expectDeliveredInOrder(hook.received, expected);
    const log = await world.call<{ deliveries: { status: string }[] }>('GET', `/webhooks/${subscriptionId}/deliveries`, merchant);
    expect(log.body.deliveries.map((d) => d.status)).toEqual(Array(6).fill('delivered'));
  }, 60_000);

  it('replays from an event id, a bounded batch at a time, in order per order', async () => {
    const merchant = await world.user();
    const hook = await receiver();
    const subscriptionId = await world.subscribe(merchant, hook);
    const orders = [newOrder(merchant.party!), newOrder(merchant.party!)];
    const expected = await feed(world, orders, 2);
    await eventually(() => allAccepted(hook, expected), 'the live deliveries');
    const live = hook.received.length;
    // Every event of the subscription in recorded order, by sequence.
    const bySequence = hook
      .accepted()
      .sort((a, b) => Number(BigInt(a.sequence) - BigInt(b.sequence)))
      .map((e) => e.id);
    const from = bySequence[3]!;
    const replayed: string[] = [];
    let next: string | null = from;
    let rounds = 0;
    while (next) {
      const answer: Answer<{ replayed: number; replay: number; throughEventId: string; nextEventId: string | null }> = await world.call(
        'POST',
        `/webhooks/${subscriptionId}/replay`,
        merchant,
        { fromEventId: next },
      );
      expect(answer.status).toBe(202);
      expect(answer.body.replayed).toBeLessThanOrEqual(5);
      expect(answer.body.replay).toBe(++rounds);
      next = answer.body.nextEventId;
      replayed.push(answer.body.throughEventId);
    }
    expect(rounds).toBe(Math.ceil((bySequence.length - 3) / 5));
    expect(replayed[replayed.length - 1]).toBe(bySequence[bySequence.length - 1]);
    const again = bySequence.slice(3);
    await eventually(() => hook.received.length === live + again.length, 'the replayed deliveries');
    const replayedIds = hook.received.slice(live).map(idOf);
    expect(new Set(replayedIds)).toEqual(new Set(again));
    // Per order, the replay came in the order the events were recorded.
    for (const ids of expected.values()) {
      const wanted = ids.filter((id) => again.includes(id));
      expect(replayedIds.filter((id) => wanted.includes(id))).toEqual(wanted);
    }
    const log = await world.call<{ deliveries: { replay: number; eventId: string }[] }>(
      'GET',
      `/webhooks/${subscriptionId}/deliveries?limit=200`,
      merchant,
    );
    expect(
      log.body.deliveries
        .filter((d) => d.replay > 0)
        .map((d) => d.eventId)
        .sort(),
    ).toEqual([...again].sort());
  }, 60_000);

  it('pauses a subscription that keeps failing, keeps its deliveries, and delivers them all in order once resumed', async () => {
    const merchant = await world.user();
    let up = false;
    const hook = await receiver(() => (up ? 200 : 500));
    const subscriptionId = await world.subscribe(merchant, hook);
    const orders = [newOrder(merchant.party!), newOrder(merchant.party!), newOrder(merchant.party!)];
    const firstPart = await feed(world, orders, 3, lifecycle.slice(0, 2));
    const status = async () =>
      (await world.call<{ status: string; statusReason: string | null }>('GET', `/webhooks/${subscriptionId}`, merchant)).body;
    await eventually(async () => (await status()).status === 'paused', 'the pause', 30_000);
    expect((await status()).statusReason).toMatch(/paused after \d+ failed attempts in a row .* HTTP 500/);
    // Paused: nothing more is tried, but new events still make deliveries, kept for later.
    await sleep(300);
    const attempts = hook.received.length;
    const laterPart = await feed(world, orders, 3, lifecycle.slice(2, 4));
    await sleep(1_500);
    expect(hook.received.length).toBe(attempts);
    const pending = await world.call<{ deliveries: unknown[] }>(
      'GET',
      `/webhooks/${subscriptionId}/deliveries?status=pending&limit=200`,
      merchant,
    );
    expect(pending.body.deliveries).toHaveLength(12);

    // Only its owner resumes it.
    const stranger = await world.user();
    expect((await world.call('POST', `/webhooks/${subscriptionId}/resume`, stranger)).status).toBe(404);
    expect((await status()).status).toBe('paused');
    up = true;
    const resumed = await world.call<{ subscription: { status: string }; requeued: number }>(
      'POST',
      `/webhooks/${subscriptionId}/resume`,
      merchant,
    );
    expect(resumed.status).toBe(200);
    expect(resumed.body).toMatchObject({ subscription: { status: 'active' }, requeued: 12 });
    const expected = new Map(orders.map((o) => [o.orderId, [...firstPart.get(o.orderId)!, ...laterPart.get(o.orderId)!]]));
    await eventually(() => allAccepted(hook, expected), 'every kept delivery after resuming');
    expectDeliveredInOrder(hook.received, expected);
  }, 60_000);

  it('a tampered body and a replayed old delivery fail verification', async () => {
    const merchant = await world.user();
    const hook = await receiver();
    await world.subscribe(merchant, hook);
    await world.record(world.chainEvent([{ order: newOrder(merchant.party!), ...lifecycle[0]! }]));
    await eventually(() => hook.accepted().length === 1, 'one delivery');
    const got = hook.received[0]!;
    const header = got.headers['securepay-signature'] as string;
    const refusal = (run: () => unknown): string => {
      try {
        run();
        return 'accepted';
      } catch (error) {
        if (error instanceof WebhookSignatureError) return error.code;
        throw error;
      }
    };
    expect(refusal(() => verifyWebhook(got.rawBody, header, hook.secret!))).toBe('accepted');
    const tampered = Buffer.from(got.rawBody.toString('utf8').replace('"PROPOSED"', '"SETTLED"'));
    expect(tampered.equals(got.rawBody)).toBe(false);
    expect(refusal(() => verifyWebhook(tampered, header, hook.secret!))).toBe('SIGNATURE_MISMATCH');
    // The same delivery sent again by whoever caught it, six minutes on: out of the five-minute tolerance.
    expect(refusal(() => verifyWebhook(got.rawBody, header, hook.secret!, { nowMs: got.receivedAt + 6 * 60_000 }))).toBe(
      'TIMESTAMP_OUT_OF_TOLERANCE',
    );
    // And the signature does not hold for another subscription's secret.
    expect(refusal(() => verifyWebhook(got.rawBody, header, `whsec_${randomBytes(32).toString('base64url')}`))).toBe('SIGNATURE_MISMATCH');
  });

  it('shows the secret once and keeps it sealed: not in the database in plain text, not in a repeated answer', async () => {
    const merchant = await world.user();
    const hook = await receiver();
    const key = `create-${randomUUID()}`;
    const body = { url: `${hook.url}/hook`, events: ['order.settled', 'order.escrowed'] };
    const first = await world.call<{ subscription: { subscriptionId: string; events: string[] }; secret: string }>(
      'POST',
      '/webhooks',
      merchant,
      body,
      key,
    );
    expect(first.status).toBe(201);
    expect(first.body.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    const repeat = await world.call<{ subscription: { subscriptionId: string }; secret: string | null }>(
      'POST',
      '/webhooks',
      merchant,
      body,
      key,
    );
    expect(repeat.status).toBe(201);
    expect(repeat.body).toEqual({ subscription: first.body.subscription, secret: null });
    const { subscriptionId } = first.body.subscription;
    for (const table of ['webhook_subscriptions', 'idempotency', 'webhook_events', 'webhook_deliveries']) {
      const { rows } = await world.db.owner.query<{ row: string }>(`select row_to_json(t)::text as row from platform.${table} t`);
      expect(rows.filter((r) => r.row.includes(first.body.secret))).toEqual([]);
    }
    const { rows } = await world.db.owner.query<{ sealed_secret: unknown }>(
      'select sealed_secret from platform.webhook_subscriptions where id = $1',
      [subscriptionId],
    );
    expect(world.keystore.open(subscriptionId, secretPurpose, rows[0]!.sealed_secret)).toBe(first.body.secret);
    // Only the two kinds asked for are sent.
    hook.secret = first.body.secret;
    const order = newOrder(merchant.party!);
    const expected = await feed(world, [order], 1);
    await eventually(() => hook.accepted().length === 2, 'the two subscribed kinds');
    await sleep(300);
    expect(hook.accepted().map((e) => e.type)).toEqual(['order.escrowed', 'order.settled']);
    expect(hook.accepted().map((e) => e.id)).toEqual([expected.get(order.orderId)![2], expected.get(order.orderId)![6]]);
  });

  it('sends each caller only its own orders: a user its party’s, a bank its customers’, the platform every one', async () => {
    const merchant = await world.user();
    const courier = await world.user('courier');
    const [merchantHook, courierHook, bankHook, platformHook] = await Promise.all([receiver(), receiver(), receiver(), receiver()]);
    await world.subscribe(merchant, merchantHook);
    await world.subscribe(courier, courierHook);
    await world.subscribe(world.bankA, bankHook);
    const platformSubscription = await world.subscribe(world.platform, platformHook);
    const atBankA = newOrder(merchant.party!, someBuyer());
    const elsewhere = newOrder(merchant.party!, { mspId: 'BankBMSP', partyId: `p${randomBytes(8).toString('hex')}` });
    const carried = newOrder({ mspId: 'BankBMSP', partyId: `p${randomBytes(8).toString('hex')}` });
    const applied = world.chainEvent([atBankA, elsewhere, carried].map((order) => ({ order, ...lifecycle[0]! })));
    // The courier is the third order's, as the transaction wrote it.
    applied[2]!.order.courier = courier.party!;
    await world.record(applied);
    await eventually(() => platformHook.accepted().length === 3 && merchantHook.accepted().length === 2, 'the deliveries');
    await eventually(() => bankHook.accepted().length === 2 && courierHook.accepted().length === 1, 'the deliveries');
    await sleep(300);
    const orders = (r: WebhookReceiver) =>
      r
        .accepted()
        .map((e) => e.orderId)
        .sort();
    expect(orders(merchantHook)).toEqual([atBankA.orderId, elsewhere.orderId].sort());
    expect(orders(courierHook)).toEqual([carried.orderId]);
    expect(orders(bankHook)).toEqual([atBankA.orderId, carried.orderId].sort());
    expect(orders(platformHook)).toEqual([atBankA.orderId, elsewhere.orderId, carried.orderId].sort());
    // Subscriptions are their owners' alone: another caller sees none of them and cannot touch them.
    expect((await world.call<{ subscriptions: unknown[] }>('GET', '/webhooks', courier)).body.subscriptions).toHaveLength(1);
    expect((await world.call('GET', `/webhooks/${platformSubscription}/deliveries`, merchant)).status).toBe(404);
    expect((await world.call('POST', `/webhooks/${platformSubscription}/disable`, merchant)).status).toBe(404);
    const disabled = await world.call<{ subscription: { status: string } }>(
      'POST',
      `/webhooks/${platformSubscription}/disable`,
      world.platform,
    );
    expect(disabled.body.subscription.status).toBe('disabled');
    expect(
      (await world.call<{ error: { code: string } }>('POST', `/webhooks/${platformSubscription}/resume`, world.platform)).body.error.code,
    ).toBe('SUBSCRIPTION_DISABLED');
    await world.record(world.chainEvent([{ order: atBankA, ...lifecycle[1]! }]));
    await eventually(() => merchantHook.accepted().length === 3, 'the next event');
    await sleep(300);
    expect(platformHook.received).toHaveLength(3);
  });

  describe('refuses bad subscription input with a 4xx, storing nothing', () => {
    let caller: TestCaller;
    let strict: Server;
    let strictUrl: string;
    beforeAll(async () => {
      caller = await world.user();
      // The same webhooks behind an API whose operator allows public hosts only (the default).
      const publicOnly = new Webhooks(
        world.running.store,
        world.keystore,
        world.running.dispatcher,
        {
          allowInternal: false,
          maxSubscriptionsPerOwner: 10,
          replayMax: 5,
        },
        log,
      );
      strict = await world.serve(publicOnly);
      strictUrl = `http://127.0.0.1:${(strict.address() as AddressInfo).port}`;
    });
    afterAll(async () => new Promise<void>((resolve) => strict.close(() => resolve())));

    const stored = async () => ({
      subscriptions: await world.count('webhook_subscriptions'),
      replays: await world.count('webhook_subscriptions', 'replays > 0'),
      deliveries: await world.count('webhook_deliveries'),
    });

    it.each([
      ['an ftp URL', { url: 'ftp://shop.example.com/hook', events: ['*'] }, 'BAD_WEBHOOK_URL'],
      ['a URL with a password', { url: 'https://u:p@shop.example.com/hook', events: ['*'] }, 'BAD_WEBHOOK_URL'],
      ['no URL at all', { events: ['*'] }, 'INVALID_REQUEST'],
      ['an unknown event type', { url: 'https://shop.example.com/hook', events: ['order.lost'] }, 'INVALID_REQUEST'],
      ['no event types', { url: 'https://shop.example.com/hook', events: [] }, 'INVALID_REQUEST'],
      ['an event type twice', { url: 'https://shop.example.com/hook', events: ['order.settled', 'order.settled'] }, 'INVALID_REQUEST'],
      ['an unknown field', { url: 'https://shop.example.com/hook', events: ['*'], secret: 'mine' }, 'INVALID_REQUEST'],
      ['malformed JSON', '{"url": "https://shop.example.com/hook",', 'MALFORMED_JSON'],
    ])('%s', async (_name, body, code) => {
      const before = await stored();
      const answer = await world.call<{ error: { code: string } }>('POST', '/webhooks', caller, body);
      expect(answer.status).toBe(400);
      expect(answer.body.error.code).toBe(code);
      expect(await stored()).toEqual(before);
    });

    it.each([
      ['http://127.0.0.1:9/hook'],
      ['http://localhost:9/hook'],
      ['http://[::1]:9/hook'],
      ['http://169.254.169.254/latest/meta-data/'],
      ['http://10.0.0.7/hook'],
    ])('%s, where only public hosts are allowed', async (url) => {
      const before = await stored();
      const response = await fetch(`${strictUrl}/webhooks`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${caller.token}`, 'Content-Type': 'application/json', 'Idempotency-Key': randomUUID() },
        body: JSON.stringify({ url, events: ['*'] }),
      });
      const answer = (await response.json()) as { error: { code: string; message: string } };
      expect(response.status).toBe(400);
      expect(answer.error.code).toBe('PRIVATE_ADDRESS');
      expect(await stored()).toEqual(before);
    });

    it('no Idempotency-Key, no token, or a replay from an event not of the caller’s orders', async () => {
      const before = await stored();
      const bare = await fetch(`${world.url}/webhooks`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${caller.token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ url: 'https://shop.example.com/hook', events: ['*'] }),
      });
      expect(bare.status).toBe(400);
      const anonymous = await fetch(`${world.url}/webhooks`, { method: 'GET' });
      expect(anonymous.status).toBe(401);
      const mine = await world.subscribe(caller, await receiver());
      const afterCreate = await stored();
      expect(afterCreate.subscriptions).toBe(before.subscriptions + 1);
      // An event of another merchant's order exists, but is not this caller's to replay from.
      const foreign = world.chainEvent([{ order: newOrder(someBuyer()), ...lifecycle[0]! }]);
      await world.record(foreign);
      const afterForeign = await stored();
      const replay = await world.call<{ error: { code: string } }>('POST', `/webhooks/${mine}/replay`, caller, {
        fromEventId: eventIdOf(foreign[0]!.order.txId, 0),
      });
      expect(replay.status).toBe(404);
      const bad = await world.call<{ error: { code: string } }>('POST', `/webhooks/${mine}/replay`, caller, { fromEventId: 'the-first' });
      expect(bad.body.error.code).toBe('INVALID_REQUEST');
      const unknown = await world.call('GET', `/webhooks/whs_${'0'.repeat(32)}/deliveries`, caller);
      expect(unknown.status).toBe(404);
      expect(await stored()).toEqual(afterForeign);
    });

    it('at most the configured number of live subscriptions per caller', async () => {
      const busy = await world.user();
      const hook = await receiver();
      for (let i = 0; i < 10; i++) await world.subscribe(busy, hook);
      const before = await stored();
      const refused = await world.call<{ error: { code: string } }>('POST', '/webhooks', busy, { url: `${hook.url}/hook`, events: ['*'] });
      expect(refused.status).toBe(409);
      expect(refused.body.error.code).toBe('TOO_MANY_SUBSCRIPTIONS');
      expect(await stored()).toEqual(before);
    });
  });
});

describe('webhooks that give up on a delivery', () => {
  let world: World;
  let hook: WebhookReceiver;
  beforeAll(async () => {
    // Retried for 300 ms only, and no pausing: a failing delivery is parked quickly.
    world = await World.create({ API_WEBHOOK_RETRY_FOR_MS: '300', API_WEBHOOK_PAUSE_FAILURES: '100000' });
  }, 120_000);
  afterAll(async () => {
    await hook?.close();
    await world?.close();
  });

  it('parks a delivery after its retry window, holds that order’s later events, and sends them in order once resumed', async () => {
    const merchant = await world.user();
    const stuck = newOrder(merchant.party!);
    const fine = newOrder(merchant.party!);
    let fixed = false;
    hook = await WebhookReceiver.start({
      answer: (d) => (d.event && (fixed || d.event.orderId !== stuck.orderId) ? 200 : 503),
    });
    const subscriptionId = await world.subscribe(merchant, hook);
    const expected = await feed(world, [stuck, fine], 2, lifecycle.slice(0, 3));
    await eventually(() => allAccepted(hook, new Map([[fine.orderId, expected.get(fine.orderId)!]])), 'the other order delivered');
    type Log = { deliveries: { eventId: string; status: string; attempts: number; lastError: string | null }[] };
    const stuckLog = async () =>
      (await world.call<Log>('GET', `/webhooks/${subscriptionId}/deliveries?limit=200`, merchant)).body.deliveries.filter((d) =>
        expected.get(stuck.orderId)!.includes(d.eventId),
      );
    await eventually(async () => (await stuckLog()).some((d) => d.status === 'parked'), 'the parked delivery');
    const [first, ...later] = expected.get(stuck.orderId)!;
    const byEvent = new Map((await stuckLog()).map((d) => [d.eventId, d]));
    expect(byEvent.get(first!)).toMatchObject({ status: 'parked', lastError: 'HTTP 503' });
    expect(byEvent.get(first!)!.attempts).toBeGreaterThan(1);
    // The order's later events were never tried while its first could not be delivered.
    for (const id of later) expect(byEvent.get(id)).toMatchObject({ status: 'pending', attempts: 0 });
    expect(hook.received.filter((d) => later.includes(idOf(d)))).toEqual([]);
    const subscription = await world.call<{ status: string }>('GET', `/webhooks/${subscriptionId}`, merchant);
    expect(subscription.body.status).toBe('active');

    fixed = true;
    const resumed = await world.call<{ requeued: number }>('POST', `/webhooks/${subscriptionId}/resume`, merchant);
    expect(resumed.body.requeued).toBe(3);
    await eventually(() => allAccepted(hook, expected), 'the parked order, after resuming');
    expectDeliveredInOrder(hook.received, expected);
  }, 60_000);
});
