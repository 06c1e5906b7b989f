import { median } from '@securepay/network/bench/stats';
import type { RoundCpu, RoundSummary } from './round-summary';

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
    // Figures only some rounds have (the batched round's escrow rate, a sweep point's load …): the
    // median of the runs that measured them.
    const optional = (pick: (r: RoundSummary) => number | undefined): number | undefined => {
      const values = same.flatMap((r) => {
        const value = pick(r);
        return value === undefined ? [] : [value];
      });
      return values.length ? round1(median(values)) : undefined;
    };
    const figures = {
      escrowedPerSecond: optional((r) => r.escrowedPerSecond),
      ordersPerSecond: optional((r) => r.ordersPerSecond),
      load: optional((r) => r.load),
      offeredTps: optional((r) => r.offeredTps),
      offeredOrdersPerSecond: optional((r) => r.offeredOrdersPerSecond),
    };
    const cpu = medianCpu(same.flatMap((r) => (r.cpu ? [r.cpu] : [])));
    const pools = same.flatMap((r) => (r.pool ? [r.pool] : []));
    return {
      ...medianOfRuns(same),
      sendRateTps: round1(median(same.map((r) => r.sendRateTps))),
      ...Object.fromEntries(Object.entries(figures).filter(([, v]) => v !== undefined)),
      ...(cpu ? { cpu } : {}),
      // A pool that ran dry in any run must show.
      ...(pools.length
        ? { pool: { ...pools[0]!, ranDry: pools.some((p) => p.ranDry), ranDryInWarmUp: pools.some((p) => p.ranDryInWarmUp) } }
        : {}),
    };
  });
}

/** Each group's CPU figures as the median of the runs that measured them. */
export function medianCpu(cpus: readonly RoundCpu[]): RoundCpu | undefined {
  const first = cpus[0];
  if (!first) return undefined;
  const mid = (values: number[]): number => Math.round(median(values) * 1000) / 1000;
  return {
    seconds: mid(cpus.map((c) => c.seconds)),
    machineBusyCores: mid(cpus.map((c) => c.machineBusyCores)),
    unattributedCpuSeconds: mid(cpus.map((c) => c.unattributedCpuSeconds)),
    machineMsPerTx: mid(cpus.map((c) => c.machineMsPerTx)),
    groups: first.groups.map(({ group }) => {
      const same = cpus.flatMap((c) => c.groups.filter((g) => g.group === group));
      const perOrder = same.flatMap((g) => (g.msPerOrder === undefined ? [] : [g.msPerOrder]));
      return {
        group,
        cpuSeconds: mid(same.map((g) => g.cpuSeconds)),
        cores: mid(same.map((g) => g.cores)),
        msPerTx: mid(same.map((g) => g.msPerTx)),
        ...(perOrder.length ? { msPerOrder: mid(perOrder) } : {}),
      };
    }),
  };
}

/** The median of a figure each run measured against its own baseline (ratios within a run, never across). */
export function medianRatio(perRun: readonly number[]): number {
  return Math.round(median(perRun) * 100) / 100;
}
