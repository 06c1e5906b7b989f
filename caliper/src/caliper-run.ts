import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const caliperDir = path.resolve(__dirname, '..');
const repo = path.resolve(caliperDir, '..');

export interface RoundSpec {
  label: string;
  flow: string;
  /** A fixed number of transactions (flows with prepared orders), or a duration in seconds. */
  txNumber?: number;
  txDuration?: number;
  /** Transactions kept in flight across all workers (`workloads/closed-loop-rate.js`). */
  load: number;
  preparedOrders?: number;
  batchSize?: number;
}

/** One transaction as a worker saw it: the step, when it was sent and answered, whether it committed. */
export interface TxRecord {
  step: string;
  start: number;
  end: number;
  ok: boolean;
  orders: number;
}

const yaml = (value: unknown): string => JSON.stringify(value);

/** The records a finished Caliper run left in `outDir`, if it recorded every round. */
export function recordedRounds(outDir: string, rounds: number): TxRecord[][] | undefined {
  const recordsDir = path.join(outDir, 'records');
  if (!existsSync(recordsDir)) return undefined;
  const files = readdirSync(recordsDir);
  const perRound = Array.from({ length: rounds }, (_, i) => files.filter((f) => f.startsWith(`round-${i}-`)));
  if (perRound.some((f) => f.length === 0)) return undefined;
  return perRound.map((f) => f.flatMap((file) => JSON.parse(readFileSync(path.join(recordsDir, file), 'utf8')) as TxRecord[]));
}

/**
 * Runs Caliper's manager on the running network for `rounds`, with `workers` local workers. Returns
 * each round's transaction records (written by the workload) and leaves Caliper's HTML report in
 * `outDir`. Caliper's own log goes to `outDir/caliper.log`; progress lines are echoed.
 */
export async function runCaliper(options: {
  rounds: RoundSpec[];
  workers: number;
  networkConfig: string;
  partiesFile: string;
  outDir: string;
  onProgress?: (line: string) => void;
}): Promise<TxRecord[][]> {
  const { rounds, workers, outDir } = options;
  mkdirSync(outDir, { recursive: true });
  const recordsDir = path.join(outDir, 'records');
  rmSync(recordsDir, { recursive: true, force: true });
  const roundsYaml = rounds.map((r) => {
    const length = r.txNumber !== undefined ? `txNumber: ${r.txNumber}` : `txDuration: ${r.txDuration ?? 30}`;
    const loadPerWorker = Math.max(1, Math.round(r.load / workers));
    const args = {
      flow: r.flow,
      partiesFile: options.partiesFile,
      recordsDir,
      loadPerWorker,
      preparedOrders: r.preparedOrders ?? 0,
      batchSize: r.batchSize ?? 50,
    };
    return [
      `    - label: ${yaml(r.label)}`,
      `      ${length}`,
      `      rateControl: { type: ${yaml(path.join(caliperDir, 'workloads', 'closed-loop-rate.js'))}, opts: { transactionLoad: ${loadPerWorker} } }`,
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
