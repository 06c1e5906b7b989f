import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import { ApiError } from './api-error';
import type { FailureCounters } from './failure-counters';
import { answerToFailure, type FailureAnswer, type LockoutPolicy } from './lockout-policy';

/** A client locked out after repeated failed authentication: `429 LOCKED_OUT` with `Retry-After`. */
export class LockedOut extends ApiError {
  override readonly retryAfterSeconds: number;
  constructor(lockedForMs: number) {
    const seconds = Math.max(1, Math.ceil(lockedForMs / 1000));
    super(429, 'LOCKED_OUT', `too many failed authentications from this address: locked out for ${seconds} s more`);
    this.retryAfterSeconds = seconds;
  }
}

/**
 * Failed authentication, counted per client address (a bearer token names no user, so a failed one
 * cannot be told to target one): slowed, then locked out, logged without the token, and counted in
 * `/metrics`.
 */
export class AuthGuard {
  private readonly failures: Counter<'outcome'>;
  private readonly refusals: Counter;

  constructor(
    private readonly counters: FailureCounters,
    readonly policy: LockoutPolicy,
    registry: Registry,
    private readonly log: Logger,
  ) {
    this.failures = new Counter({
      name: 'securepay_api_auth_failures_total',
      help: 'Failed bearer-token authentications, by what they brought (slowed or locked)',
      labelNames: ['outcome'],
      registers: [registry],
    });
    this.refusals = new Counter({
      name: 'securepay_api_auth_locked_refusals_total',
      help: 'Requests refused because their client address was locked out',
      registers: [registry],
    });
    new Gauge({
      name: 'securepay_api_auth_locked_clients',
      help: 'Client addresses locked out now (across every API process sharing the Redis)',
      registers: [registry],
      collect: async function (this: Gauge) {
        this.set(await counters.lockedCount().catch(() => 0));
      },
    });
  }

  /** Refuses a locked-out client: throws `LockedOut`. */
  async check(client: string): Promise<void> {
    const lockedFor = await this.counters.lockedFor(client);
    if (lockedFor <= 0) return;
    this.refusals.inc();
    throw new LockedOut(lockedFor);
  }

  /** Counts a failed authentication by `client`; says how it is to be answered. */
  async failed(client: string): Promise<FailureAnswer> {
    const count = await this.counters.fail(client, this.policy.windowMs);
    const answer = answerToFailure(count, this.policy);
    this.failures.inc({ outcome: answer.kind });
    if (answer.kind === 'locked') {
      await this.counters.lock(client, answer.lockedForMs);
      this.log.warn({ client, failures: count, lockedForMs: answer.lockedForMs }, 'client locked out after failed authentications');
    } else {
      this.log.info({ client, failures: count, delayMs: answer.delayMs }, 'authentication failed');
    }
    return answer;
  }
}
