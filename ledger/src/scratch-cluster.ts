import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { initCluster, postgresCommand, systemAccount, type ClusterSpec, type ClusterUser } from './cluster';
import { canLogIn, type DatabaseLogin } from './credentials';
import { ownerRole, superuserRole, type Party } from './parties';
import { provisionRoles } from './roles';
import type { LedgerAccess } from './test-database';

/** A ledger cluster of a test's own, in a temporary folder, on a port of its own. */
export interface ScratchCluster {
  access: LedgerAccess;
  superuser: DatabaseLogin;
  stop(): Promise<void>;
}

/**
 * Starts a PostgreSQL cluster set up as the network's ledger database is (SCRAM only, the same
 * roles) for the length of a test, so that tests never touch the running network's: the first free
 * port from `port` on, in a temp folder removed by `stop()`. As root it runs as Debian's `postgres`
 * account (PostgreSQL will not run as root), else as the current user.
 */
export async function startScratchCluster(options: { parties: Party[]; port?: number }): Promise<ScratchCluster> {
  const home = mkdtempSync(path.join(tmpdir(), 'securepay-ledger-db-'));
  const user = clusterUser();
  if (user) chownSync(home, user.uid, user.gid);
  chmodSync(home, 0o700);
  const port = await freePort(options.port ?? 55532);
  const spec: ClusterSpec = { home, host: '127.0.0.1', port, superuserPassword: secret(), user };
  initCluster(spec);
  const { command, args } = postgresCommand(spec);
  const logFile = path.join(home, 'postgres.log');
  const out = openSync(logFile, 'a');
  const child = spawn(command, args, { uid: user?.uid, gid: user?.gid, stdio: ['ignore', out, out] });
  closeSync(out);
  const login = (role: string, password: string): DatabaseLogin => ({ host: spec.host, port, database: 'securepay', user: role, password });
  const superuser = login(superuserRole, spec.superuserPassword);
  const stop = async (): Promise<void> => {
    await stopChild(child);
    rmSync(home, { recursive: true, force: true });
  };
  try {
    await waitConnectable(superuser, child, logFile);
    const owner = login(ownerRole, secret());
    const parties = options.parties.map((party) => ({ party, login: login(party.role, secret()) }));
    await provisionRoles(
      superuser,
      { role: ownerRole, password: owner.password },
      parties.map((p) => ({ party: p.party, password: p.login.password })),
    );
    return { access: { owner, parties }, superuser, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

const secret = (): string => randomBytes(18).toString('base64url');

function clusterUser(): ClusterUser | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const account = systemAccount('postgres') ?? systemAccount('nobody');
  if (account) return account;
  throw new Error('running as root, and neither a postgres nor a nobody account exists to run PostgreSQL as');
}

export async function freePort(from: number): Promise<number> {
  for (let port = from; port < from + 200; port++) {
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error(`no free port in ${from}-${from + 199}`);
}

async function waitConnectable(login: DatabaseLogin, child: ChildProcess, logFile: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await canLogIn(login))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      throw new Error(`the scratch PostgreSQL did not come up; ${logFile}:\n${readFileSync(logFile, 'utf8').slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** SIGINT is PostgreSQL's fast shutdown: it ends the sessions instead of waiting for them. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGINT');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}
