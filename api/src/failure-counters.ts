import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

/**
 * Where failed authentications and lockouts are counted, by subject (a client address). Shared by
 * every API process of the platform, so that an address locked out by one is locked out by all.
 */
export interface FailureCounters {
  /** Counts one failure of `subject`; returns how many it has had since the first of this window. */
  fail(subject: string, windowMs: number): Promise<number>;
  /** Locks `subject` out for `ms` and forgets its failures. */
  lock(subject: string, ms: number): Promise<void>;
  /** How much longer `subject` is locked out, in ms; 0 when it is not. */
  lockedFor(subject: string): Promise<number>;
  /** How many subjects are locked out now. */
  lockedCount(): Promise<number>;
}

/** Counts one failure and starts its window at the first: one round trip, atomic. */
const countFailure = `
local n = redis.call('incr', KEYS[1])
if n == 1 then redis.call('pexpire', KEYS[1], ARGV[1]) end
return n`;

/**
 * In the platform's own key prefix on Redis (its ACL user reaches nothing else), with the commands
 * BullMQ already needs: `eval`, `incr`, `pexpire`, `set`, `pttl`, `del` and a sorted set of locks by
 * their end, for the gauge of locked clients.
 */
export class RedisFailureCounters implements FailureCounters {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(kind: 'failures' | 'lock', subject: string): string {
    return `${this.prefix}:api:auth:${kind}:${subject}`;
  }

  private get locks(): string {
    return `${this.prefix}:api:auth:locks`;
  }

  async fail(subject: string, windowMs: number): Promise<number> {
    return Number(await this.redis.eval(countFailure, 1, this.key('failures', subject), String(windowMs)));
  }

  async lock(subject: string, ms: number): Promise<void> {
    await this.redis
      .multi()
      .set(this.key('lock', subject), '1', 'PX', ms)
      .zadd(this.locks, Date.now() + ms, subject)
      .del(this.key('failures', subject))
      .exec();
  }

  async lockedFor(subject: string): Promise<number> {
    return Math.max(0, await this.redis.pttl(this.key('lock', subject)));
  }

  async lockedCount(): Promise<number> {
    await this.redis.zremrangebyscore(this.locks, '-inf', Date.now());
    return this.redis.zcard(this.locks);
  }
}

/** One process's own counters: what is counted while Redis cannot be reached. */
export class MemoryFailureCounters implements FailureCounters {
  private readonly failures = new Map<string, { count: number; until: number }>();
  private readonly locks = new Map<string, number>();

  async fail(subject: string, windowMs: number): Promise<number> {
    const now = Date.now();
    const held = this.failures.get(subject);
    const entry = held && held.until > now ? { ...held, count: held.count + 1 } : { count: 1, until: now + windowMs };
    this.failures.set(subject, entry);
    this.sweep(now);
    return entry.count;
  }

  async lock(subject: string, ms: number): Promise<void> {
    this.locks.set(subject, Date.now() + ms);
    this.failures.delete(subject);
  }

  async lockedFor(subject: string): Promise<number> {
    return Math.max(0, (this.locks.get(subject) ?? 0) - Date.now());
  }

  async lockedCount(): Promise<number> {
    this.sweep(Date.now());
    return this.locks.size;
  }

  /** Forgets what has expired, so that a scan from many addresses cannot grow the maps without end. */
  private sweep(now: number): void {
    for (const [subject, entry] of this.failures) if (entry.until <= now) this.failures.delete(subject);
    for (const [subject, until] of this.locks) if (until <= now) this.locks.delete(subject);
  }
}

/** How often a Redis outage is logged while it lasts. */
const outageLogEveryMs = 60_000;

/**
 * Redis's counters while Redis answers, this process's own while it does not: a lockout must not
 * fail open because Redis is down, nor take the API down with it. What was counted locally during an
 * outage stays local (an outage forgives at most a window's worth of failures elsewhere).
 */
export class ResilientFailureCounters implements FailureCounters {
  private lastLogged = 0;

  constructor(
    private readonly shared: FailureCounters,
    private readonly local: FailureCounters,
    private readonly log: Logger,
  ) {}

  private async either<T>(run: (counters: FailureCounters) => Promise<T>): Promise<T> {
    try {
      return await run(this.shared);
    } catch (error) {
      if (Date.now() - this.lastLogged > outageLogEveryMs) {
        this.lastLogged = Date.now();
        this.log.warn({ err: error }, 'authentication failures are counted in this process only: Redis does not answer');
      }
      return run(this.local);
    }
  }

  fail(subject: string, windowMs: number): Promise<number> {
    return this.either((c) => c.fail(subject, windowMs));
  }

  async lock(subject: string, ms: number): Promise<void> {
    // Locally too: should Redis go away, this process still refuses the client.
    await this.local.lock(subject, ms);
    await this.either((c) => c.lock(subject, ms));
  }

  async lockedFor(subject: string): Promise<number> {
    const [shared, local] = await Promise.all([this.either((c) => c.lockedFor(subject)), this.local.lockedFor(subject)]);
    return Math.max(shared, local);
  }

  lockedCount(): Promise<number> {
    return this.either((c) => c.lockedCount());
  }
}
