import { cpuByGroup, groupTicks, type GroupRoot, type ProcSnapshot } from './cpu-groups';

const snapshot = (at: number, processes: [number, number, number][], busyTicks = 0): ProcSnapshot => ({
  at,
  processes,
  machine: { busyTicks, totalTicks: busyTicks * 2 },
});

// bench 100 started peer 200 (with a child 201) and Caliper's manager 300, which forked worker 301.
const roots: GroupRoot[] = [
  { group: 'bench', pid: 100 },
  { group: 'peers', pid: 200 },
  { group: 'caliper manager', pid: 300 },
  { group: 'caliper worker', childrenOf: 300 },
];

describe('groupTicks', () => {
  it('charges each process to its nearest root, children of a root included', () => {
    const totals = groupTicks(
      snapshot(0, [
        [1, 0, 999],
        [100, 1, 5],
        [200, 100, 40],
        [201, 200, 2],
        [300, 100, 7],
        [301, 300, 30],
        [302, 301, 3],
        [400, 1, 50],
      ]),
      roots,
    );
    expect(Object.fromEntries(totals)).toEqual({ bench: 5, peers: 42, 'caliper manager': 7, 'caliper worker': 33 });
  });

  it('lists a group with no process as zero', () => {
    expect(groupTicks(snapshot(0, [[100, 1, 5]]), roots).get('peers')).toBe(0);
  });
});

describe('cpuByGroup', () => {
  it('turns tick deltas into CPU seconds and cores over the window', () => {
    const start = snapshot(
      1_000,
      [
        [200, 1, 100],
        [201, 200, 50],
      ],
      1_000,
    );
    // 201 exited and was reaped: its 80 ticks are now in 200's cutime; 202 is new.
    const end = snapshot(
      11_000,
      [
        [200, 1, 100 + 80 + 300],
        [202, 200, 20],
      ],
      1_000 + 600,
    );
    const window = cpuByGroup(start, end, [{ group: 'peers', pid: 200 }], 100);
    expect(window.seconds).toBe(10);
    expect(window.groups).toEqual([{ group: 'peers', cpuSeconds: 3.5, cores: 0.35 }]);
    expect(window.machineBusyCores).toBe(0.6);
    expect(window.unattributedCpuSeconds).toBe(2.5);
  });

  it('clamps a group whose process vanished below zero, and refuses an empty window', () => {
    const start = snapshot(0, [[200, 1, 100]]);
    expect(cpuByGroup(start, snapshot(1_000, []), [{ group: 'peers', pid: 200 }], 100).groups[0]!.cpuSeconds).toBe(0);
    expect(() => cpuByGroup(start, start, [], 100)).toThrow(/positive length/);
  });
});
