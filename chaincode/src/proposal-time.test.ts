import { OrderRefused } from './order';
import { checkProposalTime, clockBoundMs, defaultClockBoundMs } from './proposal-time';

const now = Date.UTC(2026, 10, 25, 12);

function refusalOf(proposedAt: number, bound = defaultClockBoundMs): OrderRefused | undefined {
  try {
    checkProposalTime(proposedAt, now, bound);
    return undefined;
  } catch (error) {
    if (error instanceof OrderRefused) return error;
    throw error;
  }
}

describe('a proposal dated away from the endorsing peer’s clock', () => {
  it.each([0, 1, -1, 29_999, -29_999, 30_000, -30_000])('is accepted %i ms from it', (offset) => {
    expect(refusalOf(now + offset)).toBeUndefined();
  });

  it.each([30_001, -30_001, 3_600_000, -3_600_000])('is refused %i ms from it, saying which way', (offset) => {
    const refusal = refusalOf(now + offset);
    expect(refusal?.code).toBe('CLOCK_SKEW');
    expect(refusal?.message).toContain(offset > 0 ? 'ahead of' : 'behind');
  });

  it('follows the configured bound', () => {
    expect(refusalOf(now + 5_001, 5_000)?.code).toBe('CLOCK_SKEW');
    expect(refusalOf(now + 5_000, 5_000)).toBeUndefined();
  });
});

describe('the bound an endorser applies', () => {
  it('defaults to 30 s', () => {
    expect(clockBoundMs({})).toBe(30_000);
  });

  it('takes SECUREPAY_CLOCK_BOUND_MS', () => {
    expect(clockBoundMs({ SECUREPAY_CLOCK_BOUND_MS: '10000' })).toBe(10_000);
  });

  it.each(['abc', '-5', '0', '999', '1.5', '600001'])('refuses "%s" at start rather than guess', (text) => {
    expect(() => clockBoundMs({ SECUREPAY_CLOCK_BOUND_MS: text })).toThrow(/SECUREPAY_CLOCK_BOUND_MS/);
  });
});
