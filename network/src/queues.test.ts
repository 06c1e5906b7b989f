import { randomBytes } from 'node:crypto';
import { connect as connectSocket } from 'node:net';
import { DelayedError, Queue, Worker, type Job } from 'bullmq';
import IORedis, { type RedisOptions } from 'ioredis';
import { partiesOf, redisOptions, type QueueLogin } from '@securepay/ledger';
import { startScratchQueues, type ScratchQueues } from './scratch-queues';

/**
 * The parties' queues as `network:up` sets them up (default user off, a password and a key prefix
 * per party, BullMQ's commands only), on a Redis of the test's own.
 */
const parties = partiesOf([
  { mspId: 'PlatformMSP', kind: 'platform' },
  { mspId: 'BankAMSP', kind: 'bank' },
  { mspId: 'BankBMSP', kind: 'bank' },
  { mspId: 'CentralBankMSP', kind: 'centralBank' },
]);
let queues: ScratchQueues;
let bankA: QueueLogin;
let bankB: QueueLogin;
const open: IORedis[] = [];

/** A connection that reports errors to the caller instead of retrying forever. */
function connection(options: RedisOptions): IORedis {
  const redis = new IORedis({ lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, ...options });
  redis.on('error', () => undefined);
  open.push(redis);
  return redis;
}

async function refusal(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
  } catch (error) {
    return (error as Error).message;
  }
  return 'allowed';
}

beforeAll(async () => {
  queues = await startScratchQueues({ parties });
  bankA = queues.logins.get('bank-BankAMSP')!;
  bankB = queues.logins.get('bank-BankBMSP')!;
});
afterAll(async () => {
  for (const redis of open) redis.disconnect();
  await queues?.stop();
});

describe("the parties' queues", () => {
  /**
   * What a client that has not logged in gets: plain RESP over a socket, so that no client library
   * sends anything of its own first. Returns each command's first reply line.
   */
  const replies = (commands: string[][]): Promise<string[]> =>
    new Promise((resolve, reject) => {
      const socket = connectSocket({ host: '127.0.0.1', port: queues.port });
      const lines: string[] = [];
      let pending = '';
      socket.on('data', (chunk: Buffer) => {
        pending += chunk.toString('utf8');
        const complete = pending.split('\r\n');
        pending = complete.pop()!;
        lines.push(...complete.filter((l) => /^[+-]/.test(l)));
        if (lines.length >= commands.length) {
          socket.destroy();
          resolve(lines);
        }
      });
      socket.on('error', reject);
      socket.write(commands.map((c) => `*${c.length}\r\n${c.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`).join(''));
    });

  it('refuse the default user, with or without a password', async () => {
    expect(await replies([['PING'], ['SET', `${bankA.prefix}:x`, '1'], ['AUTH', 'default', 'anything'], ['AUTH', 'anything']])).toEqual([
      expect.stringMatching(/^-NOAUTH/),
      expect.stringMatching(/^-NOAUTH/),
      expect.stringMatching(/^-WRONGPASS/),
      expect.stringMatching(/^-WRONGPASS/),
    ]);
  });

  it('refuse a wrong password, and another party’s password', async () => {
    expect(
      await replies([
        ['AUTH', bankA.user, 'not-the-password'],
        ['AUTH', bankA.user, bankB.password],
        ['AUTH', bankA.user, bankA.password],
        ['PING'],
      ]),
    ).toEqual([expect.stringMatching(/^-WRONGPASS/), expect.stringMatching(/^-WRONGPASS/), '+OK', '+PONG']);
  });

  it('keep each party to its own prefix and to what BullMQ needs', async () => {
    const redis = connection(redisOptions(bankA));
    await redis.connect();
    await redis.set(`${bankA.prefix}:probe`, '1');
    expect(await redis.get(`${bankA.prefix}:probe`)).toBe('1');
    expect(await refusal(() => redis.set(`${bankB.prefix}:probe`, '1'))).toMatch(/NOPERM/);
    expect(await refusal(() => redis.get(`${bankB.prefix}:anything`))).toMatch(/NOPERM/);
    expect(await refusal(() => redis.set('bull:securepay-BankBMSP:wait', '1'))).toMatch(/NOPERM/);
    expect(await refusal(() => redis.keys('*'))).toMatch(/NOPERM/);
    expect(await refusal(() => redis.flushall())).toMatch(/NOPERM/);
    expect(await refusal(() => redis.config('GET', 'requirepass'))).toMatch(/NOPERM/);
    expect(await refusal(() => redis.acl('LIST'))).toMatch(/NOPERM/);
    // A script reaching another party's keys is refused too.
    expect(await refusal(() => redis.eval("return redis.call('get', KEYS[1])", 1, `${bankB.prefix}:probe`))).toMatch(/NOPERM/);
  });

  it('refuse a BullMQ queue under another party’s prefix', async () => {
    const queue = new Queue('securepay-BankBMSP', {
      connection: connection({ ...redisOptions(bankA), maxRetriesPerRequest: null }),
      prefix: bankB.prefix,
    });
    queue.on('error', () => undefined);
    expect(await refusal(() => queue.add('x', {}, { jobId: 'forged' }))).toMatch(/NOPERM/);
    await queue.close();
  });

  it("run a real BullMQ queue and worker with a party's own credentials: add, process, retry, delay, dead letters", async () => {
    const prefix = `${bankA.prefix}:test-${randomBytes(3).toString('hex')}`;
    const redis = (): IORedis =>
      connection({ ...redisOptions(bankA), lazyConnect: false, maxRetriesPerRequest: null, retryStrategy: undefined });
    const queue = new Queue('securepay-BankAMSP', { connection: redis(), prefix });
    const dead = new Queue('securepay-BankAMSP-dead-letter', { connection: redis(), prefix });
    const seen: string[] = [];
    let delayedOnce = false;
    const worker = new Worker(
      'securepay-BankAMSP',
      async (job: Job<{ fail?: boolean; delay?: boolean }>, token?: string) => {
        seen.push(`${job.id}#${job.attemptsMade}`);
        if (job.data.fail) throw new Error('always fails');
        if (job.data.delay && !delayedOnce) {
          delayedOnce = true;
          await job.moveToDelayed(Date.now() + 100, token);
          throw new DelayedError();
        }
        return 'done';
      },
      { connection: redis(), prefix, concurrency: 4, lockDuration: 10_000, stalledInterval: 5_000 },
    );
    const failedFinally = new Promise<void>((resolve) =>
      worker.on('failed', (job) => {
        if (job && job.attemptsMade >= 2) void dead.add('dead', { jobId: job.id }, { jobId: job.id }).then(() => resolve());
      }),
    );
    const opts = { attempts: 2, backoff: { type: 'exponential', delay: 50 }, removeOnComplete: { age: 3600 }, removeOnFail: false };
    await queue.add('ok', {}, { ...opts, jobId: 'j-ok' });
    await queue.add('delayed', { delay: true }, { ...opts, jobId: 'j-delayed' });
    await queue.add('later', {}, { ...opts, jobId: 'j-later', delay: 100 });
    await queue.add('bad', { fail: true }, { ...opts, jobId: 'j-bad' });
    await failedFinally;
    const deadline = Date.now() + 10_000;
    while ((await queue.getJobs(['completed'])).length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect((await queue.getJobs(['completed'])).map((j) => j.id).sort()).toEqual(['j-delayed', 'j-later', 'j-ok']);
    expect((await dead.getJobs(['waiting', 'delayed'])).map((j) => j.id)).toEqual(['j-bad']);
    expect(seen).toEqual(expect.arrayContaining(['j-ok#0', 'j-later#0', 'j-bad#0', 'j-bad#1']));
    // Replay, as the dead-letter tool does: the failed job goes round again. The worker is stopped
    // first, or the replayed job (which fails again) would be dead-lettered again before the check.
    await worker.close();
    const failed = await queue.getJob('j-bad');
    expect(await failed!.isFailed()).toBe(true);
    await failed!.retry('failed');
    await (await dead.getJob('j-bad'))!.remove();
    expect(await dead.getJobCounts('waiting')).toEqual({ waiting: 0 });
    expect(await (await queue.getJob('j-bad'))!.isWaiting()).toBe(true);
    await Promise.all([queue.close(), dead.close()]);
  }, 30_000);
});
