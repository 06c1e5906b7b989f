import { randomBytes, randomUUID } from 'node:crypto';
import { ContractRefusal } from '@securepay/client';
import { createApp } from './app';
import { MemoryFailureCounters } from './failure-counters';
import { HttpMetrics } from './http-metrics';
import { defaultLockoutPolicy } from './lockout-policy';
import type { TimelineStep } from './order-view';
import { defaultRateLimits } from './rate-limits';
import type { Route } from './routes';
import { orderIdParams } from './schemas';
import { ServiceUnavailable } from './service-unavailable';
import { recovering, stepsSince } from './step-recovery';
import { capturedLog, listen, startTestPlatform, type TestPlatform } from './test-platform';

/**
 * A step whose transaction commits but whose answer is lost (the peer went away after the commit):
 * the idempotency row in the real database, the recovery over HTTP. The chain stands in as a timeline
 * per order that the step appends to, refusing a second approval as the contract does.
 */
let platform: TestPlatform;
let api: { url: string; close(): Promise<void> };
const timelines = new Map<string, TimelineStep[]>();
/** Orders whose next approval commits and then fails to answer, as a dead peer would make it. */
const loseAnswer = new Set<string>();
let attempts = 0;

const approveRoute: Route = {
  method: 'post',
  path: '/orders/:orderId/approve',
  summary: 'approve',
  tag: 'orders',
  access: 'authenticated',
  params: orderIdParams,
  handle: (input) => {
    const orderId = input.params.orderId!;
    const run = async () => {
      attempts++;
      const timeline = timelines.get(orderId) ?? [];
      if (timeline.some((s) => s.action === 'approve'))
        throw new ContractRefusal('ALREADY_DONE', `platform already decided on order ${orderId}`);
      const txId = randomBytes(32).toString('hex');
      timeline.push({
        action: 'approve',
        from: 'PROPOSED',
        to: 'PROPOSED',
        at: new Date().toISOString(),
        txId,
        blockNumber: '77',
        by: { role: 'platform', mspId: 'PlatformMSP' },
      });
      timelines.set(orderId, timeline);
      if (loseAnswer.delete(orderId)) throw new ServiceUnavailable('PEER_UNAVAILABLE', 'BankBMSP', 'the peer of BankBMSP did not answer');
      return { orderId, state: 'PROPOSED', txId, blockNumber: '77' };
    };
    return recovering(run, {
      view: async () => ({ orderId, timeline: timelines.get(orderId) ?? [] }),
      caller: input.caller!,
      action: 'approve',
      since: stepsSince(input),
    });
  },
};

beforeAll(async () => {
  platform = await startTestPlatform(55932);
  const app = createApp({
    routes: [approveRoute],
    users: platform.users,
    pool: platform.pool,
    metrics: new HttpMetrics(),
    health: async () => ({ status: 'ok' }),
    log: capturedLog().log,
    rateLimits: defaultRateLimits,
    authFailures: new MemoryFailureCounters(),
    lockout: defaultLockoutPolicy,
    dependencies: { endpoints: new Map() },
    allowIps: [],
    denyIps: [],
    version: 'test',
  });
  api = await listen(app);
}, 120_000);
afterAll(async () => {
  await api?.close();
  await platform?.close();
});

const approve = async (orderId: string, key: string) => {
  const response = await fetch(`${api.url}/orders/${orderId}/approve`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${platform.tokens.platform}`, 'Idempotency-Key': key, 'Content-Type': 'application/json' },
    body: '{}',
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Record<string, unknown> & { error?: { code: string; message: string } },
  };
};
const row = async (key: string) =>
  (
    await platform.db.owner.query<{ status: number | null; failed_at: Date | null; first_seen_at: Date }>(
      'select status, failed_at, first_seen_at from platform.idempotency where scope = $1 and key = $2',
      ['platform', key],
    )
  ).rows[0];

describe('a retry after a 503 completes the step exactly once', () => {
  it('answers the committed step as done, with its transaction, then replays that answer', async () => {
    const orderId = `o-${randomUUID()}`;
    const key = `approve-${randomUUID()}`;
    loseAnswer.add(orderId);
    const first = await approve(orderId, key);
    expect([first.status, first.body.error?.code, first.headers.get('retry-after')]).toEqual([503, 'PEER_UNAVAILABLE', '5']);
    expect(first.body.error?.message).toContain('BankBMSP');
    const failed = await row(key);
    expect(failed).toMatchObject({ status: null, failed_at: expect.any(Date) });

    const retry = await approve(orderId, key);
    const committed = timelines.get(orderId)!;
    expect(committed).toHaveLength(1);
    expect([retry.status, retry.body]).toEqual([200, { orderId, state: 'PROPOSED', txId: committed[0]!.txId, blockNumber: '77' }]);
    expect(await row(key)).toMatchObject({ status: 200, failed_at: null, first_seen_at: failed!.first_seen_at });

    const replay = await approve(orderId, key);
    expect([replay.status, replay.headers.get('idempotent-replayed'), replay.body]).toEqual([200, 'true', retry.body]);
    expect(timelines.get(orderId)).toHaveLength(1);
  });

  it('a new request for a step taken before it is still refused as already done', async () => {
    const orderId = `o-${randomUUID()}`;
    expect((await approve(orderId, `approve-${randomUUID()}`)).status).toBe(200);
    const again = await approve(orderId, `approve-${randomUUID()}`);
    expect([again.status, again.body.error?.code]).toEqual([409, 'ALREADY_DONE']);
  });

  it('a retry whose first attempt committed nothing runs the step, once', async () => {
    const orderId = `o-${randomUUID()}`;
    const key = `approve-${randomUUID()}`;
    const before = attempts;
    loseAnswer.add(orderId);
    expect((await approve(orderId, key)).status).toBe(503);
    // Its transaction never made it into a block after all (the orderer went down with it).
    timelines.set(orderId, []);
    const retry = await approve(orderId, key);
    expect(retry.status).toBe(200);
    expect(timelines.get(orderId)).toHaveLength(1);
    expect(retry.body.txId).toBe(timelines.get(orderId)![0]!.txId);
    expect(attempts - before).toBe(2);
  });
});
