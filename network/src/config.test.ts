import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadNetworkConfig } from './config';

describe('loadNetworkConfig', () => {
  it('runs one Raft orderer by default and three with the raft3 profile', () => {
    expect(loadNetworkConfig({ env: {} }).activeOrderers.map((o) => o.name)).toEqual(['orderer0']);
    expect(loadNetworkConfig({ profile: 'raft3', env: {} }).activeOrderers.map((o) => o.name)).toEqual([
      'orderer0',
      'orderer1',
      'orderer2',
    ]);
  });

  it('names the profiles it knows when asked for another', () => {
    expect(() => loadNetworkConfig({ profile: 'bft9', env: {} })).toThrow(/unknown profile "bft9".*raft1, raft3/);
  });

  it('takes the block size and timeout from the environment, for benchmark sweeps', () => {
    const { batch } = loadNetworkConfig({ env: { SECUREPAY_BATCH_SIZE: '40', SECUREPAY_BATCH_TIMEOUT: '100ms' } });
    expect(batch.maxMessageCount).toBe(40);
    expect(batch.batchTimeout).toBe('100ms');
  });

  it.each([
    [{ SECUREPAY_BATCH_SIZE: '0' }, /SECUREPAY_BATCH_SIZE must be a positive integer/],
    [{ SECUREPAY_BATCH_SIZE: '2.5' }, /SECUREPAY_BATCH_SIZE must be a positive integer/],
    [{ SECUREPAY_BATCH_TIMEOUT: 'soon' }, /SECUREPAY_BATCH_TIMEOUT must look like 500ms or 2s/],
  ])('refuses bad batch settings %p', (env, message) => {
    expect(() => loadNetworkConfig({ env })).toThrow(message);
  });

  it('says which field of a network file is wrong', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'network-')), 'network.yaml');
    writeFileSync(file, 'channel: Not A Channel\n');
    expect(() => loadNetworkConfig({ file, env: {} })).toThrow(/is not a valid network description[\s\S]*channel/);
  });
});
