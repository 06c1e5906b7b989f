/**
 * How failed authentication from one client is answered: each failure within `windowMs` of the first
 * waits longer before its 401 (`baseDelayMs`, doubling, at most `maxDelayMs`), and the
 * `failuresToLock`-th locks the client out for `lockoutMs`.
 */
export interface LockoutPolicy {
  failuresToLock: number;
  windowMs: number;
  lockoutMs: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/**
 * Ten failures in 15 minutes lock a client out for 15 minutes. A 256-bit token is never guessed, so
 * these numbers are about noise — a client retrying a revoked or mistyped token in a loop, a scanner
 * — and are loose enough that a person who mistypes a token a few times is only slowed.
 */
export const defaultLockoutPolicy: LockoutPolicy = {
  failuresToLock: 10,
  windowMs: 15 * 60_000,
  lockoutMs: 15 * 60_000,
  baseDelayMs: 250,
  maxDelayMs: 4_000,
};

/** What the `failures`-th failure within the window brings: a delay before its 401, or a lockout. */
export type FailureAnswer = { kind: 'slowed'; delayMs: number } | { kind: 'locked'; lockedForMs: number };

export function answerToFailure(failures: number, policy: LockoutPolicy): FailureAnswer {
  if (failures >= policy.failuresToLock) return { kind: 'locked', lockedForMs: policy.lockoutMs };
  const delayMs = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, failures - 1));
  return { kind: 'slowed', delayMs };
}
