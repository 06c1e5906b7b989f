'use strict';

// A snapshot of every process's CPU time, taken inside the Caliper worker at the edges of a measured
// phase so that the bench can charge CPU seconds to each process group (peers, chaincode, orderers,
// the worker itself, PostgreSQL, Redis …) for exactly that phase. Raw and machine-wide on purpose:
// which pid belongs to which group is decided afterwards, by the bench, from the network's process
// table and the process tree (caliper/src/cpu-groups.ts).
const { readdirSync, readFileSync } = require('node:fs');

/**
 * `processes`: [pid, ppid, ticks] with ticks = utime + stime + cutime + cstime, so that a child that
 * exits and is reaped inside the window still counts (its time moves into its parent's cutime).
 * `machine`: busy and total ticks from /proc/stat, to show CPU no group accounts for.
 */
function procSnapshot() {
  const at = Date.now();
  const processes = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue; // exited while we looked
    }
    // The command name may hold spaces and parentheses; every field after its last ')' is plain.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is stat's field 3 (state): ppid is field 4, utime..cstime are fields 14..17.
    const ticks = Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
    processes.push([Number(name), Number(fields[1]), ticks]);
  }
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const totalTicks = cpu.reduce((a, b) => a + b, 0);
  // idle and iowait are the columns 4 and 5 of the "cpu" line.
  const busyTicks = totalTicks - cpu[3] - (cpu[4] ?? 0);
  return { at, processes, machine: { busyTicks, totalTicks } };
}

module.exports = { procSnapshot };
