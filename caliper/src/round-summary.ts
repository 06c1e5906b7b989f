import { percentile } from '@securepay/network/bench/stats';
import { cpuByGroup, type CpuWindow, type GroupRoot } from './cpu-groups';
import type { RoundOutcome } from './round-file';

/** A group's CPU over a round's measured phase, also per successful transaction and per completed order. */
export type RoundCpu = Omit<CpuWindow, 'groups'> & {
  /** All CPU busy on the machine (other users' included) per successful transaction. */
  machineMsPerTx: number;
  groups: { group: string; cpuSeconds: number; cores: number; msPerTx: number; msPerOrder?: number }[];
};

/** A prepared pool over one round, summed over the workers. */
export interface PoolFigures {
  wanted: number;
  available: number;
  prepared: number;
  /** Orders that took a step in the round (warm-up included): the pool's use. */
  used: number;
  left: number;
  ranDry: boolean;
  ranDryInWarmUp: boolean;
}

export interface RoundSummary {
  label: string;
  flow: string;
  succeeded: number;
  failed: number;
  /** Successful transactions per second, from the first send to the last answer. */
  goodputTps: number;
  /** Attempted transactions per second over the same span. */
  sendRateTps: number;
  avgLatencyMs: number;
  p50LatencyMs: number;
  p99LatencyMs: number;
  /** Orders that reached ESCROWED per second (the batched-approval round only). */
  escrowedPerSecond?: number;
  /** Orders that completed the round's last step, and per second (flows that carry orders). */
  ordersCompleted?: number;
  ordersPerSecond?: number;
  /** Closed loop: transactions kept in flight. Open loop: orders offered per second, and the transactions their steps make. */
  load?: number;
  offeredOrdersPerSecond?: number;
  offeredTps?: number;
  cpu?: RoundCpu;
  pool?: PoolFigures;
  blockSize: number;
  batchTimeout: string;
}

export interface RoundIdentity {
  label: string;
  flow: string;
  load?: number;
  /** Open loop: orders offered per second, each of `stepsPerOrder` steps, over a fixed window of `measuredSeconds`. */
  offeredOrdersPerSecond?: number;
  stepsPerOrder?: number;
  measuredSeconds?: number;
  /** The step that completes an order in this flow; none for Noop. */
  finalStep?: string;
}

/**
 * A round's figures from the workers' own records of every transaction (Caliper's report has no
 * percentiles), warm-up phase and idle probes left out; CPU per process group when the worker took
 * snapshots and the groups' roots are known.
 */
export function summariseRound(
  round: RoundIdentity,
  outcome: RoundOutcome,
  batch: { maxMessageCount: number; batchTimeout: string },
  cpuContext?: { roots: readonly GroupRoot[]; ticksPerSecond: number },
): RoundSummary {
  const { label, flow } = round;
  // Open loop: what completed inside the fixed measured window (arrivals stop at its end; the
  // drain after it would dilute the rate). Closed loop: first send to last answer, warm-up left out.
  const from = outcome.measureFrom;
  const fixed = round.offeredOrdersPerSecond !== undefined && round.measuredSeconds !== undefined && from !== undefined;
  const records = fixed
    ? outcome.records.filter((r) => r.step !== 'idle' && r.end >= from && r.end <= from + round.measuredSeconds! * 1000)
    : outcome.records.filter((r) => !r.warm && r.step !== 'idle');
  if (records.length === 0) throw new Error(`round ${label} recorded no measured transactions`);
  const ok = records.filter((r) => r.ok);
  const seconds = fixed
    ? round.measuredSeconds!
    : (Math.max(...records.map((r) => r.end)) - Math.min(...records.map((r) => r.start))) / 1000;
  const latencies = ok.map((r) => r.end - r.start);
  const round1 = (n: number): number => Math.round(n * 10) / 10;
  const completed =
    round.finalStep === undefined ? undefined : ok.filter((r) => r.step === round.finalStep).reduce((sum, r) => sum + r.orders, 0);
  return {
    label,
    flow,
    succeeded: ok.length,
    failed: records.length - ok.length,
    goodputTps: round1(ok.length / seconds),
    sendRateTps: round1(records.length / seconds),
    avgLatencyMs: latencies.length ? Math.round(latencies.reduce((a, b) => a + b, 0) / latencies.length) : 0,
    p50LatencyMs: latencies.length ? percentile(latencies, 50) : 0,
    p99LatencyMs: latencies.length ? percentile(latencies, 99) : 0,
    ...(flow === 'endorse-batch' && completed !== undefined ? { escrowedPerSecond: round1(completed / seconds) } : {}),
    ...(completed !== undefined ? { ordersCompleted: completed, ordersPerSecond: round1(completed / seconds) } : {}),
    ...(round.load !== undefined ? { load: round.load } : {}),
    ...(round.offeredOrdersPerSecond !== undefined
      ? {
          offeredOrdersPerSecond: round.offeredOrdersPerSecond,
          offeredTps: round1(round.offeredOrdersPerSecond * (round.stepsPerOrder ?? 1)),
        }
      : {}),
    ...(outcome.cpu && cpuContext ? { cpu: roundCpu(outcome, cpuContext, ok.length, completed) } : {}),
    ...(outcome.pools.length > 0 ? { pool: poolFigures(outcome) } : {}),
    blockSize: batch.maxMessageCount,
    batchTimeout: batch.batchTimeout,
  };
}

function roundCpu(
  outcome: RoundOutcome,
  context: { roots: readonly GroupRoot[]; ticksPerSecond: number },
  transactions: number,
  orders: number | undefined,
): RoundCpu {
  const window = cpuByGroup(outcome.cpu!.start, outcome.cpu!.end, context.roots, context.ticksPerSecond);
  const perUnit = (cpuSeconds: number, units: number): number => Math.round((cpuSeconds / units) * 1000 * 100) / 100;
  return {
    ...window,
    machineMsPerTx: transactions > 0 ? perUnit(window.machineBusyCores * window.seconds, transactions) : 0,
    groups: window.groups.map((g) => ({
      ...g,
      msPerTx: transactions > 0 ? perUnit(g.cpuSeconds, transactions) : 0,
      ...(orders ? { msPerOrder: perUnit(g.cpuSeconds, orders) } : {}),
    })),
  };
}

function poolFigures(outcome: RoundOutcome): PoolFigures {
  const sum = (pick: (p: RoundOutcome['pools'][number]) => number): number => outcome.pools.reduce((s, p) => s + pick(p), 0);
  return {
    wanted: sum((p) => p.wanted),
    available: sum((p) => p.available),
    prepared: sum((p) => p.prepared),
    used: sum((p) => p.touched),
    left: sum((p) => p.left),
    ranDry: outcome.pools.some((p) => p.ranDry),
    ranDryInWarmUp: outcome.pools.some((p) => p.ranDryInWarmUp),
  };
}
