/** How a failed delivery is tried again: delays doubling from `baseMs` up to `maxMs`, for `retryForMs` from the first failure. */
export interface RetryPolicy {
  baseMs: number;
  maxMs: number;
  retryForMs: number;
}

/** When a subscription whose every attempt fails is paused: `failures` in a row, over at least `afterMs`. */
export interface PausePolicy {
  failures: number;
  afterMs: number;
}

export type AfterFailure = { kind: 'retry'; at: Date } | { kind: 'park' };

/**
 * What follows a failed attempt. `retryFrom` is when the window's first attempt failed (this one, if
 * it is the first) and `failedBefore` how many failed in the window before this one. The delay is
 * base·2^failedBefore, capped; the last try lands on the window's end; after it the delivery is parked.
 */
export function afterFailure(retryFrom: Date, failedBefore: number, now: Date, policy: RetryPolicy): AfterFailure {
  const windowEnd = retryFrom.getTime() + policy.retryForMs;
  if (now.getTime() >= windowEnd) return { kind: 'park' };
  // 2^30 already passes any sensible cap; beyond it the doubling would only overflow.
  const delay = Math.min(policy.baseMs * 2 ** Math.min(failedBefore, 30), policy.maxMs);
  return { kind: 'retry', at: new Date(Math.min(now.getTime() + delay, windowEnd)) };
}

/**
 * The pause rule: a subscription is paused when its last `failures` attempts all failed and the
 * first of them is at least `afterMs` old. Both must hold: a burst of failures in a short outage
 * does not pause it, nor does one slow failure a day.
 */
export function shouldPause(streak: { failures: number; failingSince: Date | null }, now: Date, policy: PausePolicy): boolean {
  if (!streak.failingSince || streak.failures < policy.failures) return false;
  return now.getTime() - streak.failingSince.getTime() >= policy.afterMs;
}
