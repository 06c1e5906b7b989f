import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isAlive, ProcessTable } from './processes';
import { waitReady } from './readiness';

const scratch = (): string => mkdtempSync(path.join(tmpdir(), 'processes-'));

describe('ProcessTable', () => {
  it('starts a detached process, sees it running, and stops it by its recorded pid', async () => {
    const dir = scratch();
    const table = new ProcessTable(dir);
    const record = table.start({ name: 'sleeper', command: 'sleep', args: ['30'], env: {}, log: path.join(dir, 'sleeper.log') });
    // The child may still be the forked copy of us for a moment, before it runs `sleep`.
    for (let tries = 0; !table.isRunning('sleeper') && tries < 50; tries++) await new Promise((r) => setTimeout(r, 20));
    expect(table.isRunning('sleeper')).toBe(true);
    expect(await table.stop('sleeper')).toBe(true);
    expect(isAlive(record)).toBe(false);
    expect(table.read('sleeper')).toBeUndefined();
  });

  it('treats a pid now used by another program as not ours', () => {
    const record = { name: 'x', pid: process.pid, marker: '/no/such/binary', log: '', startedAt: '' };
    expect(isAlive(record)).toBe(false);
  });

  it('is harmless to stop what is not running', async () => {
    expect(await new ProcessTable(scratch()).stop('nothing')).toBe(false);
  });

  it('reports a node that dies while starting by name, with its log path and last lines', async () => {
    const dir = scratch();
    const table = new ProcessTable(dir);
    const log = path.join(dir, 'broken.log');
    const record = table.start({
      name: 'broken-node',
      command: 'sh',
      args: ['-c', 'echo listen failed: port in use; exit 3'],
      env: {},
      log,
    });
    await expect(waitReady(record, async () => false, 10_000)).rejects.toThrow(
      new RegExp(`broken-node exited while starting; its log is ${log}:\\nlisten failed: port in use`),
    );
    expect(readFileSync(log, 'utf8')).toContain('port in use');
  });
});
