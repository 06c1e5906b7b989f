import { bestPoint } from './load-sweep';

const point = (load: number, goodputTps: number, failed = 0, ranDry = false) => ({ load, goodputTps, failed, ranDry });

describe('bestPoint', () => {
  it('is the most goodput among points with zero failures', () => {
    expect(bestPoint([point(32, 70), point(128, 90), point(256, 95, 3)]).load).toBe(128);
  });

  it('passes over a point whose prepared pool ran dry', () => {
    expect(bestPoint([point(32, 70), point(128, 90, 0, true)]).load).toBe(32);
  });

  it('falls back to the fewest failures, then the most goodput, when no point is clean', () => {
    expect(bestPoint([point(32, 70, 2), point(128, 90, 1), point(256, 95, 1)]).load).toBe(256);
  });

  it('refuses an empty sweep', () => {
    expect(() => bestPoint([])).toThrow(/no points/);
  });
});
