import { warmUpSeconds } from './warm-up';

describe('warmUpSeconds', () => {
  it('lets an order walk all its steps at the load’s step latency', () => {
    // 8 steps × 128 in flight / 100 tx/s ≈ 10.2 s
    expect(warmUpSeconds({ stepsPerOrder: 8, load: 128, assumedTps: 100, minimum: 2 })).toBe(11);
  });

  it('never goes below the minimum', () => {
    expect(warmUpSeconds({ stepsPerOrder: 1, load: 32, assumedTps: 100, minimum: 2 })).toBe(2);
  });

  it('refuses what it cannot size', () => {
    expect(() => warmUpSeconds({ stepsPerOrder: 0, load: 32, assumedTps: 100, minimum: 2 })).toThrow(/cannot size/);
  });
});
