import { existsSync, readFileSync } from 'node:fs';
import { down, status, up } from '@securepay/network';
import { networkLayout } from './fixtures';

const alive = (pid: number): boolean => existsSync(`/proc/${pid}`) && !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');

describe('network:down and network:up', () => {
  it('down stops every process up started and removes all state; down again is harmless; up brings it all back', async () => {
    const layout = networkLayout();
    const before = status(layout.network);
    // A peer and a CA per org, a chaincode server per endorsing org, and the profile's orderers.
    const { orgs, activeOrderers } = layout.network;
    expect(before.length).toBeGreaterThanOrEqual(orgs.length * 2 + orgs.filter((o) => o.chaincodeServer).length + activeOrderers.length);

    await down(layout.network);
    expect(before.filter((p) => alive(p.pid)).map((p) => p.name)).toEqual([]);
    expect(existsSync(layout.runtimeDir)).toBe(false);
    await down(layout.network);

    await up(layout.network);
    const after = status(layout.network);
    expect(after.map((p) => p.name).sort()).toEqual(before.map((p) => p.name).sort());
    expect(after.every((p) => p.running)).toBe(true);
  });
});
