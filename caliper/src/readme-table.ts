import { readFileSync, writeFileSync } from 'node:fs';
import { format, resolveConfig } from 'prettier';
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
    rounds: RepeatedRound[];
    baseline: { goodputTps: number; goodputTpsByRun: number[]; avgLatencyMs: number; failed: number };
    settlementLatency: { orders: number; medianMs: number; p99Ms: number };
    ratios: { fullOverNoop: number; fullOverNoopByRun: number[]; fullOverCentralized: number; paperFullOverCentralized: number };
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
      `| ${r.label} | ${r.blockSize} / ${r.batchTimeout} | ${r.succeeded} | ${r.failed} | ${r.goodputTps}${spread(r.goodputTpsByRun)}${r.escrowedPerSecond !== undefined ? ` (${r.escrowedPerSecond} orders escrowed/s)` : ''} | ${r.avgLatencyMs} | ${r.p50LatencyMs} | ${r.p99LatencyMs} | ${paperOf[r.flow] && !/ b\d/.test(r.label) ? paperOf[r.flow] : ''} |`,
  );
  const table = [
    `Run of ${summary.date.slice(0, 16).replace('T', ' ')} UTC${summary.quick ? ' (quick)' : ''} on the ${summary.profile} network; goodput = successful transactions per second.` +
      (summary.runs > 1
        ? ` Each figure is the median of ${summary.runs} runs (goodput's range in brackets); succeeded and failed are totals over the runs; ratios are taken within each run, then their median.`
        : ''),
    '',
    '| round | block size / timeout | succeeded | failed | goodput TPS | avg ms | p50 ms | p99 ms | paper |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
    `| centralized baseline (PostgreSQL) | — | | ${summary.baseline.failed} | ${summary.baseline.goodputTps}${spread(summary.baseline.goodputTpsByRun)} | ${summary.baseline.avgLatencyMs} | | | ${p.centralized} TPS |`,
    '',
    `Full workflow / Noop: **${summary.ratios.fullOverNoop}**${spread(summary.ratios.fullOverNoopByRun)}. Full workflow / centralized: **${summary.ratios.fullOverCentralized}** (paper: ${summary.ratios.paperFullOverCentralized}).`,
    `Confirmation → merchant paid (API + bridges, ${summary.settlementLatency.orders} orders): median ${summary.settlementLatency.medianMs} ms, p99 ${summary.settlementLatency.p99Ms} ms.`,
    ...comparisonTable(summary.profileComparison),
  ].join('\n');
  const text = readFileSync(readme, 'utf8');
  const before = text.includes(start) ? text.slice(0, text.indexOf(start)) : `${text.trimEnd()}\n\n## Latest results\n\n`;
  const after = text.includes(end) ? text.slice(text.indexOf(end) + end.length) : '\n';
  // Formatted as the repository's lint expects, so a bench run leaves `npm test` green.
  const options = (await resolveConfig(readme)) ?? {};
  writeFileSync(readme, await format(`${before}${start}\n${table}\n${end}${after}`, { ...options, filepath: readme }));
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
