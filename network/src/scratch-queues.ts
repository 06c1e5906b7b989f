import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, queuePrefixOf, type Party, type QueueLogin } from '@securepay/ledger';
import { queueAnswers, redisCommand, writeAclFile } from './queues';

/** A Redis of a test's own, set up as the network's queues are. */
export interface ScratchQueues {
  logins: Map<string, QueueLogin>;
  port: number;
  stop(): Promise<void>;
}

/**
 * Starts redis-server with the network's ACL (default user off, one user and prefix per party) in a
 * temp folder, on the first free port from `port` on, for the length of a test: tests never touch
 * the running network's queues.
 */
export async function startScratchQueues(options: { parties: Party[]; port?: number }): Promise<ScratchQueues> {
  const home = mkdtempSync(path.join(tmpdir(), 'securepay-queues-'));
  const port = await freePort(options.port ?? 16479);
  const logins = new Map(
    options.parties.map((party) => [
      party.id,
      { host: '127.0.0.1', port, user: party.id, password: randomBytes(18).toString('base64url'), prefix: queuePrefixOf(party) },
    ]),
  );
  writeAclFile(home, [...logins.values()]);
  const { command, args } = redisCommand(home, '127.0.0.1', port);
  const logFile = path.join(home, 'redis.log');
  const out = openSync(logFile, 'a');
  const child = spawn(command, args, { stdio: ['ignore', out, out] });
  closeSync(out);
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(home, { recursive: true, force: true });
  };
  const first = [...logins.values()][0]!;
  const deadline = Date.now() + 15_000;
  while (!(await queueAnswers(first))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      const tail = readFileSync(logFile, 'utf8').slice(-2000);
      await stop();
      throw new Error(`the scratch Redis did not come up:\n${tail}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { logins, port, stop };
}
