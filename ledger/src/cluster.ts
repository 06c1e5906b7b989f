import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { superuserRole } from './parties';

/** The Unix account a cluster runs as: PostgreSQL refuses to run as root. */
export interface ClusterUser {
  uid: number;
  gid: number;
}

/** Where a cluster keeps its files and where it listens. */
export interface ClusterSpec {
  /** Holds `data/` (the cluster), `socket/` (its Unix socket) and `pg_hba.conf`. */
  home: string;
  host: string;
  port: number;
  superuserPassword: string;
  user?: ClusterUser;
}

const debianRoot = '/usr/lib/postgresql';

/** A Unix account by name (`postgres`, `nobody`), if the machine has it. */
export function systemAccount(name: string): ClusterUser | undefined {
  const uid = spawnSync('id', ['-u', name], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', name], { encoding: 'utf8' });
  return uid.status === 0 && gid.status === 0 ? { uid: Number(uid.stdout), gid: Number(gid.stdout) } : undefined;
}

/**
 * Debian's PostgreSQL server binaries (`/usr/lib/postgresql/<version>/bin`), the newest installed.
 * Installed with apt when missing and we are root; otherwise the caller is told to install them.
 */
export function postgresBinDir(): string {
  const found = installedBinDir();
  if (found) return found;
  if (process.getuid?.() === 0) {
    const installed = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'postgresql'], { stdio: 'inherit' });
    if (installed.status !== 0) throw new Error('apt-get install postgresql failed; run apt-get update first if it found no package');
    const again = installedBinDir();
    if (again) return again;
  }
  throw new Error(`no PostgreSQL server under ${debianRoot}/<version>/bin: apt-get install postgresql`);
}

function installedBinDir(): string | undefined {
  if (!existsSync(debianRoot)) return undefined;
  const versions = readdirSync(debianRoot)
    .filter((v) => /^\d+$/.test(v) && existsSync(path.join(debianRoot, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? path.join(debianRoot, versions[0], 'bin') : undefined;
}

export const clusterDataDir = (spec: ClusterSpec): string => path.join(spec.home, 'data');
const socketDir = (spec: ClusterSpec): string => path.join(spec.home, 'socket');
const hbaFile = (spec: ClusterSpec): string => path.join(spec.home, 'pg_hba.conf');

/**
 * Every connection proves its password with SCRAM-SHA-256, over TCP on loopback or the Unix socket;
 * nothing is trusted for where it comes from, and a role without a password cannot log in at all.
 */
const hba = `# Written by SecurePay on every start (ledger/src/cluster.ts): a password, proven with SCRAM, for everyone.
local all all scram-sha-256
host  all all 127.0.0.1/32 scram-sha-256
host  all all ::1/128 scram-sha-256
`;

/** Makes the cluster if it is not there yet (initdb), with the bootstrap superuser's password. */
export function initCluster(spec: ClusterSpec, binDir = postgresBinDir()): void {
  const data = clusterDataDir(spec);
  mkdirSync(spec.home, { recursive: true, mode: 0o700 });
  for (const dir of [socketDir(spec)]) mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (!existsSync(path.join(data, 'PG_VERSION'))) {
    // A half-made cluster (initdb killed midway) is made again from nothing.
    rmSync(data, { recursive: true, force: true });
    mkdirSync(data, { mode: 0o700 });
    const pwfile = path.join(spec.home, `.pwfile.${process.pid}`);
    writeFileSync(pwfile, `${spec.superuserPassword}\n`, { mode: 0o600 });
    own(spec, [spec.home, socketDir(spec), data, pwfile]);
    try {
      const made = spawnSync(
        path.join(binDir, 'initdb'),
        ['-D', data, '-U', superuserRole, `--pwfile=${pwfile}`, '--auth=scram-sha-256', '--encoding=UTF8', '--no-locale'],
        { encoding: 'utf8', uid: spec.user?.uid, gid: spec.user?.gid },
      );
      if (made.status !== 0) throw new Error(`initdb failed for ${data}:\n${(made.stderr || made.error?.message || '').trim()}`);
    } finally {
      rmSync(pwfile, { force: true });
    }
  }
  writeFileSync(hbaFile(spec), hba, { mode: 0o600 });
  own(spec, [spec.home, socketDir(spec), hbaFile(spec)]);
}

function own(spec: ClusterSpec, paths: string[]): void {
  if (spec.user) for (const p of paths) chownSync(p, spec.user.uid, spec.user.gid);
}

/** The server's command line: every setting that matters is here, so `ps` shows how it runs. */
export function postgresCommand(spec: ClusterSpec, binDir = postgresBinDir()): { command: string; args: string[] } {
  const settings: Record<string, string> = {
    listen_addresses: spec.host,
    port: String(spec.port),
    unix_socket_directories: socketDir(spec),
    hba_file: hbaFile(spec),
    password_encryption: 'scram-sha-256',
    // Every party's services hold pools of their own (the API, each bank's bridge, the escrow agent,
    // the supervision service), and tests run worlds of their own beside them: 100 ran out.
    max_connections: '300',
    // Statement statistics for the benchmarks' profiles (pg_stat_statements), only when asked for.
    ...(process.env.SECUREPAY_PROFILE_LEDGER === '1'
      ? { shared_preload_libraries: 'pg_stat_statements', 'pg_stat_statements.track': 'all' }
      : {}),
    // Logs go to the process's stderr, which the caller sends to its log file.
    logging_collector: 'off',
  };
  return {
    command: path.join(binDir, 'postgres'),
    args: ['-D', clusterDataDir(spec), ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])],
  };
}
