import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import IORedis from 'ioredis';
import { redisOptions, type QueueLogin } from '@securepay/ledger';
import { theOrg } from './config';
import type { Layout } from './layout';
import { orgUser, type RunAs } from './org-users';
import { networkParties, partyCredentials } from './party-credentials';
import type { ProcessTable } from './processes';
import { waitReady } from './readiness';

export const queuesProcessName = 'queues';

/**
 * What BullMQ sends, found by running a Queue and a Worker (add, process, retry, delay, getJobs,
 * dead letters) against Redis under MONITOR, plus every command its Lua scripts call: a party's
 * user may run these, on its own key prefix only.
 */
const bullmqCommands = [
  // connection and client bookkeeping
  'ping hello info client|setname client|getname client|id',
  // scripts (BullMQ's commands are Lua), transactions, blocking waits, events
  'eval evalsha script|load script|exists multi exec discard bzpopmin xread',
  // what the scripts and the client call on keys
  'del exists get set incr incrby unlink rename type persist pexpire pexpireat pttl time',
  'hdel hexists hget hgetall hincrby hlen hmget hmset hset',
  'lindex llen lpop lpos lpush lrange lrem lset ltrim rpop rpoplpush rpush',
  'sadd scard sismember smembers srem xadd xdel xlen xrange xtrim',
  'zadd zcard zcount zlexcount zpopmin zrange zrangebylex zrangebyscore zrem zremrangebyrank zremrangebyscore zrevrange zrevrangebyscore zscore',
].flatMap((line) => line.split(' '));

/**
 * Redis's ACL file: the default user off; one user per party, with its password's SHA-256 (not the
 * password), its own key prefix and pub/sub channels, and BullMQ's commands only.
 */
export function aclFileText(logins: QueueLogin[]): string {
  const users = logins.map((login) => {
    const hash = createHash('sha256').update(login.password).digest('hex');
    const commands = bullmqCommands.map((c) => `+${c}`).join(' ');
    return `user ${login.user} on #${hash} resetkeys ~${login.prefix}:* resetchannels &${login.prefix}:* -@all ${commands}`;
  });
  return ['user default off resetkeys -@all', ...users, ''].join('\n');
}

const redisServer = '/usr/bin/redis-server';

/** Debian's redis-server, installed with apt when missing and we are root. */
function redisServerBinary(): string {
  if (!existsSync(redisServer) && process.getuid?.() === 0) {
    const installed = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'redis-server'], { stdio: 'inherit' });
    if (installed.status !== 0) throw new Error('apt-get install redis-server failed; run apt-get update first if it found no package');
  }
  if (!existsSync(redisServer)) throw new Error(`no ${redisServer}: apt-get install redis-server`);
  return redisServer;
}

/** The server's command line: nothing kept on disk, the ACL file for every user. */
export function redisCommand(home: string, host: string, port: number): { command: string; args: string[] } {
  return {
    command: redisServerBinary(),
    args: [
      '--bind',
      host,
      '--port',
      String(port),
      '--dir',
      home,
      '--aclfile',
      path.join(home, 'users.acl'),
      '--save',
      '',
      '--appendonly',
      'no',
      '--protected-mode',
      'yes',
      // Keeps the command line as started, so the process table recognises it by its ACL file.
      '--set-proc-title',
      'no',
    ],
  };
}

export function writeAclFile(home: string, logins: QueueLogin[], user?: { uid: number; gid: number }): void {
  mkdirSync(home, { recursive: true, mode: 0o700 });
  writeFileSync(path.join(home, 'users.acl'), aclFileText(logins), { mode: 0o600 });
  if (user) for (const p of [home, path.join(home, 'users.acl')]) chownSync(p, user.uid, user.gid);
}

/** Whether `login` can log in and PING: what readiness means here. */
export async function queueAnswers(login: QueueLogin): Promise<boolean> {
  const redis = new IORedis({
    ...redisOptions(login),
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

/** Redis is happy to run as root; it runs as the central bank's account when there is one. */
const queuesUser = (layout: Layout): RunAs | undefined => orgUser(theOrg(layout.network, 'centralBank'));

/**
 * The parties' job queues: the project's own redis-server (Debian's; `apt-get install redis-server`
 * when it is missing), run for the central bank from its folder, started if it is not running. The
 * ACL file is written anew each time, so a party added to the network gets its user on restart.
 */
export async function startQueues(layout: Layout, processes: ProcessTable): Promise<void> {
  if (processes.isRunning(queuesProcessName)) return;
  const { queues } = layout.network.services;
  const home = path.join(layout.orgHome(theOrg(layout.network, 'centralBank')), 'queues');
  const logins = networkParties(layout.network).map((party) => partyCredentials(layout, party, {}).queues);
  const user = queuesUser(layout);
  writeAclFile(home, logins, user);
  const { command, args } = redisCommand(home, queues.host, queues.port);
  const record = processes.start({
    name: queuesProcessName,
    command,
    args,
    env: { PATH: process.env.PATH },
    log: layout.logFile(queuesProcessName),
    marker: path.join(home, 'users.acl'),
    user,
  });
  await waitReady(record, () => queueAnswers(logins[0]!));
}
