import { OrderRefused } from './refusal';
import { propose } from './propose';
import { actors, ctx, proposal, t0, terms } from './test-fixtures';
import { defaultCompensation } from './compensation';
import { defaultWindows, windowsOutOfBounds } from './windows';

describe("the channel's bounds on an order's windows", () => {
  const bounds = { min: { depositMs: 3_600_000 }, max: { deliveryMs: 30 * 86_400_000 } };

  it('names each window outside them', () => {
    expect(windowsOutOfBounds(defaultWindows, bounds)).toEqual([]);
    expect(windowsOutOfBounds({ ...defaultWindows, depositMs: 1_000, deliveryMs: 60 * 86_400_000 }, bounds)).toEqual([
      "deliveryMs 5184000000 is above the channel's maximum of 2592000000 ms",
      "depositMs 1000 is below the channel's minimum of 3600000 ms",
    ]);
  });

  it('refuses a proposal whose windows fall outside, and takes one within', () => {
    const buyer = ctx(actors.buyer, t0);
    const short = { ...proposal, windows: { depositMs: 1_000 } };
    expect(() => propose(short, terms, defaultWindows, buyer, defaultCompensation, bounds)).toThrow(OrderRefused);
    expect(() => propose(short, terms, defaultWindows, buyer, defaultCompensation, bounds)).toThrow(/depositMs 1000 is below/);
    expect(
      propose({ ...proposal, windows: { depositMs: 3_600_000 } }, terms, defaultWindows, buyer, defaultCompensation, bounds).order.windows
        .depositMs,
    ).toBe(3_600_000);
    // Without bounds configured, anything the global 1 s .. 365 days allows.
    expect(propose(short, terms, defaultWindows, buyer).order.windows.depositMs).toBe(1_000);
  });
});
