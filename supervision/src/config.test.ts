import { loadSupervisionConfig } from './config';

describe('the supervision configuration', () => {
  const token = 't'.repeat(32);

  it('has defaults for all but the token, and reads the rest from the environment', () => {
    expect(loadSupervisionConfig({ SUPERVISION_TOKEN: token })).toEqual({
      SUPERVISION_HOST: '127.0.0.1',
      SUPERVISION_PORT: 3100,
      SUPERVISION_TOKEN: token,
      SUPERVISION_START_BLOCK: 0n,
      SUPERVISION_ALLOW_IPS: [],
      SUPERVISION_AGING_BANDS: [60, 600, 3600, 86400],
    });
    expect(
      loadSupervisionConfig({
        SUPERVISION_TOKEN: token,
        SUPERVISION_PORT: '0',
        SUPERVISION_START_BLOCK: '117',
        SUPERVISION_ALLOW_IPS: '127.0.0.1, 10.0.0.2',
        SUPERVISION_AGING_BANDS: '30,300',
      }),
    ).toMatchObject({
      SUPERVISION_PORT: 0,
      SUPERVISION_START_BLOCK: 117n,
      SUPERVISION_ALLOW_IPS: ['127.0.0.1', '10.0.0.2'],
      SUPERVISION_AGING_BANDS: [30, 300],
    });
  });

  it.each([
    [{}, 'SUPERVISION_TOKEN'],
    [{ SUPERVISION_TOKEN: 'short' }, 'SUPERVISION_TOKEN must be 32+ characters'],
    [{ SUPERVISION_TOKEN: token, SUPERVISION_START_BLOCK: '-1' }, 'SUPERVISION_START_BLOCK is a block number'],
    [{ SUPERVISION_TOKEN: token, SUPERVISION_AGING_BANDS: '600,60' }, 'SUPERVISION_AGING_BANDS is up to 20 increasing'],
    [{ SUPERVISION_TOKEN: token, SUPERVISION_PORT: '70000' }, 'SUPERVISION_PORT'],
  ])('refuses %j, naming the setting', (env, words) => {
    expect(() => loadSupervisionConfig(env)).toThrow(words);
  });
});
