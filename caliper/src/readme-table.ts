import { readFileSync, writeFileSync } from 'node:fs';
import { format, resolveConfig } from 'prettier';
import { groupOrder } from './process-groups';
import { loadLabel, type OrdersFigure } from './orders-suite';
import type { RepeatedRound } from './run-medians';

/** Stage rounds measured on further profiles in the same runs, beside the first profile's. */
export interface ProfileComparison {
  base: string;
  profiles: {
    profile: string;
    rounds: (RepeatedRound & { baseGoodputTps: number; baseP50LatencyMs: number; baseP99LatencyMs: number; overBase: number })[];
  }[];
}

const start = '<!-- results:start -->';
const end = '<!-- results:end -->';

/** Rewrites the results table between the markers in caliper/README.md from a run's summary. */
export async function updateReadmeTable(
  readme: string,
  summary: {
    date: string;
    quick: boolean;
    runs: number;
    profile: string;
    profileComparison?: ProfileComparison;
    /** Whole orders end to end: shown first. */
    orders?: OrdersFigure[];
    rounds: RepeatedRound[];
    /** Every point of every load sweep and open-loop sweep. */
    points: RepeatedRound[];
    baseline?: { goodputTps: number; goodputTpsByRun: number[]; avgLatencyMs: number; failed: number };
    settlementLatency?: { orders: number; medianMs: number; p99Ms: number };
    ratios: { fullOverNoop?: number; fullOverNoopByRun?: number[]; fullOverCentralized?: number; paperFullOverCentralized: number };
    paper: {
      full: number;
      fullLatencyS: number;
      dispute: number;
      disputeLatencyS: number;
      settlementProof: number;
      settlementProofLatencyS: number;
      centralized: number;
    };
  },
): Promise<void> {
  const p = summary.paper;
  const paperOf: Record<string, string> = {
    full: `${p.full} TPS / ${p.fullLatencyS} s`,
    dispute: `${p.dispute} TPS / ${p.disputeLatencyS} s`,
    'settlement-proof': `${p.settlementProof} TPS / ${p.settlementProofLatencyS} s`,
  };
  // With several runs each figure is their median; the goodput's range shows how noisy the machine was.
  const spread = (byRun: number[]): string => (byRun.length > 1 ? ` (${Math.min(...byRun)}–${Math.max(...byRun)})` : '');
  const rows = summary.rounds.map(
    (r) =>
      `| ${r.label} | ${r.load ?? ''} | ${r.blockSize} / ${r.batchTimeout} | ${r.succeeded} | ${r.failed} | ${r.goodputTps}${spread(r.goodputTpsByRun)}${r.escrowedPerSecond !== undefined ? ` (${r.escrowedPerSecond} orders escrowed/s)` : ''} | ${r.ordersPerSecond ?? ''} | ${r.avgLatencyMs} | ${r.p50LatencyMs} | ${r.p99LatencyMs} | ${paperOf[r.flow] && !/ b\d/.test(r.label) ? paperOf[r.flow] : ''} |`,
  );
  const { baseline, settlementLatency, ratios } = summary;
  const table = [
    ...ordersTable(summary.orders ?? []),
    `Run of ${summary.date.slice(0, 16).replace('T', ' ')} UTC${summary.quick ? ' (quick)' : ''} on the ${summary.profile} network; goodput = successful transactions per second; each stage is the best point of its load sweep with zero failures ("in flight"), measured after a discarded warm-up.` +
      (summary.runs > 1
        ? ` Each figure is the median of ${summary.runs} runs (goodput's range in brackets); succeeded and failed are totals over the runs; ratios are taken within each run, then their median.`
        : ''),
    '',
    '| round | in flight | block size / timeout | succeeded | failed | goodput TPS | orders/s | avg ms | p50 ms | p99 ms | paper |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
    ...(baseline
      ? [
          `| centralized baseline (PostgreSQL) | | — | | ${baseline.failed} | ${baseline.goodputTps}${spread(baseline.goodputTpsByRun)} | | ${baseline.avgLatencyMs} | | | ${p.centralized} TPS |`,
        ]
      : []),
    '',
    ...(ratios.fullOverNoop !== undefined
      ? [
          `Full workflow / saturated Noop: **${ratios.fullOverNoop}**${spread(ratios.fullOverNoopByRun ?? [])}.` +
            (ratios.fullOverCentralized !== undefined
              ? ` Full workflow / centralized: **${ratios.fullOverCentralized}** (paper: ${ratios.paperFullOverCentralized}).`
              : ''),
        ]
      : []),
    ...(settlementLatency
      ? [
          `Confirmation → merchant paid (API + bridges, ${settlementLatency.orders} orders): median ${settlementLatency.medianMs} ms, p99 ${settlementLatency.p99Ms} ms.`,
        ]
      : []),
    ...cpuTable(summary.rounds),
    ...pointsTable(summary.points),
    ...comparisonTable(summary.profileComparison),
  ].join('\n');
  const text = readFileSync(readme, 'utf8');
  const before = text.includes(start) ? text.slice(0, text.indexOf(start)) : `${text.trimEnd()}\n\n## Latest results\n\n`;
  const after = text.includes(end) ? text.slice(text.indexOf(end) + end.length) : '\n';
  // Formatted as the repository's lint expects, so a bench run leaves `npm test` green.
  const options = (await resolveConfig(readme)) ?? {};
  writeFileSync(readme, await format(`${before}${start}\n${table}\n${end}${after}`, { ...options, filepath: readme }));
}

/**
 * Orders carried from `POST /orders` to settled money per second, first: what a platform cares about.
 * CPU per order by group says where each order's cost goes (the API, bridges, escrow agent and driver
 * share the bench's process here).
 */
function ordersTable(orders: OrdersFigure[]): string[] {
  if (orders.length === 0) return [];
  const groups = groupOrder.filter((g) => orders.some((o) => (o.cpuMsPerOrder[g] ?? 0) > 0));
  const cpu = (o: OrdersFigure): string => groups.map((g) => `${Math.round(o.cpuMsPerOrder[g] ?? 0)}`).join(' | ');
  const total = (o: OrdersFigure): number => Math.round(Object.values(o.cpuMsPerOrder).reduce((t, v) => t + v, 0));
  const two = (n: number): string => n.toFixed(2);
  const keyLevel = (o: OrdersFigure): string =>
    `${o.keyLevelValidation.signatureChecksPerOrder ?? 0} / ${o.keyLevelValidation.hashedKiBPerOrder ?? 0}`;
  const runs = (o: OrdersFigure): string => (o.eachRun.length > 1 ? ` (${o.eachRun.map((r) => two(r.ordersPerSecond)).join(', ')})` : '');
  return [
    "Orders end to end: proposal through the platform API to money settled in the ledger and the proof on-chain, with both banks' bridges, the escrow agent and the ledger running; closed loop with a fixed number of orders in flight, or open loop at an offered rate (orders started evenly, whatever is under way), after a discarded warm-up; window 0 sends every step as its own transaction. Key-level checks: the signature checks each committing peer makes per order for the orders' own endorsement policies, and the KiB it hashes for them (`validation-load.ts`).",
    '',
    `| flow | load | batch window | orders | orders/s | tx/order | completion p50 / p99 | failures | balances | key-level checks / KiB hashed per order | ${groups.join(' | ')} | CPU ms/order, all |`,
    `| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | ${groups.map(() => '---').join(' | ')} | --- |`,
    ...orders.map(
      (o) =>
        `| ${o.flow} | ${loadLabel(o)}${o.arrivalsHeld ? ` (not carried: ${o.arrivalsHeld} arrivals held)` : ''} | ${o.batchWindowMs} ms | ${o.orders} | **${two(o.ordersPerSecond)}**${runs(o)} | ${two(o.transactionsPerOrder)} | ${(o.latencyP50Ms / 1000).toFixed(1)} s / ${(o.latencyP99Ms / 1000).toFixed(1)} s | ${o.failures} | ${o.balancesExact ? 'exact' : '**NOT exact**'} | ${keyLevel(o)} | ${cpu(o)} | ${total(o)} |`,
    ),
    '',
    "Per transaction, the paper's stages:",
    '',
  ];
}

/** CPU milliseconds per successful transaction of each process group, at each stage's best point. */
function cpuTable(rounds: RepeatedRound[]): string[] {
  const measured = rounds.filter((r) => r.cpu);
  if (measured.length === 0) return [];
  const groups = groupOrder.filter((g) => measured.some((r) => r.cpu!.groups.some((c) => c.group === g && c.cpuSeconds > 0)));
  const cell = (r: RepeatedRound, group: string): string => {
    const g = r.cpu!.groups.find((c) => c.group === group);
    return g ? `${g.msPerTx}` : '';
  };
  const perOrder = (r: RepeatedRound): string => {
    const total = r.cpu!.groups.reduce((sum, g) => sum + (g.msPerOrder ?? 0), 0);
    return total > 0 ? `${Math.round(total * 10) / 10}` : '';
  };
  const machine = (r: RepeatedRound): string => `${r.cpu!.machineMsPerTx}`;
  return [
    '',
    'CPU per successful transaction (ms), per process group, over each best point\'s measured phase (from `/proc/<pid>/stat`; "machine" is all CPU busy on the machine, other users included; per order: all groups):',
    '',
    `| round | ${groups.join(' | ')} | machine | all groups per order |`,
    `| --- | ${groups.map(() => '---').join(' | ')} | --- | --- |`,
    ...measured.map((r) => `| ${r.label} | ${groups.map((g) => cell(r, g)).join(' | ')} | ${machine(r)} | ${perOrder(r)} |`),
  ];
}

/** Every sweep point: the closed-loop loads and the open-loop offered rates. */
function pointsTable(points: RepeatedRound[]): string[] {
  if (points.length === 0) return [];
  return [
    '',
    'Every point of the load sweeps (closed loop, transactions in flight) and open-loop sweeps (offered transactions/s):',
    '',
    '| point | in flight | offered TPS | goodput TPS | orders/s | failed | p50 ms | p99 ms | pool |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...points.map(
      (r) =>
        `| ${r.label} | ${r.load ?? ''} | ${r.offeredTps ?? ''} | ${r.goodputTps} | ${r.ordersPerSecond ?? ''} | ${r.failed} | ${r.p50LatencyMs} | ${r.p99LatencyMs} | ${r.pool ? `${r.pool.used} used of ${r.pool.available + r.pool.prepared}${r.pool.ranDry ? ', **ran dry**' : ''}` : ''} |`,
    ),
  ];
}

function comparisonTable(comparison: ProfileComparison | undefined): string[] {
  if (!comparison) return [];
  return comparison.profiles.flatMap(({ profile, rounds }) => [
    '',
    `The same stages on ${comparison.base} and ${profile}, in the same run (ratio taken within each run):`,
    '',
    `| round | ${comparison.base} goodput TPS | ${profile} goodput TPS | ${profile} / ${comparison.base} | ${comparison.base} p50 / p99 ms | ${profile} p50 / p99 ms | ${profile} failed |`,
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rounds.map(
      (r) =>
        `| ${r.label} | ${r.baseGoodputTps} | ${r.goodputTps} | ${r.overBase} | ${r.baseP50LatencyMs} / ${r.baseP99LatencyMs} | ${r.p50LatencyMs} / ${r.p99LatencyMs} | ${r.failed} |`,
    ),
  ]);
}
