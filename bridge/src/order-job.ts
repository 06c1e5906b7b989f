import { orderChangeSchema, type OrderChange } from '@securepay/client';
import { z } from 'zod';

/** What a worker needs to act on one order's change: the change and the decision that made it. */
export const orderJobSchema = z.object({
  change: orderChangeSchema,
  decision: z.object({ txId: z.string(), blockNumber: z.string(), orderId: z.string(), action: z.string(), state: z.string() }),
  /** When the bridge read the event: the start of the end-to-end lag. */
  readAt: z.number(),
});
export type OrderJob = z.infer<typeof orderJobSchema>;

/** One job per transaction and order: re-reading an event yields the same id, so it is never queued twice. */
export const orderJobId = (txId: string, orderId: string): string => `${txId}.${orderId}`;

/** Does this bank have anything to do for the change? */
export function concerns(bank: string, change: OrderChange): boolean {
  return change.buyerBank === bank || change.merchantBank === bank || change.courierBank === bank;
}
