import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync, closeSync } from 'node:fs';
import path from 'node:path';

/** What we remember about a process we started, so that we stop that process and no other. */
export interface ProcessRecord {
  name: string;
  pid: number;
  /** A string its /proc/<pid>/cmdline must contain: guards against a recycled pid. */
  marker: string;
  log: string;
  startedAt: string;
  /** How to ask it to stop (PostgreSQL: SIGINT, its fast shutdown, which does not wait for clients). */
  stopSignal?: NodeJS.Signals;
}

export interface StartSpec {
  name: string;
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd?: string;
  log: string;
  marker?: string;
  /** The Unix account to run as (see org-users.ts); the current user when absent. */
  user?: { uid: number; gid: number };
  stopSignal?: NodeJS.Signals;
}

export class ProcessTable {
  constructor(private readonly pidDir: string) {}

  private recordFile(name: string): string {
    return path.join(this.pidDir, `${name}.json`);
  }

  read(name: string): ProcessRecord | undefined {
    const file = this.recordFile(name);
    if (!existsSync(file)) return undefined;
    return JSON.parse(readFileSync(file, 'utf8')) as ProcessRecord;
  }

  all(): ProcessRecord[] {
    if (!existsSync(this.pidDir)) return [];
    return readdirSync(this.pidDir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => this.read(f.slice(0, -'.json'.length)))
      .filter((r): r is ProcessRecord => r !== undefined);
  }

  isRunning(name: string): boolean {
    const record = this.read(name);
    return record !== undefined && isAlive(record);
  }

  /** Starts the process detached from us (it outlives this command), its output appended to its log. */
  start(spec: StartSpec): ProcessRecord {
    mkdirSync(this.pidDir, { recursive: true });
    mkdirSync(path.dirname(spec.log), { recursive: true });
    const out = openSync(spec.log, 'a');
    const child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: spec.env,
      uid: spec.user?.uid,
      gid: spec.user?.gid,
      detached: true,
      stdio: ['ignore', out, out],
    });
    closeSync(out);
    if (child.pid === undefined) throw new Error(`could not start ${spec.name} (${spec.command}); see ${spec.log}`);
    child.unref();
    const record: ProcessRecord = {
      name: spec.name,
      pid: child.pid,
      marker: spec.marker ?? spec.command,
      log: spec.log,
      startedAt: new Date().toISOString(),
      ...(spec.stopSignal ? { stopSignal: spec.stopSignal } : {}),
    };
    writeFileSync(this.recordFile(spec.name), JSON.stringify(record, null, 2));
    return record;
  }

  /** Stops the named process by its recorded pid: SIGTERM (or its own stop signal), then SIGKILL if it has not gone in time. */
  async stop(name: string, graceMs = 10_000): Promise<boolean> {
    const record = this.read(name);
    if (!record) return false;
    let stopped = false;
    if (isAlive(record)) {
      process.kill(record.pid, record.stopSignal ?? 'SIGTERM');
      const deadline = Date.now() + graceMs;
      while (isAlive(record) && Date.now() < deadline) await sleep(100);
      if (isAlive(record)) process.kill(record.pid, 'SIGKILL');
      while (isAlive(record)) await sleep(50);
      stopped = true;
    }
    rmSync(this.recordFile(name), { force: true });
    return stopped;
  }
}

export function isAlive(record: ProcessRecord): boolean {
  try {
    const cmdline = readFileSync(`/proc/${record.pid}/cmdline`, 'utf8');
    const status = readFileSync(`/proc/${record.pid}/stat`, 'utf8');
    // A zombie has exited; it only waits to be reaped.
    const state = status.slice(status.lastIndexOf(')') + 2, status.lastIndexOf(')') + 3);
    return cmdline.replace(/\0/g, ' ').includes(record.marker) && state !== 'Z';
  } catch {
    return false;
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The last lines of a log, for error messages that point at what went wrong. */
export function logTail(file: string, lines = 12): string {
  if (!existsSync(file)) return '(no log yet)';
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}
