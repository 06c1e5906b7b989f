import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import {
  down,
  endorsingOrgs,
  Layout,
  loadNetworkConfig,
  ProcessTable,
  readConnection,
  runningProfile,
  up,
  type NetworkConfig,
} from '@securepay/network';
import { ensureChromium, serviceNames } from '@securepay/demo';
import { runCentralizedBaseline, type BaselineFigures } from './baseline';
import { recordedRounds, runCaliper, type RoundSpec } from './caliper-run';
import { barChartSvg, lineChartSvg, renderCharts } from './charts';
import { summariseRound, type RoundSummary } from './round-summary';
import { measureSettlementLatency, type SettlementLatency } from './settlement-latency';
import { medianOfRuns, medianRatio, medianRounds } from './run-medians';
import { median } from '@securepay/network/bench/stats';
import { prepareSut } from './sut';
import { load, paper, stageRounds, sweepPoints } from './plan';
import { updateReadmeTable, type ProfileComparison } from './readme-table';

const log = pino({ base: undefined }, pino.destination(2));
const caliperDir = path.resolve(__dirname, '..');
/** One worker: a second one costs the peers more CPU than it adds load (README: tuning). */
const workers = 1;

type Batch = { size: number; timeout: string };

const configWith = (profile: string, batch?: Batch): NetworkConfig =>
  loadNetworkConfig({
    profile,
    env: { ...process.env, ...(batch ? { SECUREPAY_BATCH_SIZE: String(batch.size), SECUREPAY_BATCH_TIMEOUT: batch.timeout } : {}) },
  });

/** The network of this profile with these batch settings: reused when it already has them, recreated otherwise. */
async function networkWith(profile: string, batch?: Batch): Promise<NetworkConfig> {
  const config = configWith(profile, batch);
  try {
    await up(config);
  } catch (error) {
    if (!/run npm run network:down first/.test((error as Error).message)) throw error;
    await down(loadNetworkConfig({ profile: runningProfile() }));
    await up(config);
  }
  await stopDemoServices(config);
  return config;
}

/**
 * The Caliper rounds drive the chain alone: orders with no CBDC lock behind them. A demo's banks'
 * bridges left running would reject each of them as unfunded (and its escrow agent would record
 * refusals), so they are stopped first; `npm run demo` starts them again.
 */
async function stopDemoServices(config: NetworkConfig): Promise<void> {
  const processes = new ProcessTable(new Layout(config).pidDir);
  const running = serviceNames(config.orgs.filter((o) => o.kind === 'bank').map((o) => o.mspId)).filter((name) =>
    processes.isRunning(name),
  );
  if (running.length === 0) return;
  log.info({ services: running }, "stopping the demo's services: their bridges would reject the benchmark's unfunded orders");
  for (const name of running) await processes.stop(name);
}

/**
 * Runs the rounds on the network `batch` asks for — or, resuming an interrupted run, reads the
 * records that run's Caliper already wrote for them.
 */
async function caliperRounds(
  profile: string,
  batch: Batch | undefined,
  rounds: RoundSpec[],
  outDir: string,
  resume: boolean,
): Promise<RoundSummary[]> {
  let records = resume ? recordedRounds(outDir, rounds.length) : undefined;
  const config = records ? configWith(profile, batch) : await networkWith(profile, batch);
  if (!records) {
    const layout = new Layout(config);
    const connections = new Map(endorsingOrgs(config).map((o) => [o.mspId, readConnection(layout, o.mspId)]));
    const sut = await prepareSut(connections, workers);
    records = await runCaliper({ rounds, workers, ...sut, outDir, onProgress: (line) => log.info(line) });
  } else log.info({ outDir }, 'resuming: using the transactions this run already recorded');
  const settings = { maxMessageCount: config.batch.maxMessageCount, batchTimeout: config.batch.batchTimeout };
  return rounds.map((r, i) =>
    summariseRound(
      r.label,
      r.flow,
      records![i]!.filter((t) => t.step !== 'idle'),
      settings,
    ),
  );
}

/** What one run of the bench measured; ratios are taken within the run, against its own Noop and baseline. */
interface RunFigures {
  stages: RoundSummary[];
  /** The same stage rounds on each further profile asked for (e.g. bft4 beside raft1), in the same run. */
  otherProfiles: { profile: string; stages: RoundSummary[] }[];
  sweep: RoundSummary[];
  baseline: BaselineFigures;
  settlement: SettlementLatency;
  fullOverNoop: number;
  fullOverCentralized: number;
}

/** One pass over everything: stages, the sweep, the baseline and the settlement latency. */
async function measureRun(
  runDir: string,
  profiles: string[],
  quick: boolean,
  resume: boolean,
  progress: (message: string) => void,
): Promise<RunFigures> {
  const finished = path.join(runDir, 'run.json');
  if (resume && existsSync(finished)) {
    progress('resuming: this run had finished');
    return JSON.parse(readFileSync(finished, 'utf8')) as RunFigures;
  }
  const [profile, ...others] = profiles as [string, ...string[]];
  progress(`stages and workflows on the default network (${profile})`);
  const stages = await caliperRounds(profile, undefined, stageRounds(quick), path.join(runDir, 'stages'), resume);
  const otherProfiles: RunFigures['otherProfiles'] = [];
  for (const other of others) {
    progress(`the same stages and workflows on ${other}`);
    otherProfiles.push({
      profile: other,
      stages: await caliperRounds(other, undefined, stageRounds(quick), path.join(runDir, `stages-${other}`), resume),
    });
  }

  const sweep: RoundSummary[] = [];
  for (const point of sweepPoints(quick)) {
    progress(`full workflow with MaxMessageCount ${point.size}, BatchTimeout ${point.timeout}`);
    const [full] = await caliperRounds(
      profile,
      point,
      [{ label: `full b${point.size} t${point.timeout}`, flow: 'full', txDuration: quick ? 10 : 20, load }],
      path.join(runDir, `sweep-${point.size}-${point.timeout}`),
      resume,
    );
    sweep.push(full!);
  }

  progress('centralized baseline on PostgreSQL');
  const baseline = await runCentralizedBaseline({ seconds: quick ? 10 : 30, load });
  progress('confirmation → merchant paid, through the API with both bridges');
  await networkWith(profile);
  const settlement = await measureSettlementLatency({ orders: quick ? 24 : 80, lanes: 8 });

  const goodput = (flow: string): number => stages.find((s) => s.flow === flow)!.goodputTps;
  const figures = {
    stages,
    otherProfiles,
    sweep,
    baseline,
    settlement,
    fullOverNoop: goodput('full') / goodput('noop'),
    fullOverCentralized: goodput('full') / baseline.goodputTps,
  };
  writeFileSync(finished, JSON.stringify(figures, null, 2));
  return figures;
}

/**
 * `npm run bench [-- --quick] [--runs N] [--profile raft1[,bft4…]] [--resume <dir>]`: the paper's
 * stages and workflows through Caliper, a block-size and batch-timeout sweep of the full workflow,
 * the centralized PostgreSQL baseline and the confirmation→payment latency, all on the first profile
 * (raft1 by default); the stages again on every further profile, in the same run, so they can be set
 * side by side as ratios; with `--runs N` all of it N times, reported as medians. Results in
 * caliper/results/<date>/.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      runs: { type: 'string', default: '1' },
      resume: { type: 'string' },
      profile: { type: 'string', default: 'raft1' },
    },
  });
  const profiles = values.profile!.split(',').map((p) => p.trim());
  for (const profile of profiles) loadNetworkConfig({ profile }); // an unknown profile stops here, naming the known ones
  const quick = values.quick!;
  const runCount = Number(values.runs);
  if (!Number.isInteger(runCount) || runCount < 1 || runCount > 20)
    throw new Error(`--runs must be a whole number from 1 to 20, got ${values.runs}`);
  const resume = values.resume !== undefined;
  const started = Date.now();
  const stamp = new Date().toISOString().slice(0, 16).replace(':', '');
  const suffix = `${quick ? '-quick' : ''}${values.profile === 'raft1' ? '' : `-${profiles.join('-')}`}`;
  const outDir = values.resume ? path.resolve(values.resume) : path.join(caliperDir, 'results', `${stamp}${suffix}`);
  mkdirSync(outDir, { recursive: true });

  // The ledger's PostgreSQL and the queues' Redis are the network's own: every round brings them up with it.
  ensureChromium();

  const runs: RunFigures[] = [];
  for (let i = 1; i <= runCount; i++) {
    // A single run keeps its rounds at the top of the results directory, as before repeats existed.
    const runDir = runCount === 1 ? outDir : path.join(outDir, `run-${i}`);
    const progress = (message: string): void =>
      log.info({ run: `${i}/${runCount}`, minutes: ((Date.now() - started) / 60_000).toFixed(1) }, message);
    runs.push(await measureRun(runDir, profiles, quick, resume, progress));
  }

  const stages = medianRounds(runs.map((r) => r.stages));
  const sweep = medianRounds(runs.map((r) => r.sweep));
  const find = (flow: string): RoundSummary => stages.find((s) => s.flow === flow)!;
  const mid = (pick: (r: RunFigures) => number): number => median(runs.map(pick));
  const summary = {
    date: new Date().toISOString(),
    quick,
    runs: runCount,
    profile: profiles[0]!,
    profileComparison: compareProfiles(profiles, runs),
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, memoryGiB: Math.round(os.totalmem() / 2 ** 30) },
    workers,
    rounds: [...stages, ...sweep],
    baseline: { label: 'centralized (PostgreSQL only), normal workflow', ...medianOfRuns(runs.map((r) => r.baseline)) },
    settlementLatency: {
      orders: runs.reduce((sum, r) => sum + r.settlement.orders, 0),
      medianMs: mid((r) => r.settlement.medianMs),
      p99Ms: mid((r) => r.settlement.p99Ms),
      maxMs: Math.max(...runs.map((r) => r.settlement.maxMs)),
    },
    ratios: {
      fullOverNoop: medianRatio(runs.map((r) => r.fullOverNoop)),
      fullOverNoopByRun: runs.map((r) => Math.round(r.fullOverNoop * 100) / 100),
      fullOverCentralized: medianRatio(runs.map((r) => r.fullOverCentralized)),
      paperFullOverCentralized: Math.round((paper.full / paper.centralized) * 100) / 100,
    },
    paper,
  };
  writeFileSync(path.join(outDir, 'summary.json'), JSON.stringify(summary, null, 2));

  log.info('charts');
  const bars = [
    { label: 'Noop (ceiling)', ours: find('noop').goodputTps },
    { label: 'proposal', ours: find('propose').goodputTps },
    { label: 'endorsement (1 per tx)', ours: find('endorse').goodputTps },
    { label: 'escrow (ship/deliver/confirm)', ours: find('escrow').goodputTps },
    { label: 'full workflow', ours: find('full').goodputTps, paper: paper.full },
    { label: 'dispute workflow', ours: find('dispute').goodputTps, paper: paper.dispute },
    { label: 'settlement proof', ours: find('settlement-proof').goodputTps, paper: paper.settlementProof },
    { label: 'centralized baseline', ours: summary.baseline.goodputTps, paper: paper.centralized },
  ];
  const timeouts = [...new Set(sweep.map((s) => s.batchTimeout))];
  const ofRuns = runCount > 1 ? `, median of ${runCount} runs` : '';
  await renderCharts(outDir, {
    'goodput-by-stage': barChartSvg(
      `Goodput by stage (successful tx/s${ofRuns})`,
      'transactions per second; failures are listed in summary.json',
      bars,
    ),
    'goodput-by-block-size': lineChartSvg(
      `Full workflow goodput against block size${ofRuns}`,
      'BatchSize.MaxMessageCount',
      'successful tx/s',
      timeouts.map((t) => ({
        name: `timeout ${t}`,
        points: sweep.filter((s) => s.batchTimeout === t).map((s) => ({ x: s.blockSize, y: s.goodputTps })),
      })),
    ),
    'latency-by-block-size': lineChartSvg(
      `Full workflow average latency against block size${ofRuns}`,
      'BatchSize.MaxMessageCount',
      'ms',
      timeouts.map((t) => ({
        name: `timeout ${t}`,
        points: sweep.filter((s) => s.batchTimeout === t).map((s) => ({ x: s.blockSize, y: s.avgLatencyMs })),
      })),
    ),
  });

  const latest = path.join(caliperDir, 'results', 'latest.json');
  writeFileSync(latest, JSON.stringify({ directory: path.relative(caliperDir, outDir), ...summary }, null, 2));
  await updateReadmeTable(path.join(caliperDir, 'README.md'), summary);
  log.info({ minutes: ((Date.now() - started) / 60_000).toFixed(1) }, `done: ${outDir}`);
  process.stdout.write(`results: ${outDir}\n`);
  if (!existsSync(path.join(outDir, 'goodput-by-stage.png'))) process.exitCode = 1;
}

/**
 * Each further profile's stage rounds beside the first profile's: goodput and latency, with the ratio
 * to the first profile taken within each run, then the median.
 */
function compareProfiles(profiles: string[], runs: RunFigures[]): ProfileComparison | undefined {
  if (profiles.length < 2) return undefined;
  const base = medianRounds(runs.map((r) => r.stages));
  return {
    base: profiles[0]!,
    profiles: profiles.slice(1).map((profile, index) => {
      const rounds = medianRounds(runs.map((r) => r.otherProfiles[index]!.stages));
      return {
        profile,
        rounds: rounds.map((round, i) => ({
          ...round,
          baseGoodputTps: base[i]!.goodputTps,
          baseP50LatencyMs: base[i]!.p50LatencyMs,
          baseP99LatencyMs: base[i]!.p99LatencyMs,
          overBase: medianRatio(runs.map((r) => r.otherProfiles[index]!.stages[i]!.goodputTps / r.stages[i]!.goodputTps)),
        })),
      };
    }),
  };
}

main()
  // Gateways, pools and timers of the rounds may keep the event loop alive; the run is over.
  .then(() => process.exit(process.exitCode ?? 0))
  .catch((error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
