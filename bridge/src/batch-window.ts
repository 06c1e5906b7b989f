import { defaultBatchWindow, type BatchWindow } from '@securepay/client';
import { z } from 'zod';

/** The contract takes at most this many orders in one batch (`maxBatch` in the chaincode). */
const contractMaxOrders = 500;

/** A whole number of the variable's unit; unset or empty takes the default. */
const wholeNumber = (min: number, max: number, fallback: number) =>
  z
    .string()
    .optional()
    .transform((text) => (text === undefined || text.trim() === '' ? String(fallback) : text.trim()))
    .pipe(z.string().regex(/^\d+$/, 'a whole number').transform(Number).pipe(z.number().min(min).max(max)));

const batchEnvSchema = z.object({
  // 0 sends each step on its own; more than 10 s would only make every order wait for nothing.
  BRIDGE_BATCH_WINDOW_MS: wholeNumber(0, 10_000, defaultBatchWindow.windowMs),
  BRIDGE_BATCH_MAX: wholeNumber(1, contractMaxOrders, defaultBatchWindow.maxOrders),
});

/**
 * How the bridge batches its steps: `BRIDGE_BATCH_WINDOW_MS` (default 50) is the longest a step waits
 * for others to join its transaction, `BRIDGE_BATCH_MAX` (default 200) the most orders one carries.
 * A value that is not a whole number in range stops the bridge at start, saying which and why.
 */
export function batchWindowFromEnv(env: Record<string, string | undefined>): BatchWindow {
  const parsed = batchEnvSchema.safeParse({ BRIDGE_BATCH_WINDOW_MS: env.BRIDGE_BATCH_WINDOW_MS, BRIDGE_BATCH_MAX: env.BRIDGE_BATCH_MAX });
  if (!parsed.success) throw new Error(`bad batch settings: ${z.prettifyError(parsed.error)}`);
  return { windowMs: parsed.data.BRIDGE_BATCH_WINDOW_MS, maxOrders: parsed.data.BRIDGE_BATCH_MAX };
}
