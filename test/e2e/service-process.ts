import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import path from 'node:path';

const repo = path.resolve(__dirname, '..', '..');
const bridgeMain = require.resolve('@securepay/bridge/src/main.ts');
const agentMain = require.resolve('@securepay/escrow-agent/src/main.ts');

/** A service (a bank's bridge, the escrow agent) as its own OS process, so that a test can SIGKILL it like a crash would. */
export class ServiceProcess {
  private child: ChildProcess | undefined;
  private stopped = false;
  /** When the running process logged `readyLine`; undefined while it is still starting (or not running). */
  private readySince: number | undefined;
  starts = 0;

  constructor(
    readonly name: string,
    private readonly args: string[],
    private readonly env: NodeJS.ProcessEnv,
    private readonly logFile: string,
    private readonly readyLine: string,
  ) {}

  start(): void {
    if (this.stopped) return;
    this.readySince = undefined;
    // `node --import tsx`, not the tsx CLI: one process, so SIGKILL kills the service itself.
    const child = spawn(process.execPath, ['--import', 'tsx', ...this.args], {
      cwd: repo,
      env: { ...process.env, ...this.env, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const log = createWriteStream(this.logFile, { flags: 'a' });
    for (const output of [child.stdout, child.stderr]) {
      let tail = '';
      output.on('data', (chunk: Buffer) => {
        // The line may arrive split across two chunks: look at the end of the last one too.
        const text = tail + chunk.toString('utf8');
        if (this.child === child && this.readySince === undefined && text.includes(this.readyLine)) this.readySince = Date.now();
        tail = text.slice(-this.readyLine.length);
      });
      output.pipe(log, { end: false });
    }
    child.once('close', () => log.end());
    this.child = child;
    this.starts += 1;
  }

  /** False once its process has exited, killed or by itself (a start that failed, say). */
  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** How long the running process has been ready (its start-up done), 0 while it starts. */
  get readyForMs(): number {
    return this.readySince === undefined ? 0 : Date.now() - this.readySince;
  }

  kill(): void {
    this.child?.kill('SIGKILL');
    this.child = undefined;
    this.readySince = undefined;
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
  new ServiceProcess(`bridge-${bank}`, [bridgeMain, '--bank', bank], env, logFile, '"msg":"bridge started"');

export const agentProcess = (env: NodeJS.ProcessEnv, logFile: string): ServiceProcess =>
  new ServiceProcess('escrow-agent', [agentMain], env, logFile, '"msg":"escrow agent started"');
