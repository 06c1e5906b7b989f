import type { RoundSummary } from './round-summary';
import { medianOfRuns, medianRatio, medianRounds } from './run-medians';

const round = (label: string, goodputTps: number, extra: Partial<RoundSummary> = {}): RoundSummary => ({
  label,
  flow: label,
  succeeded: 100,
  failed: 0,
  goodputTps,
  sendRateTps: goodputTps,
  avgLatencyMs: 1000 / goodputTps,
  p50LatencyMs: 900 / goodputTps,
  p99LatencyMs: 2000 / goodputTps,
  blockSize: 500,
  batchTimeout: '250ms',
  ...extra,
});

describe('medianRounds', () => {
  it('takes each figure as the median of the runs and keeps every run’s goodput', () => {
    const [full] = medianRounds([[round('full', 50)], [round('full', 70)], [round('full', 40)]]);
    expect(full).toMatchObject({ label: 'full', runs: 3, goodputTps: 50, goodputTpsByRun: [50, 70, 40], avgLatencyMs: 20 });
  });

  it('sums successes and failures over the runs, so a single failing run shows', () => {
    const [full] = medianRounds([[round('full', 50)], [round('full', 50, { failed: 2 })], [round('full', 50)]]);
    expect(full).toMatchObject({ succeeded: 300, failed: 2 });
  });

  it('medians the batched round’s escrow rate only where runs measured it', () => {
    const runs = [1, 3, 2].map((n) => [round('batch', 10, { escrowedPerSecond: n * 100 }), round('noop', 60)]);
    const [batch, noop] = medianRounds(runs);
    expect(batch!.escrowedPerSecond).toBe(200);
    expect(noop).not.toHaveProperty('escrowedPerSecond');
  });

  it('refuses runs whose rounds differ, naming them', () => {
    expect(() => medianRounds([[round('full', 50)], [round('dispute', 50)]])).toThrow(/run 2 has rounds \[dispute\]/);
    expect(() => medianRounds([])).toThrow(/no runs/);
  });
});

describe('medianOfRuns', () => {
  it('folds any measured workload, such as the centralized baseline, the same way as a round', () => {
    const baseline = (goodputTps: number, failed = 0) => ({
      succeeded: 10,
      failed,
      goodputTps,
      avgLatencyMs: goodputTps / 10,
      p50LatencyMs: 1,
      p99LatencyMs: 2,
    });
    expect(medianOfRuns([baseline(3900), baseline(4600, 1), baseline(3400)])).toEqual({
      runs: 3,
      succeeded: 30,
      failed: 1,
      goodputTps: 3900,
      goodputTpsByRun: [3900, 4600, 3400],
      avgLatencyMs: 390,
      p50LatencyMs: 1,
      p99LatencyMs: 2,
    });
  });
});

describe('medianRatio', () => {
  it('is the median of ratios taken within each run, to two places', () => {
    expect(medianRatio([0.851, 0.7, 0.912])).toBe(0.85);
  });
});
