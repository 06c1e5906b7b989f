import { z } from 'zod';

/** A change in a chaincode event, as the contract emits it (chaincode/src/escrow-contract.ts). */
export const orderChangeSchema = z.object({
  orderId: z.string(),
  action: z.string(),
  from: z.string().nullable(),
  to: z.string(),
  buyerBank: z.string(),
  merchantBank: z.string(),
  courierBank: z.string().optional(),
  winner: z.enum(['buyer', 'courier']).optional(),
});
export type OrderChange = z.infer<typeof orderChangeSchema>;

export const ordersChangedSchema = z.object({ version: z.literal(1), txId: z.string(), changes: z.array(orderChangeSchema) });

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
