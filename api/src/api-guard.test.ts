import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { redisOptions } from '@securepay/ledger';
import { testParties } from '@securepay/ledger/src/test-parties';
import { startScratchQueues, type ScratchQueues } from '@securepay/network';
import type { Logger } from 'pino';
import { createApp } from './app';
import { MemoryFailureCounters, RedisFailureCounters, ResilientFailureCounters, type FailureCounters } from './failure-counters';
import { HttpMetrics } from './http-metrics';
import { defaultLockoutPolicy, type LockoutPolicy } from './lockout-policy';
import { defaultRateLimits, type RateLimits } from './rate-limits';
import type { Route } from './routes';
import { capturedLog, listen, startTestPlatform, type TestPlatform } from './test-platform';

/**
 * The API's guards over HTTP, with the real user registry on a scratch ledger cluster and the
 * lockout counters in a scratch Redis set up as the network's (each party its ACL user and prefix).
 */
let platform: TestPlatform;
let queues: ScratchQueues;
const redisClients: Redis[] = [];
const servers: { close(): Promise<void> }[] = [];

const routes: Route[] = [
  {
    method: 'get',
    path: '/whoami',
    summary: 'the caller',
    tag: 'users',
    access: 'authenticated',
    handle: async (input) => ({ scope: input.caller!.scope }),
  },
  { method: 'get', path: '/ping', summary: 'public', tag: 'orders', access: 'public', handle: async () => ({ ok: true }) },
];

function platformRedis(): Redis {
  const login = queues.logins.get(testParties.find((p) => p.kind === 'platform')!.id)!;
  const redis = new Redis({ ...redisOptions(login), maxRetriesPerRequest: 1, enableOfflineQueue: false });
  redis.on('error', () => undefined);
  redisClients.push(redis);
  return redis;
}
const prefixOfPlatform = (): string => queues.logins.get(testParties.find((p) => p.kind === 'platform')!.id)!.prefix;

async function startApi(options: { lockout?: LockoutPolicy; rateLimits?: RateLimits; counters?: FailureCounters; log?: Logger } = {}) {
  const metrics = new HttpMetrics();
  const app = createApp({
    routes,
    users: platform.users,
    pool: platform.pool,
    metrics,
    health: async () => ({ status: 'ok' }),
    log: options.log ?? capturedLog().log,
    rateLimits: options.rateLimits ?? defaultRateLimits,
    authFailures: options.counters ?? new RedisFailureCounters(platformRedis(), prefixOfPlatform()),
    lockout: options.lockout ?? defaultLockoutPolicy,
    dependencies: { endpoints: new Map() },
    allowIps: [],
    denyIps: [],
    version: 'test',
  });
  const server = await listen(app);
  servers.push(server);
  const call = async (path: string, token?: string) => {
    const started = Date.now();
    const response = await fetch(`${server.url}${path}`, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      body: text ? (JSON.parse(text) as { error?: { code: string } }) : {},
      ms: Date.now() - started,
    };
  };
  return { url: server.url, call, metrics: async () => metrics.registry.metrics() };
}

const garbage = (): string => `sp_${randomBytes(32).toString('base64url')}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  platform = await startTestPlatform(55732);
  queues = await startScratchQueues({ parties: testParties, port: 16579 });
}, 120_000);
afterAll(async () => {
  for (const s of servers) await s.close();
  for (const r of redisClients) r.disconnect();
  await queues?.stop();
  await platform?.close();
});

describe('failed authentication: slowed, then locked out, then let in again', () => {
  const policy: LockoutPolicy = { failuresToLock: 3, windowMs: 60_000, lockoutMs: 3_000, baseDelayMs: 150, maxDelayMs: 1_000 };

  it('slows each failure more, locks the address out at the third, refuses it everywhere, lets it in once the period ends', async () => {
    const { log, lines } = capturedLog();
    const api = await startApi({ lockout: policy, log });
    const other = await startApi({ lockout: policy });
    const known = await platform.register('buyer');
    const fresh = await platform.register('buyer');
    expect((await api.call('/whoami', known.token)).status).toBe(200);
    const bad = [garbage(), garbage(), garbage(), garbage()];

    const first = await api.call('/whoami', bad[0]);
    const second = await api.call('/whoami', bad[1]);
    expect([first.status, first.body.error?.code, second.status]).toEqual([401, 'UNAUTHENTICATED', 401]);
    expect(first.ms).toBeGreaterThanOrEqual(140);
    expect(second.ms).toBeGreaterThanOrEqual(290);
    const third = await api.call('/whoami', bad[2]);
    expect([third.status, third.body.error?.code, third.headers.get('retry-after')]).toEqual([429, 'LOCKED_OUT', '3']);

    // Locked: anything that could be a guess is refused unread, in this API process and in another.
    const guess = await api.call('/whoami', bad[3]);
    expect([guess.status, guess.body.error?.code]).toEqual([429, 'LOCKED_OUT']);
    expect(guess.ms).toBeLessThan(140);
    expect((await other.call('/whoami', bad[3])).body.error?.code).toBe('LOCKED_OUT');
    expect((await api.call('/whoami', fresh.token)).body.error?.code).toBe('LOCKED_OUT');
    // A token this process verified lately still works, and so do public reads without one.
    expect((await api.call('/whoami', known.token)).status).toBe(200);
    expect((await api.call('/ping')).status).toBe(200);

    const metrics = await api.metrics();
    expect(metrics).toMatch(/securepay_api_auth_failures_total\{outcome="slowed"\} 2/);
    expect(metrics).toMatch(/securepay_api_auth_failures_total\{outcome="locked"\} 1/);
    expect(metrics).toMatch(/securepay_api_auth_locked_refusals_total 2/);
    expect(metrics).toMatch(/securepay_api_auth_locked_clients 1/);

    await sleep(3_100);
    expect((await api.call('/whoami', fresh.token)).status).toBe(200);
    expect((await other.call('/whoami', fresh.token)).status).toBe(200);
    const again = await api.call('/whoami', garbage());
    expect([again.status, again.body.error?.code]).toEqual([401, 'UNAUTHENTICATED']);
    expect(await api.metrics()).toMatch(/securepay_api_auth_locked_clients 0/);

    // Logged, with the address and the count, never a token.
    expect(lines.some((l) => l.includes('client locked out after failed authentications') && l.includes('"failures":3'))).toBe(true);
    for (const token of [...bad, known.token, fresh.token]) expect(lines.join('\n')).not.toContain(token);
  }, 60_000);

  it('keeps locking out in this process while Redis does not answer', async () => {
    const unreachable = new Redis({ host: '127.0.0.1', port: 1, lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false });
    unreachable.on('error', () => undefined);
    redisClients.push(unreachable);
    const { log, lines } = capturedLog();
    const counters = new ResilientFailureCounters(
      new RedisFailureCounters(unreachable, prefixOfPlatform()),
      new MemoryFailureCounters(),
      log,
    );
    const api = await startApi({ lockout: { ...policy, baseDelayMs: 0 }, counters, log });
    const call = async (token: string) => (await api.call('/whoami', token)).status;
    expect([await call(garbage()), await call(garbage()), await call(garbage()), await call(garbage())]).toEqual([401, 401, 429, 429]);
    expect(lines.some((l) => l.includes('counted in this process only'))).toBe(true);
  });
});

describe('rate limits keyed by credential', () => {
  it("a backend's load from one address, ~250 requests/s over its operator token and its users' tokens, gets no 429", async () => {
    const api = await startApi();
    const users = await Promise.all([1, 2, 3, 4].map(() => platform.register('buyer')));
    const tokens = [platform.tokens.platform, platform.tokens.platform, ...users.map((u) => u.token)];
    const statuses = new Map<number, number>();
    const policies = new Set<string>();
    const started = Date.now();
    const calls: Promise<void>[] = [];
    // 10 requests every 40 ms for 4 s: 1 000 requests at 250/s, a third with the operator token.
    for (let tick = 0; tick < 100; tick++) {
      for (let i = 0; i < 10; i++) {
        calls.push(
          api.call('/whoami', tokens[(tick * 10 + i) % tokens.length]).then((r) => {
            statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
            policies.add(r.headers.get('ratelimit-policy')?.split(';')[0] ?? '');
          }),
        );
      }
      await sleep(Math.max(0, started + (tick + 1) * 40 - Date.now()));
    }
    await Promise.all(calls);
    const seconds = (Date.now() - started) / 1000;
    process.stdout.write(
      `backend load: 1000 requests in ${seconds.toFixed(1)} s (${Math.round(1000 / seconds)}/s): ${JSON.stringify([...statuses])}\n`,
    );
    expect([...statuses]).toEqual([[200, 1000]]);
    // At least 200 requests/s were asked of it and answered.
    expect(seconds).toBeLessThan(5);
    expect([...policies].sort()).toEqual(['"operator"', '"user"']);
  }, 60_000);

  it('one abusive token is throttled with Retry-After and the RateLimit headers; the other tokens are not', async () => {
    const api = await startApi({ rateLimits: { windowMs: 60_000, operator: 1_000, user: 40, address: 600 } });
    const [abuser, neighbour] = await Promise.all([platform.register('buyer'), platform.register('merchant')]);
    const abuse = await Promise.all(Array.from({ length: 60 }, () => api.call('/whoami', abuser.token)));
    expect(abuse.filter((r) => r.status === 200)).toHaveLength(40);
    const throttled = abuse.filter((r) => r.status === 429);
    expect(throttled).toHaveLength(20);
    expect(throttled[0]!.body.error?.code).toBe('RATE_LIMITED');
    expect(Number(throttled[0]!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(throttled[0]!.headers.get('ratelimit')).toMatch(/^"user"; r=0; t=\d+$/);
    expect(throttled[0]!.headers.get('ratelimit-policy')).toMatch(/^"user"; q=40; w=60; pk=:[^:]+:$/);
    for (const token of [neighbour.token, platform.tokens.platform, platform.tokens.BankAMSP]) {
      expect((await api.call('/whoami', token)).status).toBe(200);
    }
    expect((await api.call('/ping')).status).toBe(200);
    expect(await api.metrics()).toMatch(/securepay_api_rate_limited_total\{credential="user"\} 20/);
  });

  it('a garbage token buys no budget of its own: it is counted against its address, with requests that carry none', async () => {
    const api = await startApi({
      rateLimits: { windowMs: 60_000, operator: 1_000, user: 1_000, address: 5 },
      lockout: { ...defaultLockoutPolicy, failuresToLock: 1_000, baseDelayMs: 0 },
      counters: new MemoryFailureCounters(),
    });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await api.call('/whoami', garbage())).status);
    statuses.push((await api.call('/ping')).status);
    statuses.push((await api.call('/whoami', garbage())).status, (await api.call('/ping')).status);
    expect(statuses).toEqual([401, 401, 401, 401, 200, 429, 429]);
    // A valid token has its own budget, whatever the address spent.
    expect((await api.call('/whoami', platform.tokens.platform)).status).toBe(200);
  });
});
