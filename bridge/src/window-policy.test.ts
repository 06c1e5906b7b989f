import { defaultWindows } from '@securepay/client';
import { parseWindowPolicy, windowProblems } from './window-policy';

describe("a bank's minimum windows", () => {
  it('finds nothing wrong with windows at or above the minimums, or with no policy', () => {
    expect(windowProblems(defaultWindows, {})).toEqual([]);
    expect(windowProblems(defaultWindows, { depositMs: defaultWindows.depositMs })).toEqual([]);
  });

  it('names every window below its minimum', () => {
    const windows = { ...defaultWindows, depositMs: 1_000, confirmationMs: 5_000 };
    expect(windowProblems(windows, { depositMs: 3_600_000, confirmationMs: 86_400_000, proofMs: 1 })).toEqual([
      "confirmationMs 5000 is below this bank's minimum of 86400000 ms",
      "depositMs 1000 is below this bank's minimum of 3600000 ms",
    ]);
  });

  it('reads BRIDGE_MIN_WINDOWS', () => {
    expect(parseWindowPolicy(undefined)).toEqual({});
    expect(parseWindowPolicy(' depositMs=3600000, resolutionMs=60000 ')).toEqual({ depositMs: 3_600_000, resolutionMs: 60_000 });
  });

  it.each(['depositMs', 'depositMs=abc', 'depositMs=-1', 'depositTime=5', 'depositMs=1.5'])('refuses "%s" rather than guess', (text) => {
    expect(() => parseWindowPolicy(text)).toThrow(/BRIDGE_MIN_WINDOWS/);
  });
});
