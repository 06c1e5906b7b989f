import { batchWindowFromEnv } from './batch-window';

describe('batchWindowFromEnv', () => {
  it('takes 50 ms and 200 orders when nothing is set', () => {
    expect(batchWindowFromEnv({})).toEqual({ windowMs: 50, maxOrders: 200 });
    expect(batchWindowFromEnv({ BRIDGE_BATCH_WINDOW_MS: '', BRIDGE_BATCH_MAX: ' ' })).toEqual({ windowMs: 50, maxOrders: 200 });
  });

  it('reads both settings; a zero window sends each step alone', () => {
    expect(batchWindowFromEnv({ BRIDGE_BATCH_WINDOW_MS: '0', BRIDGE_BATCH_MAX: '500' })).toEqual({ windowMs: 0, maxOrders: 500 });
    expect(batchWindowFromEnv({ BRIDGE_BATCH_WINDOW_MS: ' 20 ', BRIDGE_BATCH_MAX: '1' })).toEqual({ windowMs: 20, maxOrders: 1 });
  });

  it.each([
    [{ BRIDGE_BATCH_WINDOW_MS: '50ms' }, /BRIDGE_BATCH_WINDOW_MS/],
    [{ BRIDGE_BATCH_WINDOW_MS: '-1' }, /BRIDGE_BATCH_WINDOW_MS/],
    [{ BRIDGE_BATCH_WINDOW_MS: '2.5' }, /BRIDGE_BATCH_WINDOW_MS/],
    [{ BRIDGE_BATCH_WINDOW_MS: '60000' }, /BRIDGE_BATCH_WINDOW_MS/],
    [{ BRIDGE_BATCH_MAX: '0' }, /BRIDGE_BATCH_MAX/],
    [{ BRIDGE_BATCH_MAX: '501' }, /BRIDGE_BATCH_MAX/],
    [{ BRIDGE_BATCH_MAX: 'lots' }, /BRIDGE_BATCH_MAX/],
  ])('refuses %j, naming the variable', (env, name) => {
    expect(() => batchWindowFromEnv(env)).toThrow(name);
  });
});
