import { z } from 'zod';

/**
 * How long each party has for its step, in milliseconds. Each deadline is fixed when its phase
 * starts, from the windows the order was created with.
 */
export interface OrderWindows {
  /** From proposal until all four approvals are due. */
  approvalMs: number;
  /** From proposal until the goods must be delivered. */
  deliveryMs: number;
  /** From delivery until the buyer must confirm or declare non-receipt. */
  confirmationMs: number;
  /** From the dispute until both deposits are due. */
  depositMs: number;
  /** From the deposit deadline until the platform must have resolved the dispute; after it anyone may, by the default rule. */
  resolutionMs: number;
  /** From confirmation until the merchant's bank must record the settlement. */
  settlementMs: number;
  /** From a challenge until the merchant's bank must prove the settlement. */
  proofMs: number;
}

const hour = 3_600_000;
const day = 24 * hour;

export const defaultWindows: OrderWindows = {
  approvalMs: hour,
  deliveryMs: 14 * day,
  confirmationMs: 3 * day,
  depositMs: 2 * day,
  resolutionMs: 2 * day,
  settlementMs: day,
  proofMs: day,
};

/** Bounds on every window: long enough to act in, short enough that no order waits for years. */
export const minWindowMs = 1_000;
export const maxWindowMs = 365 * day;

const windowMs = z.number().int().min(minWindowMs).max(maxWindowMs);

export const windowsSchema = z.strictObject({
  approvalMs: windowMs,
  deliveryMs: windowMs,
  confirmationMs: windowMs,
  depositMs: windowMs,
  resolutionMs: windowMs,
  settlementMs: windowMs,
  proofMs: windowMs,
});

export const windowOverridesSchema = windowsSchema.partial();

/**
 * The channel's limits on any order's windows, per window: a buyer's per-order windows (and the
 * defaults) must fall within them, so a 1-second deposit window cannot make a dispute free.
 */
export interface WindowBounds {
  min: Partial<OrderWindows>;
  max: Partial<OrderWindows>;
}

export const windowBoundsSchema = z.strictObject({ min: windowOverridesSchema, max: windowOverridesSchema });

/** No limits beyond the global 1 s to 365 days until the channel configures some. */
export const noWindowBounds: WindowBounds = { min: {}, max: {} };

/** Every window outside the channel's bounds, named; empty when all are within. */
export function windowsOutOfBounds(windows: OrderWindows, bounds: WindowBounds): string[] {
  return (Object.keys(windows) as (keyof OrderWindows)[]).flatMap((name) => {
    const { [name]: min } = bounds.min;
    const { [name]: max } = bounds.max;
    if (min !== undefined && windows[name] < min) return [`${name} ${windows[name]} is below the channel's minimum of ${min} ms`];
    if (max !== undefined && windows[name] > max) return [`${name} ${windows[name]} is above the channel's maximum of ${max} ms`];
    return [];
  });
}
