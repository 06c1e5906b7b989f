import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { tcpOpen } from '@securepay/network';

const reachable = (host: string, port: number): Promise<boolean> => tcpOpen(host, port)();

async function waitFor(host: string, port: number, timeoutMs = 20_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await reachable(host, port)) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

/**
 * PostgreSQL and Redis as this kind of machine runs them: usually already up; when one has stopped,
 * it is started with the machine's own command. A machine without them needs them installed first
 * (README: troubleshooting) — the demo says so rather than guess at a database's configuration.
 */
export async function ensureLocalServices(databaseUrl: string, redisUrl: string): Promise<void> {
  const db = new URL(databaseUrl);
  const redis = new URL(redisUrl);
  const dbPort = Number(db.port || 5432);
  const redisPort = Number(redis.port || 6379);
  if (!(await reachable(db.hostname, dbPort))) {
    const versions = existsSync('/etc/postgresql') ? readdirSync('/etc/postgresql') : [];
    if (versions.length === 0) throw new Error(`PostgreSQL is not reachable at ${db.host} and not installed: apt-get install postgresql`);
    execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', versions[0]!, 'main', 'start'], { stdio: 'inherit' });
    if (!(await waitFor(db.hostname, dbPort))) throw new Error(`PostgreSQL did not come up at ${db.host}`);
  }
  if (!(await reachable(redis.hostname, redisPort))) {
    if (!existsSync('/usr/bin/redis-server'))
      throw new Error(`Redis is not reachable at ${redis.host} and not installed: apt-get install redis-server`);
    execFileSync(
      'redis-server',
      ['--daemonize', 'yes', '--bind', '127.0.0.1', '--port', String(redisPort), '--save', '', '--appendonly', 'no'],
      {
        stdio: 'inherit',
      },
    );
    if (!(await waitFor(redis.hostname, redisPort))) throw new Error(`Redis did not come up at ${redis.host}`);
  }
}
