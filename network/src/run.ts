import { spawn, type SpawnOptions } from 'node:child_process';

export interface RunResult {
  stdout: string;
  stderr: string;
}

export class CommandError extends Error {
  constructor(
    readonly command: string,
    readonly code: number | null,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    super(`${command} exited with ${code}:\n${(stderr || stdout).trim().split('\n').slice(-15).join('\n')}`);
    this.name = 'CommandError';
  }
}

/** Runs a command to completion and collects its output; rejects with the output's tail if it fails. */
export function run(
  file: string,
  args: readonly string[],
  options: SpawnOptions & { onLine?: (line: string) => void } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const feed = (chunk: Buffer, sink: 'out' | 'err'): void => {
      const text = chunk.toString();
      if (sink === 'out') stdout += text;
      else stderr += text;
      if (options.onLine) for (const line of text.split('\n')) if (line) options.onLine(line);
    };
    child.stdout?.on('data', (c: Buffer) => feed(c, 'out'));
    child.stderr?.on('data', (c: Buffer) => feed(c, 'err'));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve({ stdout, stderr });
      else reject(new CommandError([file, ...args].join(' '), code, stdout, stderr));
    });
  });
}
