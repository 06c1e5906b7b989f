import type { RoundSummary } from './round-summary';
import { medianCpu, medianOfRuns, medianRatio, medianRounds } from './run-medians';

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

  it('medians a sweep point’s load and orders/s, and shows a pool that ran dry in any run', () => {
    const pool = { wanted: 10, available: 0, prepared: 10, used: 5, left: 5, ranDry: false, ranDryInWarmUp: false };
    const runs = [64, 128, 128].map((load, i) => [
      round('full @load', 60, { load, ordersPerSecond: 7 + i, pool: { ...pool, ranDry: i === 2 } }),
    ]);
    const [full] = medianRounds(runs);
    expect(full).toMatchObject({ load: 128, ordersPerSecond: 8, pool: { ranDry: true } });
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

describe('medianCpu', () => {
  const cpu = (peersMsPerTx: number) => ({
    seconds: 10,
    machineBusyCores: 1.9,
    unattributedCpuSeconds: 0.5,
    machineMsPerTx: 19,
    groups: [
      { group: 'peers', cpuSeconds: peersMsPerTx, cores: peersMsPerTx / 10, msPerTx: peersMsPerTx, msPerOrder: peersMsPerTx * 8 },
      { group: 'orderers', cpuSeconds: 1, cores: 0.1, msPerTx: 1 },
    ],
  });

  it('takes each group’s figures as the median of the runs, keeping per-order figures where they exist', () => {
    const folded = medianCpu([cpu(10), cpu(14), cpu(12)])!;
    expect(folded.groups[0]).toEqual({ group: 'peers', cpuSeconds: 12, cores: 1.2, msPerTx: 12, msPerOrder: 96 });
    expect(folded.groups[1]).not.toHaveProperty('msPerOrder');
  });

  it('is nothing when no run measured CPU', () => {
    expect(medianCpu([])).toBeUndefined();
  });
});

describe('medianRatio', () => {
  it('is the median of ratios taken within each run, to two places', () => {
    expect(medianRatio([0.851, 0.7, 0.912])).toBe(0.85);
  });
});
