import { z } from 'zod';

/**
 * Every process's CPU time at one instant, as the Caliper worker records it
 * (`workloads/proc-snapshot.js`): `[pid, ppid, ticks]` with ticks = utime + stime + cutime + cstime,
 * and the machine's busy and total ticks from /proc/stat.
 */
export const procSnapshotSchema = z.object({
  at: z.number(),
  processes: z.array(z.tuple([z.number().int(), z.number().int(), z.number()])),
  machine: z.object({ busyTicks: z.number(), totalTicks: z.number() }),
});
export type ProcSnapshot = z.infer<typeof procSnapshotSchema>;

/**
 * Where a process group starts in the process tree: a process (`pid`), or every child of one
 * (`childrenOf`: Caliper's workers are forked by its manager). A process belongs to the group of its
 * nearest ancestor-or-self that is a root, so a peer started by the bench is the peers', not the
 * bench's, and a PostgreSQL backend is PostgreSQL's.
 */
export type GroupRoot = { group: string; pid: number } | { group: string; childrenOf: number };

export interface GroupCpu {
  group: string;
  cpuSeconds: number;
  /** cpuSeconds over the window: 1.0 is one core kept busy. */
  cores: number;
}

export interface CpuWindow {
  seconds: number;
  groups: GroupCpu[];
  /** The whole machine's busy CPU over the window, in cores, and what no group accounts for. */
  machineBusyCores: number;
  unattributedCpuSeconds: number;
}

/** Ticks per group at one instant. */
export function groupTicks(snapshot: ProcSnapshot, roots: readonly GroupRoot[]): Map<string, number> {
  const byPid = new Map<number, string>();
  const byParent = new Map<number, string>();
  for (const root of roots) {
    if ('pid' in root) byPid.set(root.pid, root.group);
    else byParent.set(root.childrenOf, root.group);
  }
  const parentOf = new Map(snapshot.processes.map(([pid, ppid]) => [pid, ppid]));
  const groupOf = new Map<number, string | undefined>();
  const resolve = (pid: number): string | undefined => {
    const path: number[] = [];
    let found: string | undefined;
    for (let current: number | undefined = pid; current !== undefined && current > 1; current = parentOf.get(current)) {
      if (groupOf.has(current)) {
        found = groupOf.get(current);
        break;
      }
      path.push(current);
      const ppid = parentOf.get(current);
      found = byPid.get(current) ?? (ppid === undefined ? undefined : byParent.get(ppid));
      if (found !== undefined) break;
    }
    for (const p of path) groupOf.set(p, found);
    return found;
  };
  const totals = new Map<string, number>(roots.map((r) => [r.group, 0]));
  for (const [pid, , ticks] of snapshot.processes) {
    const group = resolve(pid);
    if (group !== undefined) totals.set(group, (totals.get(group) ?? 0) + ticks);
  }
  return totals;
}

/**
 * CPU seconds each group spent between two snapshots. A group's processes that exited and were
 * reaped by another of its processes still count (their time is in the parent's cutime); a group
 * whose process vanished without that can come out below zero, and is clamped to zero.
 */
export function cpuByGroup(start: ProcSnapshot, end: ProcSnapshot, roots: readonly GroupRoot[], ticksPerSecond: number): CpuWindow {
  const seconds = (end.at - start.at) / 1000;
  if (seconds <= 0) throw new Error(`the CPU window must have a positive length, got ${seconds} s`);
  const before = groupTicks(start, roots);
  const after = groupTicks(end, roots);
  const groups = [...after.keys()].map((group) => {
    const cpuSeconds = Math.max(0, (after.get(group)! - (before.get(group) ?? 0)) / ticksPerSecond);
    return { group, cpuSeconds: round3(cpuSeconds), cores: round3(cpuSeconds / seconds) };
  });
  const machineSeconds = (end.machine.busyTicks - start.machine.busyTicks) / ticksPerSecond;
  const attributed = groups.reduce((sum, g) => sum + g.cpuSeconds, 0);
  return {
    seconds: round3(seconds),
    groups,
    machineBusyCores: round3(machineSeconds / seconds),
    unattributedCpuSeconds: round3(Math.max(0, machineSeconds - attributed)),
  };
}

const round3 = (n: number): number => Math.round(n * 1000) / 1000;
