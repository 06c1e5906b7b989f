import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { roundOutcome, type RoundOutcome, type TxRecord } from './round-file';

const caliperDir = path.resolve(__dirname, '..');
const repo = path.resolve(caliperDir, '..');

export interface RoundSpec {
  label: string;
  flow: string;
  /** A fixed number of transactions, or measured seconds (after `warmSeconds`). */
  txNumber?: number;
  txDuration?: number;
  /** Seconds of the same flow at the same load before the measured phase, whose transactions are discarded. */
  warmSeconds?: number;
  /** Closed loop: transactions kept in flight across all workers (`workloads/closed-loop-rate.js`). */
  load?: number;
  /**
   * Open loop instead: orders arriving per second whatever happens to them
   * (`workloads/open-loop-rate.js`); each walks every step of the flow.
   */
  offeredOrdersPerSecond?: number;
  preparedOrders?: number;
  batchSize?: number;
}

const yaml = (value: unknown): string => JSON.stringify(value);

/** The rounds a finished Caliper run left in `outDir`, if it recorded every one of them. */
export function recordedRounds(outDir: string, rounds: number): RoundOutcome[] | undefined {
  const recordsDir = path.join(outDir, 'records');
  if (!existsSync(recordsDir)) return undefined;
  const files = readdirSync(recordsDir);
  const perRound = Array.from({ length: rounds }, (_, i) =>
    files.filter((f) => f.startsWith(`round-${i}-`)).sort((a, b) => workerOf(a) - workerOf(b)),
  );
  if (perRound.some((f) => f.length === 0)) return undefined;
  return perRound.map((f) => roundOutcome(f.map((file) => JSON.parse(readFileSync(path.join(recordsDir, file), 'utf8')) as unknown)));
}

const workerOf = (file: string): number => Number(/worker-(\d+)/.exec(file)?.[1] ?? 0);

interface CaliperOptions {
  rounds: RoundSpec[];
  workers: number;
  networkConfig: string;
  partiesFile: string;
  outDir: string;
  onProgress?: (line: string) => void;
  /** Called with the manager's pid once it runs: its process tree is the load generator. */
  onManager?: (pid: number) => void;
}

/** Runs Caliper on the running network for `rounds`: each round's transaction records (warm-up phase included, marked). */
export async function runCaliper(options: CaliperOptions): Promise<TxRecord[][]> {
  return (await runCaliperRounds(options)).map((round) => round.records);
}

/**
 * Runs Caliper's manager on the running network for `rounds`, with `workers` local workers. Returns
 * what the workload recorded of each round (transactions, CPU snapshots, prepared pools) and leaves
 * Caliper's HTML report in `outDir`. Caliper's own log goes to `outDir/caliper.log`; progress lines
 * are echoed.
 */
export async function runCaliperRounds(options: CaliperOptions): Promise<RoundOutcome[]> {
  const { rounds, workers, outDir } = options;
  mkdirSync(outDir, { recursive: true });
  const recordsDir = path.join(outDir, 'records');
  rmSync(recordsDir, { recursive: true, force: true });
  const roundsYaml = rounds.map((r) => {
    if ((r.load === undefined) === (r.offeredOrdersPerSecond === undefined))
      throw new Error(`round ${r.label}: give either a load (closed loop) or an offered rate (open loop)`);
    const warmSeconds = r.warmSeconds ?? 0;
    const length = r.txNumber !== undefined ? `txNumber: ${r.txNumber}` : `txDuration: ${warmSeconds + (r.txDuration ?? 30)}`;
    const loadPerWorker = r.load === undefined ? undefined : Math.max(1, Math.round(r.load / workers));
    const args = {
      flow: r.flow,
      partiesFile: options.partiesFile,
      recordsDir,
      warmSeconds,
      preparedOrders: r.preparedOrders ?? 0,
      batchSize: r.batchSize ?? 50,
      measuredSeconds: r.txDuration ?? 30,
      // Open loop: orders arrive whatever is in progress, as customers would, each walking its steps.
      ...(loadPerWorker ? { loadPerWorker } : { openLoop: true }),
    };
    const rateControl = loadPerWorker
      ? `{ type: ${yaml(path.join(caliperDir, 'workloads', 'closed-loop-rate.js'))}, opts: { transactionLoad: ${loadPerWorker} } }`
      : `{ type: ${yaml(path.join(caliperDir, 'workloads', 'open-loop-rate.js'))}, opts: { tps: ${r.offeredOrdersPerSecond} } }`;
    return [
      `    - label: ${yaml(r.label)}`,
      `      ${length}`,
      `      rateControl: ${rateControl}`,
      `      workload: { module: workloads/escrow-flow.js, arguments: ${yaml(args)} }`,
    ].join('\n');
  });
  const benchConfig = path.join(outDir, 'benchconfig.yaml');
  writeFileSync(benchConfig, `test:\n  name: securepay\n  workers:\n    number: ${workers}\n  rounds:\n${roundsYaml.join('\n')}\n`);

  const log = path.join(outDir, 'caliper.log');
  writeFileSync(log, '');
  const args = [
    path.join(repo, 'node_modules', '@hyperledger', 'caliper-cli', 'caliper.js'),
    'launch',
    'manager',
    '--caliper-workspace',
    caliperDir,
    '--caliper-networkconfig',
    options.networkConfig,
    '--caliper-benchconfig',
    benchConfig,
    '--caliper-flow-only-test',
    '--caliper-report-path',
    path.join(outDir, 'report.html'),
    '--caliper-logging-targets-console-enabled',
    'true',
  ];
  const code = await new Promise<number>((resolve) => {
    const child = spawn(process.execPath, args, {
      cwd: caliperDir,
      env: { ...process.env, CALIPER_PROJECTCONFIG: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (child.pid !== undefined) options.onManager?.(child.pid);
    const onData = (chunk: Buffer): void => {
      const text = chunk.toString('utf8');
      writeFileSync(log, text, { flag: 'a' });
      for (const line of text.split('\n')) {
        // eslint-disable-next-line no-control-regex
        const plain = line.replace(/\x1b\[[0-9;]*m/g, '');
        const round = /(Started|Finished|Failed) round .*/.exec(plain);
        if (round) options.onProgress?.(round[0]);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (c) => resolve(c ?? 1));
  });
  const failedRound = /Failed round \d+ \(([^)]*)\): (.*)/.exec(readFileSync(log, 'utf8'));
  if (code !== 0 || failedRound)
    throw new Error(`caliper ${failedRound ? `failed round ${failedRound[1]}: ${failedRound[2]}` : `exited with ${code}`}; see ${log}`);
  const records = recordedRounds(outDir, rounds.length);
  if (!records) throw new Error(`caliper finished, but a round left no transaction records in ${recordsDir}; see ${log}`);
  return records;
}
