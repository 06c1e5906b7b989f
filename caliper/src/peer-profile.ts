import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Layout, loadNetworkConfig, runningProfile } from '@securepay/network';
import pino from 'pino';

/**
 * Where each peer's CPU goes, from Go's own profiler, while a bench round runs beside it:
 *
 *   SECUREPAY_PROFILE_PEERS=1 npx tsx network/src/cli.ts up     # peers serve pprof on operations port + 1000
 *   npx tsx caliper/src/peer-profile.ts --seconds 30 --out caliper/results/<dir>/peer-profiles
 *
 * Each peer's profile is kept (`<org>.pprof`, for `go tool pprof`) and summarised as the share of its
 * CPU under each stage of a transaction's life below: a stage's share includes what it calls, so the
 * indented ones are parts of the one above them.
 */
const stages: { stage: string; frame: RegExp }[] = [
  { stage: 'validation (all)', frame: /txvalidator\/v20\.\(\*TxValidator\)\.validateTx$/ },
  { stage: '  key-level (state-based) endorsement policies', frame: /statebased\.\(\*KeyLevelValidator\)\.Validate$/ },
  { stage: '  signature checks (ECDSA + hashing the signed payload)', frame: /msp\.\(\*identity\)\.Verify$/ },
  { stage: 'endorsement: proposal checks and simulation', frame: /endorser\.\(\*Endorser\)\.ProcessProposal$/ },
  { stage: 'endorsement: chaincode messages (get/put state)', frame: /chaincode\.\(\*Handler\)\.HandleTransaction$/ },
  { stage: 'block storage and private data (gossip state)', frame: /privdata\.\(\*coordinator\)\.StoreBlock$/ },
  { stage: 'state commit', frame: /kvledger\.\(\*kvLedger\)\.commit$/ },
  { stage: 'gRPC writes (responses, events, blocks)', frame: /transport\.\(\*loopyWriter\)\.run$/ },
  { stage: 'garbage collection', frame: /^runtime\.gcBgMarkWorker$/ },
];

export interface PeerProfile {
  org: string;
  cpuSeconds: number;
  seconds: number;
  /** Percent of this peer's CPU under each stage. */
  stages: Record<string, number>;
}

/** The peer's CPU profile over `seconds`, summarised by stage; the raw profile is written to `outDir`. */
export async function profilePeer(org: string, host: string, pprofPort: number, seconds: number, outDir: string): Promise<PeerProfile> {
  const response = await fetch(`http://${host}:${pprofPort}/debug/pprof/profile?seconds=${seconds}`);
  if (!response.ok)
    throw new Error(`${org}'s peer answered ${response.status} for its profile: was it started with SECUREPAY_PROFILE_PEERS=1?`);
  const file = path.join(outDir, `${org}.pprof`);
  writeFileSync(file, Buffer.from(await response.arrayBuffer()));
  const top = execFileSync(goBinary(), ['tool', 'pprof', '-top', '-cum', '-nodecount=100000', file], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return { org, seconds, ...summarise(top) };
}

/** `go tool pprof -top -cum` text → total CPU seconds and each stage's cumulative share. */
export function summarise(top: string): { cpuSeconds: number; stages: Record<string, number> } {
  const total = /Total samples = ([0-9.]+)(ms|s)/.exec(top);
  const cpuSeconds = total ? Number(total[1]) / (total[2] === 'ms' ? 1000 : 1) : 0;
  const rows = top
    .split('\n')
    .map((line) => /^\s*\S+\s+\S+%\s+\S+%\s+\S+\s+([0-9.]+)%\s+(.+)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ cumPercent: Number(m[1]), frame: m[2]!.trim() }));
  const shares = stages.map(({ stage, frame }) => [stage, rows.find((r) => frame.test(r.frame))?.cumPercent ?? 0] as const);
  return { cpuSeconds, stages: Object.fromEntries(shares) };
}

const goBinary = (): string => process.env.GO ?? '/usr/local/go/bin/go';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { seconds: { type: 'string', default: '30' }, out: { type: 'string' } } });
  const seconds = Number(values.seconds);
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > 600) throw new Error('--seconds must be a whole number from 1 to 600');
  const outDir = values.out ?? path.join('caliper', 'results', `peer-profiles-${new Date().toISOString().slice(0, 16).replace(/:/g, '')}`);
  mkdirSync(outDir, { recursive: true });
  const layout = new Layout(loadNetworkConfig({ profile: runningProfile() }));
  const log = pino({ name: 'peer-profile' });
  log.info({ seconds, outDir }, 'profiling every peer');
  const profiles = await Promise.all(
    layout.network.orgs.map((org) => profilePeer(org.mspId, org.peer.host, org.peer.operationsPort + 1000, seconds, outDir)),
  );
  writeFileSync(path.join(outDir, 'summary.json'), JSON.stringify(profiles, null, 2));
  const width = Math.max(...stages.map((s) => s.stage.length));
  const header = ['stage'.padEnd(width), ...profiles.map((p) => p.org.replace(/MSP$/, '').padStart(11))].join('  ');
  const busy = ['CPU (cores)'.padEnd(width), ...profiles.map((p) => (p.cpuSeconds / p.seconds).toFixed(2).padStart(11))].join('  ');
  const lines = stages.map(({ stage }) =>
    [stage.padEnd(width), ...profiles.map((p) => `${p.stages[stage]!.toFixed(1)} %`.padStart(11))].join('  '),
  );
  process.stdout.write([header, busy, ...lines].join('\n') + '\n');
}

if (require.main === module)
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
