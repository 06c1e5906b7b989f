import { existsSync } from 'node:fs';
import path from 'node:path';
import { log } from './log';

export function goBinary(env: NodeJS.ProcessEnv = process.env): string {
  const candidates = [env.GO, ...(env.PATH ?? '').split(':').map((d) => path.join(d, 'go')), '/usr/local/go/bin/go'];
  const found = candidates.find((c): c is string => !!c && existsSync(c));
  if (!found) {
    throw new Error(
      'Go is needed to install Fabric (go ≥ 1.26.4, as Fabric 3.1.5 requires; e.g. /usr/local/go/bin/go); set GO to its path',
    );
  }
  return found;
}

/**
 * How Fabric is built inside a source tree: statically (no cgo), with the Go found here rather than one
 * it would download, resolving dependencies through the module proxy.
 */
export const sourceBuildEnv = (env: NodeJS.ProcessEnv): NodeJS.ProcessEnv => ({
  ...env,
  CGO_ENABLED: '0',
  GOTOOLCHAIN: 'local',
  GOFLAGS: '-mod=mod',
});

/** Go's first error in one line, from the proxy's answer on when there is one ("reading https://…: 403 Forbidden …"). */
export function goFailure(goOutput: string): string {
  const lines = goOutput.split('\n').filter((l) => l.trim() !== '' && !/^go: (downloading|finding|extracting) /.test(l));
  const next = lines.findIndex((l, i) => i > 0 && l.startsWith('go: '));
  const first = (next < 0 ? lines : lines.slice(0, next)).join(' ').replace(/\s+/g, ' ').trim();
  const reading = first.indexOf('reading http');
  return reading >= 0 ? first.slice(reading) : first.replace(/^go: /, '');
}

/**
 * Logs a heartbeat every 15 s while `go` works, since a first build is silent for minutes: the phase
 * (downloads, then compiling, one `-v` line per package) and the seconds so far.
 */
export async function withProgress<T>(what: string, work: (onLine: (line: string) => void) => Promise<T>): Promise<T> {
  const started = Date.now();
  const seconds = (): number => Math.round((Date.now() - started) / 1000);
  let phase = 'resolving modules';
  let compiled = 0;
  const onLine = (line: string): void => {
    if (line.startsWith('go: downloading')) phase = 'downloading modules';
    else if (/^[\w.~-]+(\/[\w.~+-]+)+$/.test(line.trim())) {
      phase = 'compiling';
      compiled += 1;
    }
  };
  log.info(`${what} (minutes the first time)`);
  const heartbeat = setInterval(() => log.info({ phase, packagesCompiled: compiled, seconds: seconds() }, `still ${what}`), 15_000);
  try {
    const result = await work(onLine);
    log.info({ seconds: seconds(), packagesCompiled: compiled }, `done ${what}`);
    return result;
  } finally {
    clearInterval(heartbeat);
  }
}
