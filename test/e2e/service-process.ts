import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import path from 'node:path';

const repo = path.resolve(__dirname, '..', '..');
const bridgeMain = require.resolve('@securepay/bridge/src/main.ts');
const agentMain = require.resolve('@securepay/escrow-agent/src/main.ts');

/** A service (a bank's bridge, the escrow agent) as its own OS process, so that a test can SIGKILL it like a crash would. */
export class ServiceProcess {
  private child: ChildProcess | undefined;
  private stopped = false;
  starts = 0;

  constructor(
    readonly name: string,
    private readonly args: string[],
    private readonly env: NodeJS.ProcessEnv,
    private readonly logFile: string,
  ) {}

  start(): void {
    if (this.stopped) return;
    const out = openSync(this.logFile, 'a');
    // `node --import tsx`, not the tsx CLI: one process, so SIGKILL kills the service itself.
    this.child = spawn(process.execPath, ['--import', 'tsx', ...this.args], {
      cwd: repo,
      env: { ...process.env, ...this.env, LOG_LEVEL: 'info' },
      stdio: ['ignore', out, out],
    });
    closeSync(out);
    this.starts += 1;
  }

  kill(): void {
    this.child?.kill('SIGKILL');
    this.child = undefined;
  }

  /** Stops it for good: a later `start` (a chaos loop still running, say) does nothing. */
  async stop(): Promise<void> {
    this.stopped = true;
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    child.kill('SIGKILL');
  }
}

export const bridgeProcess = (bank: string, env: NodeJS.ProcessEnv, logFile: string): ServiceProcess =>
  new ServiceProcess(`bridge-${bank}`, [bridgeMain, '--bank', bank], env, logFile);

export const agentProcess = (env: NodeJS.ProcessEnv, logFile: string): ServiceProcess =>
  new ServiceProcess('escrow-agent', [agentMain], env, logFile);
