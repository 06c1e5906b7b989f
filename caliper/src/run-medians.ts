import { median } from '@securepay/network/bench/stats';
import type { RoundSummary } from './round-summary';

/** What every measured workload reports, Caliper round or centralized baseline alike. */
type Measured = Pick<RoundSummary, 'succeeded' | 'failed' | 'goodputTps' | 'avgLatencyMs' | 'p50LatencyMs' | 'p99LatencyMs'>;

/**
 * A workload over several runs of the bench: each figure is the median of the runs' figures, and
 * goodput keeps every run's value so the spread is visible. Failures are summed, not medianed —
 * one run that failed transactions must show.
 */
export type Repeated<T extends Measured> = T & { runs: number; goodputTpsByRun: number[] };
export type RepeatedRound = Repeated<RoundSummary>;

const round1 = (n: number): number => Math.round(n * 10) / 10;

/** The same workload as measured by each run, folded into one. */
export function medianOfRuns<T extends Measured>(same: readonly T[]): Repeated<T> {
  const first = same[0];
  if (!first) throw new Error('no runs to summarise');
  const mid = (pick: (r: T) => number): number => median(same.map(pick));
  return {
    ...first,
    runs: same.length,
    succeeded: same.reduce((sum, r) => sum + r.succeeded, 0),
    failed: same.reduce((sum, r) => sum + r.failed, 0),
    goodputTps: round1(mid((r) => r.goodputTps)),
    goodputTpsByRun: same.map((r) => r.goodputTps),
    avgLatencyMs: mid((r) => r.avgLatencyMs),
    p50LatencyMs: mid((r) => r.p50LatencyMs),
    p99LatencyMs: mid((r) => r.p99LatencyMs),
  };
}

/** `runs[i]` is run i's rounds, in the same order in every run. */
export function medianRounds(runs: readonly (readonly RoundSummary[])[]): RepeatedRound[] {
  const first = runs[0];
  if (!first) throw new Error('no runs to summarise');
  for (const [i, run] of runs.entries()) {
    const labels = run.map((r) => r.label).join(', ');
    if (labels !== first.map((r) => r.label).join(', ')) {
      throw new Error(`run ${i + 1} has rounds [${labels}], run 1 has [${first.map((r) => r.label).join(', ')}]`);
    }
  }
  return first.map((_, index) => {
    const same = runs.map((run) => run[index]!);
    const escrowed = same.flatMap((r) => (r.escrowedPerSecond === undefined ? [] : [r.escrowedPerSecond]));
    return {
      ...medianOfRuns(same),
      sendRateTps: round1(median(same.map((r) => r.sendRateTps))),
      ...(escrowed.length ? { escrowedPerSecond: round1(median(escrowed)) } : {}),
    };
  });
}

/** The median of a figure each run measured against its own baseline (ratios within a run, never across). */
export function medianRatio(perRun: readonly number[]): number {
  return Math.round(median(perRun) * 100) / 100;
}
