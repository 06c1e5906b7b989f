import { readFileSync } from 'node:fs';
import type { ProcessRecord } from '../src/processes';

/** Resident memory of one process in KiB: `VmRSS` now, `VmHWM` its peak so far. */
function statusKiB(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith(`${field}:`));
    return line ? Number(line.split(/\s+/)[1]) : 0;
  } catch {
    return 0;
  }
}

/**
 * Samples the total resident memory of the network's processes while a benchmark runs. The peak of
 * the sum is what the machine had to hold at once; the sum of each process's own peak is an upper bound.
 */
export class MemorySampler {
  private peakTotalKiB = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly processes: ProcessRecord[]) {}

  start(intervalMs = 200): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
  }

  stop(): { peakTotalMiB: number; sumOfPeaksMiB: number; byProcessPeakMiB: Record<string, number> } {
    clearInterval(this.timer);
    this.sample();
    const byProcessPeakMiB = Object.fromEntries(this.processes.map((p) => [p.name, round(statusKiB(p.pid, 'VmHWM') / 1024)]));
    return {
      peakTotalMiB: round(this.peakTotalKiB / 1024),
      sumOfPeaksMiB: round(Object.values(byProcessPeakMiB).reduce((a, b) => a + b, 0)),
      byProcessPeakMiB,
    };
  }

  private sample(): void {
    const total = this.processes.reduce((sum, p) => sum + statusKiB(p.pid, 'VmRSS'), 0);
    this.peakTotalKiB = Math.max(this.peakTotalKiB, total);
  }
}

const round = (n: number): number => Math.round(n * 10) / 10;
