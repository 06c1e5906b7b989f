import { afterFailure, shouldPause, type RetryPolicy } from './webhook-retry';

const policy: RetryPolicy = { baseMs: 5_000, maxMs: 3_600_000, retryForMs: 86_400_000 };
const t0 = new Date(Date.UTC(2030, 0, 1));
const at = (ms: number): Date => new Date(t0.getTime() + ms);

describe('webhook retries', () => {
  it('doubles from the base up to the cap', () => {
    const delays = [0, 1, 2, 3, 9, 10, 11, 40].map((failedBefore) => {
      const next = afterFailure(t0, failedBefore, t0, policy);
      return next.kind === 'retry' ? next.at.getTime() - t0.getTime() : 'park';
    });
    expect(delays).toEqual([5_000, 10_000, 20_000, 40_000, 2_560_000, 3_600_000, 3_600_000, 3_600_000]);
  });

  it('retries for a day from the first failure, the last try at the window’s end, then parks', () => {
    // Follow the schedule from the first failure: every retry time is inside the day, and it parks after.
    let now = t0;
    let failed = 0;
    const times: Date[] = [];
    for (;;) {
      const next = afterFailure(t0, failed, now, policy);
      if (next.kind === 'park') break;
      times.push(next.at);
      now = next.at;
      failed++;
    }
    expect(times.length).toBeGreaterThan(20);
    expect(times.length).toBeLessThan(40);
    expect(times.every((t, i) => i === 0 || t > times[i - 1]!)).toBe(true);
    expect(times[times.length - 1]).toEqual(at(policy.retryForMs));
    expect(afterFailure(t0, 3, at(policy.retryForMs - 1), policy)).toEqual({ kind: 'retry', at: at(policy.retryForMs) });
  });

  it('pauses only after enough failures in a row over long enough', () => {
    const pause = { failures: 10, afterMs: 60_000 };
    expect(shouldPause({ failures: 10, failingSince: t0 }, at(60_000), pause)).toBe(true);
    expect(shouldPause({ failures: 9, failingSince: t0 }, at(3_600_000), pause)).toBe(false);
    expect(shouldPause({ failures: 100, failingSince: t0 }, at(59_999), pause)).toBe(false);
    expect(shouldPause({ failures: 100, failingSince: null }, at(3_600_000), pause)).toBe(false);
  });
});
