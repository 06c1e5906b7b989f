import { answerToFailure, defaultLockoutPolicy, type LockoutPolicy } from './lockout-policy';

describe('answerToFailure', () => {
  const policy: LockoutPolicy = { failuresToLock: 5, windowMs: 60_000, lockoutMs: 30_000, baseDelayMs: 100, maxDelayMs: 500 };

  it('slows each failure more than the last, up to the cap, then locks out at the threshold', () => {
    expect([1, 2, 3, 4].map((n) => answerToFailure(n, policy))).toEqual([
      { kind: 'slowed', delayMs: 100 },
      { kind: 'slowed', delayMs: 200 },
      { kind: 'slowed', delayMs: 400 },
      { kind: 'slowed', delayMs: 500 },
    ]);
    expect(answerToFailure(5, policy)).toEqual({ kind: 'locked', lockedForMs: 30_000 });
    expect(answerToFailure(9, policy)).toEqual({ kind: 'locked', lockedForMs: 30_000 });
  });

  it('by default, a person mistyping a token a few times waits at most a few seconds', () => {
    const delays = [1, 2, 3].map((n) => answerToFailure(n, defaultLockoutPolicy));
    expect(delays.every((d) => d.kind === 'slowed' && d.delayMs <= 1_000)).toBe(true);
    expect(answerToFailure(defaultLockoutPolicy.failuresToLock, defaultLockoutPolicy).kind).toBe('locked');
  });
});
