import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { z } from 'zod';
import {
  down,
  endorsingOrgs,
  Layout,
  loadNetworkConfig,
  peerBuilds,
  ProcessTable,
  readConnection,
  runningProfile,
  up,
  type NetworkConfig,
} from '@securepay/network';
import { ensureChromium, serviceNames } from '@securepay/demo';
import { runCentralizedBaseline, type BaselineFigures } from './baseline';
import { recordedRounds, runCaliperRounds, type RoundSpec } from './caliper-run';
import { barChartSvg, lineChartSvg, renderCharts, type Bar, type Series } from './charts';
import type { GroupRoot } from './cpu-groups';
import { bestPoint } from './load-sweep';
import { processGroupRoots } from './process-groups';
import { summariseRound, type RoundSummary } from './round-summary';
import { measureSettlementLatency, type SettlementLatency } from './settlement-latency';
import { benchOrdersSpecs, drawOrders, mergeOrdersRuns, runOrdersSuite, type OrdersFigure } from './orders-suite';
import { medianOfRuns, medianRatio, medianRounds, type RepeatedRound } from './run-medians';
import { median } from '@securepay/network/bench/stats';
import { prepareSut } from './sut';
import { closedLoopRounds, openLoopFlows, openLoopRounds, paper, stagePlans, sweepPoints, type StagePlan } from './plan';
import { updateReadmeTable, type ProfileComparison } from './readme-table';
import { warmUpSeconds } from './warm-up';

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

/** Every peer build (`3.1.5 86c1172b`, or a patched one) the rounds of this bench ran on, for its summary. */
const peerBuildsSeen = new Set<string>();

/** The network of this profile with these batch settings: reused when it already has them, recreated otherwise. */
async function networkWith(profile: string, batch?: Batch): Promise<NetworkConfig> {
  const config = configWith(profile, batch);
  let layout: Layout;
  try {
    layout = await up(config);
  } catch (error) {
    if (!/run npm run network:down first/.test((error as Error).message)) throw error;
    await down(loadNetworkConfig({ profile: runningProfile() }));
    layout = await up(config);
  }
  for (const build of Object.values(await peerBuilds(layout))) peerBuildsSeen.add(build);
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

/** Where the Caliper worker snapshots come from: USER_HZ, the unit of /proc/<pid>/stat's times. */
function ticksPerSecond(): number {
  try {
    const value = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    if (Number.isFinite(value) && value > 0) return value;
  } catch {
    // getconf missing: Linux's USER_HZ is 100 on every architecture we run on.
  }
  return 100;
}

const groupsFile = (outDir: string): string => path.join(outDir, 'process-groups.json');
const groupRootsSchema = z.array(
  z.union([z.object({ group: z.string(), pid: z.number() }), z.object({ group: z.string(), childrenOf: z.number() })]),
);

/**
 * Runs the rounds on the network `batch` asks for — or, resuming an interrupted run, reads the
 * records that run's Caliper already wrote for them. Each round is summarised with CPU per process
 * group (the groups' roots are kept beside the records, so a resumed run can still attribute them).
 */
async function caliperRounds(
  profile: string,
  batch: Batch | undefined,
  rounds: (RoundSpec & { finalStep?: string; stepsPerOrder?: number })[],
  outDir: string,
  resume: boolean,
): Promise<RoundSummary[]> {
  let outcomes = resume ? recordedRounds(outDir, rounds.length) : undefined;
  const config = outcomes ? configWith(profile, batch) : await networkWith(profile, batch);
  let roots: GroupRoot[] | undefined;
  if (!outcomes) {
    const layout = new Layout(config);
    const connections = new Map(endorsingOrgs(config).map((o) => [o.mspId, readConnection(layout, o.mspId)]));
    const sut = await prepareSut(connections, workers);
    let managerPid: number | undefined;
    outcomes = await runCaliperRounds({
      rounds,
      workers,
      ...sut,
      outDir,
      onProgress: (line) => log.info(line),
      onManager: (pid) => {
        managerPid = pid;
      },
    });
    roots = processGroupRoots(config, process.pid, managerPid);
    writeFileSync(groupsFile(outDir), JSON.stringify(roots, null, 2));
  } else {
    log.info({ outDir }, 'resuming: using the transactions this run already recorded');
    if (existsSync(groupsFile(outDir))) roots = groupRootsSchema.parse(JSON.parse(readFileSync(groupsFile(outDir), 'utf8')));
  }
  const settings = { maxMessageCount: config.batch.maxMessageCount, batchTimeout: config.batch.batchTimeout };
  const cpuContext = roots ? { roots, ticksPerSecond: ticksPerSecond() } : undefined;
  return rounds.map((r, i) => {
    const summary = summariseRound(
      {
        label: r.label,
        flow: r.flow,
        ...(r.load !== undefined ? { load: r.load } : {}),
        ...(r.offeredOrdersPerSecond !== undefined
          ? { offeredOrdersPerSecond: r.offeredOrdersPerSecond, stepsPerOrder: r.stepsPerOrder ?? 1, measuredSeconds: r.txDuration ?? 30 }
          : {}),
        ...(r.finalStep !== undefined ? { finalStep: r.finalStep } : {}),
      },
      outcomes![i]!,
      settings,
      cpuContext,
    );
    const pool = summary.pool;
    if (pool) {
      const line = {
        round: r.label,
        wanted: pool.wanted,
        available: pool.available,
        prepared: pool.prepared,
        used: pool.used,
        left: pool.left,
      };
      if (pool.ranDry) log.warn(line, 'prepared pool RAN DRY during the measured phase: this point understates goodput');
      else log.info(line, 'prepared pool');
    }
    if (outcomes![i]!.inFlightCapped > 0)
      log.warn({ round: r.label, held: outcomes![i]!.inFlightCapped }, 'open loop reached its in-flight guard');
    return summary;
  });
}

/** A stage's load sweep: every point, and the best with zero failures — the stage's figure. */
interface StageSweep {
  plan: StagePlan;
  best: RoundSummary;
  points: RoundSummary[];
}

/** Every stage's closed-loop load sweep, in one Caliper run on the network of `profile`. */
async function stageSweeps(profile: string, plans: StagePlan[], outDir: string, resume: boolean): Promise<StageSweep[]> {
  const rounds = plans.flatMap((plan) =>
    closedLoopRounds(plan).map((r) => ({ ...r, ...(plan.finalStep ? { finalStep: plan.finalStep } : {}) })),
  );
  const summaries = await caliperRounds(profile, undefined, rounds, outDir, resume);
  let next = 0;
  return plans.map((plan) => {
    const points = summaries.slice(next, next + plan.loads.length);
    next += plan.loads.length;
    // The stage keeps its own label: the figure every table and ratio uses.
    const best = { ...bestPoint(points), label: plan.label };
    log.info({ stage: plan.label, load: best.load, goodputTps: best.goodputTps, failed: best.failed }, 'best point of the load sweep');
    return { plan, best, points };
  });
}

/** What one run of the bench measured; ratios are taken within the run, against its own saturated Noop and baseline. */
interface RunFigures {
  /** Each stage's best point of its load sweep. */
  stages: RoundSummary[];
  /** Every point of every stage's load sweep. */
  loadSweep: RoundSummary[];
  /** The workflows at fixed offered rates. */
  openLoop: RoundSummary[];
  /** The same stage rounds on each further profile asked for (e.g. bft4 beside raft1), in the same run. */
  otherProfiles: { profile: string; stages: RoundSummary[] }[];
  sweep: RoundSummary[];
  baseline?: BaselineFigures;
  settlement?: SettlementLatency;
  /** Whole orders end to end through the API, bridges, escrow agent and ledger. */
  orders?: OrdersFigure[];
  fullOverNoop?: number;
  fullOverCentralized?: number;
}

/**
 * One pass over everything: the stages' load sweeps, the workflows open loop, the block-size sweep,
 * the baseline and the settlement latency. `only` (from --rounds) keeps the named stages and skips
 * the rest of the pass.
 */
async function measureRun(
  runDir: string,
  profiles: string[],
  quick: boolean,
  only: string[] | undefined,
  resume: boolean,
  progress: (message: string) => void,
): Promise<RunFigures> {
  const finished = path.join(runDir, 'run.json');
  if (resume && existsSync(finished)) {
    progress('resuming: this run had finished');
    return JSON.parse(readFileSync(finished, 'utf8')) as RunFigures;
  }
  const plans = stagePlans(quick).filter((p) => !only || only.includes(p.label) || only.includes(p.flow));
  if (plans.length === 0) throw new Error(`--rounds ${only?.join(',')} names no stage`);
  const [profile, ...others] = profiles as [string, ...string[]];
  progress(`stages and workflows on the default network (${profile}), each over its load sweep`);
  const swept = await stageSweeps(profile, plans, path.join(runDir, 'stages'), resume);
  const stages = swept.map((s) => s.best);
  const loadSweep = swept.flatMap((s) => s.points);

  const openRounds = swept
    .filter((s) => openLoopFlows.includes(s.plan.flow))
    .flatMap((s) =>
      openLoopRounds(s.plan, s.best.goodputTps, quick).map((r) => ({ ...r, ...(s.plan.finalStep ? { finalStep: s.plan.finalStep } : {}) })),
    );
  let openLoop: RoundSummary[] = [];
  if (openRounds.length > 0) {
    progress('workflows open loop: fixed offered rates around each one’s closed-loop best');
    openLoop = await caliperRounds(profile, undefined, openRounds, path.join(runDir, 'open-loop'), resume);
  }

  const otherProfiles: RunFigures['otherProfiles'] = [];
  for (const other of others) {
    progress(`the same stages and workflows on ${other}`);
    const sweeps = await stageSweeps(other, plans, path.join(runDir, `stages-${other}`), resume);
    otherProfiles.push({ profile: other, stages: sweeps.map((s) => s.best) });
  }

  const goodput = (flow: string): number | undefined => stages.find((s) => s.flow === flow)?.goodputTps;
  const full = swept.find((s) => s.plan.flow === 'full');
  const noop = goodput('noop');
  const figures: RunFigures = { stages, loadSweep, openLoop, otherProfiles, sweep: [] };
  if (full && noop) figures.fullOverNoop = full.best.goodputTps / noop;
  if (only) {
    progress('--rounds given: no block-size sweep, centralized baseline or settlement latency this time');
    writeFileSync(finished, JSON.stringify(figures, null, 2));
    return figures;
  }

  // The full workflow at the load where it did best, so the block sizes are compared at its best too.
  const fullLoad = full?.best.load ?? 32;
  for (const point of sweepPoints(quick)) {
    progress(`full workflow with MaxMessageCount ${point.size}, BatchTimeout ${point.timeout}, ${fullLoad} in flight`);
    const [round] = await caliperRounds(
      profile,
      point,
      [
        {
          label: `full b${point.size} t${point.timeout}`,
          flow: 'full',
          warmSeconds: warmUpSeconds({ stepsPerOrder: 8, load: fullLoad, assumedTps: 100, minimum: quick ? 2 : 5 }),
          txDuration: quick ? 8 : 20,
          load: fullLoad,
          finalStep: 'confirm',
        },
      ],
      path.join(runDir, `sweep-${point.size}-${point.timeout}`),
      resume,
    );
    figures.sweep.push(round!);
  }

  progress(`centralized baseline on PostgreSQL, ${fullLoad} in flight`);
  figures.baseline = await runCentralizedBaseline({ seconds: quick ? 10 : 30, load: fullLoad });
  progress('confirmation → merchant paid, through the API with both bridges');
  await networkWith(profile);
  figures.settlement = await measureSettlementLatency({ orders: quick ? 24 : 80, lanes: 8 });
  progress('orders per second end to end: proposal to settled money, through the API with the bridges, escrow agent and ledger');
  figures.orders = await runOrdersSuite(benchOrdersSpecs(quick), 1, runDir, log);
  if (full) figures.fullOverCentralized = full.best.goodputTps / figures.baseline.goodputTps;
  writeFileSync(finished, JSON.stringify(figures, null, 2));
  return figures;
}

/**
 * `npm run bench [-- --quick] [--runs N] [--profile raft1[,bft4…]] [--resume <dir>] [--rounds noop,full…]`:
 * the paper's stages and workflows through Caliper, each over a sweep of loads (closed loop, its
 * best point with zero failures reported) and the workflows again at fixed offered rates (open
 * loop); a block-size and batch-timeout sweep of the full workflow, the centralized PostgreSQL
 * baseline and the confirmation→payment latency, all on the first profile (raft1 by default); the
 * stages again on every further profile, in the same run, so they can be set side by side as
 * ratios; with `--runs N` all of it N times, reported as medians. `--rounds` (stage labels or flows)
 * runs only those stages, for development. Results in caliper/results/<date>/.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      runs: { type: 'string', default: '1' },
      resume: { type: 'string' },
      profile: { type: 'string', default: 'raft1' },
      rounds: { type: 'string' },
    },
  });
  const profiles = values.profile!.split(',').map((p) => p.trim());
  for (const profile of profiles) loadNetworkConfig({ profile }); // an unknown profile stops here, naming the known ones
  const quick = values.quick!;
  const only = values.rounds?.split(',').map((r) => r.trim());
  const runCount = Number(values.runs);
  if (!Number.isInteger(runCount) || runCount < 1 || runCount > 20)
    throw new Error(`--runs must be a whole number from 1 to 20, got ${values.runs}`);
  const resume = values.resume !== undefined;
  const started = Date.now();
  const stamp = new Date().toISOString().slice(0, 16).replace(':', '');
  const suffix = `${quick ? '-quick' : ''}${values.profile === 'raft1' ? '' : `-${profiles.join('-')}`}${only ? '-partial' : ''}`;
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
    runs.push(await measureRun(runDir, profiles, quick, only, resume, progress));
  }

  const stages = medianRounds(runs.map((r) => r.stages));
  const loadSweep = medianRounds(runs.map((r) => r.loadSweep));
  const openLoop = runs[0]!.openLoop.length ? medianRounds(runs.map((r) => r.openLoop)) : [];
  const sweep = runs[0]!.sweep.length ? medianRounds(runs.map((r) => r.sweep)) : [];
  const find = (flow: string): RepeatedRound | undefined => stages.find((s) => s.flow === flow);
  const byRun = (pick: (r: RunFigures) => number | undefined): number[] => runs.flatMap((r) => (pick(r) === undefined ? [] : [pick(r)!]));
  const fullOverNoop = byRun((r) => r.fullOverNoop);
  const fullOverCentralized = byRun((r) => r.fullOverCentralized);
  const baselines = runs.flatMap((r) => (r.baseline ? [r.baseline] : []));
  const settlements = runs.flatMap((r) => (r.settlement ? [r.settlement] : []));
  const orders = mergeOrdersRuns(runs.flatMap((r) => (r.orders ? [r.orders] : [])));
  const summary = {
    date: new Date().toISOString(),
    quick,
    runs: runCount,
    profile: profiles[0]!,
    ...(only ? { onlyRounds: only } : {}),
    wallMinutes: Math.round((Date.now() - started) / 6_000) / 10,
    profileComparison: compareProfiles(profiles, runs),
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, memoryGiB: Math.round(os.totalmem() / 2 ** 30) },
    /** The release's build, or a build with one of network/fabric-patches named after its commit. */
    fabricPeers: [...peerBuildsSeen],
    workers,
    /** Orders carried from proposal to settled money per second, end to end: the headline figure. */
    orders,
    /** Each stage's best point of its load sweep (zero failures), then the block-size sweep. */
    rounds: [...stages, ...sweep],
    loadSweep,
    openLoop,
    ...(baselines.length ? { baseline: { label: 'centralized (PostgreSQL only), normal workflow', ...medianOfRuns(baselines) } } : {}),
    ...(settlements.length
      ? {
          settlementLatency: {
            orders: settlements.reduce((sum, s) => sum + s.orders, 0),
            medianMs: median(settlements.map((s) => s.medianMs)),
            p99Ms: median(settlements.map((s) => s.p99Ms)),
            maxMs: Math.max(...settlements.map((s) => s.maxMs)),
          },
        }
      : {}),
    ratios: {
      ceiling: 'saturated Noop: the best point of its load sweep with zero failures',
      ...(fullOverNoop.length
        ? { fullOverNoop: medianRatio(fullOverNoop), fullOverNoopByRun: fullOverNoop.map((v) => Math.round(v * 100) / 100) }
        : {}),
      ...(fullOverCentralized.length ? { fullOverCentralized: medianRatio(fullOverCentralized) } : {}),
      paperFullOverCentralized: Math.round((paper.full / paper.centralized) * 100) / 100,
    },
    paper,
  };
  writeFileSync(path.join(outDir, 'summary.json'), JSON.stringify(summary, null, 2));

  log.info('charts');
  const ofRuns = runCount > 1 ? `, median of ${runCount} runs` : '';
  const bar = (label: string, flow: string, paperTps?: number): Bar[] => {
    const round = find(flow);
    return round ? [{ label, ours: round.goodputTps, ...(paperTps !== undefined ? { paper: paperTps } : {}) }] : [];
  };
  const bars = [
    ...bar('Noop (saturated ceiling)', 'noop'),
    ...bar('proposal', 'propose'),
    ...bar('endorsement (1 per tx)', 'endorse'),
    ...bar('escrow (ship/deliver/confirm)', 'escrow'),
    ...bar('full workflow', 'full', paper.full),
    ...bar('dispute workflow', 'dispute', paper.dispute),
    ...bar('settlement proof', 'settlement-proof', paper.settlementProof),
    ...(summary.baseline ? [{ label: 'centralized baseline', ours: summary.baseline.goodputTps, paper: paper.centralized }] : []),
  ];
  const charts: Record<string, string> = {
    'goodput-by-stage': barChartSvg(
      `Goodput by stage, best of its load sweep (successful tx/s${ofRuns})`,
      'transactions per second; failures and every sweep point are in summary.json',
      bars,
    ),
    ...throughputLatencyCharts(stages, loadSweep, openLoop, ofRuns),
  };
  if (sweep.length > 0) {
    // The stage round ran on the default network (500 / 250 ms) at the same load: the sweep's reference point.
    const fullStage = find('full');
    const withDefault = fullStage ? [...sweep, fullStage] : sweep;
    const timeouts = [...new Set(withDefault.map((s) => s.batchTimeout))];
    const line = (pick: (r: RepeatedRound) => number) =>
      timeouts.map((t) => ({
        name: `timeout ${t}`,
        points: withDefault.filter((s) => s.batchTimeout === t).map((s) => ({ x: s.blockSize, y: pick(s) })),
      }));
    charts['goodput-by-block-size'] = lineChartSvg(
      `Full workflow goodput against block size${ofRuns}`,
      'BatchSize.MaxMessageCount',
      'successful tx/s',
      line((s) => s.goodputTps),
    );
    charts['latency-by-block-size'] = lineChartSvg(
      `Full workflow average latency against block size${ofRuns}`,
      'BatchSize.MaxMessageCount',
      'ms',
      line((s) => s.avgLatencyMs),
    );
  }
  await renderCharts(outDir, charts);
  if (runCount > 1 && orders.length > 0) await drawOrders(outDir, orders);

  if (!only) {
    const latest = path.join(caliperDir, 'results', 'latest.json');
    writeFileSync(latest, JSON.stringify({ directory: path.relative(caliperDir, outDir), ...summary }, null, 2));
    await updateReadmeTable(path.join(caliperDir, 'README.md'), { ...summary, points: [...loadSweep, ...openLoop] });
  }
  log.info({ minutes: ((Date.now() - started) / 60_000).toFixed(1) }, `done: ${outDir}`);
  process.stdout.write(`results: ${outDir}\n`);
  if (!existsSync(path.join(outDir, 'goodput-by-stage.png'))) process.exitCode = 1;
}

/**
 * A throughput–latency curve per stage that has more than one point: p50 and p99 latency against
 * goodput, closed loop (in-flight levels) and open loop (offered rates) on the same axes.
 */
function throughputLatencyCharts(
  stages: RepeatedRound[],
  loadSweep: RepeatedRound[],
  openLoop: RepeatedRound[],
  ofRuns: string,
): Record<string, string> {
  const charts: Record<string, string> = {};
  for (const stage of stages) {
    const closed = loadSweep.filter((p) => p.label.startsWith(`${stage.label} @`));
    const open = openLoop.filter((p) => p.label.startsWith(`${stage.label} open loop`));
    if (closed.length + open.length < 2) continue;
    const curve = (name: string, points: RepeatedRound[], pick: (r: RepeatedRound) => number): Series[] =>
      points.length ? [{ name, points: points.map((p) => ({ x: p.goodputTps, y: pick(p) })) }] : [];
    charts[`throughput-latency-${stage.flow}`] = lineChartSvg(
      `${stage.label}: latency against goodput${ofRuns}`,
      'goodput (successful tx/s)',
      'latency (ms)',
      [
        ...curve('closed loop p50', closed, (p) => p.p50LatencyMs),
        ...curve('closed loop p99', closed, (p) => p.p99LatencyMs),
        ...curve('open loop p50', open, (p) => p.p50LatencyMs),
        ...curve('open loop p99', open, (p) => p.p99LatencyMs),
      ],
      'linear',
    );
  }
  return charts;
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
