import { orderChangeSchema, type FollowedJob, type OrderChange } from '@securepay/client';
import { z } from 'zod';

/** What a worker needs to act on one order's change for this bank. */
export const orderJobSchema = z.strictObject({
  change: orderChangeSchema,
  txId: z.string().regex(/^[0-9a-f]{64}$/),
  /** For a dispute: the one customer whose deposit this job records (each party's on its own). */
  depositOf: z.enum(['buyer', 'courier']).optional(),
  /** When the bridge read the event: the start of the end-to-end lag. */
  readAt: z.number(),
});
export type OrderJob = z.infer<typeof orderJobSchema>;

/**
 * The jobs a change asks of a bank: none if it concerns none of the bank's customers; for a new
 * dispute, one per disputing customer of the bank, so neither deposit waits on the other; otherwise
 * one. Ids are the same whenever the event is read again, so nothing is queued twice.
 */
export function jobsFor(bank: string, txId: string, change: OrderChange, readAt: number): FollowedJob<OrderJob>[] {
  const concerned = change.buyerBank === bank || change.merchantBank === bank || change.courierBank === bank;
  if (!concerned) return [];
  const base = `${txId}.${change.orderId}`;
  if (change.to === 'DISPUTED' && change.action === 'declareNonReceipt') {
    return (['buyer', 'courier'] as const)
      .filter((party) => (party === 'buyer' ? change.buyerBank : change.courierBank) === bank)
      .map((party) => ({ id: `${base}.deposit-${party}`, name: `deposit-${party}`, data: { change, txId, depositOf: party, readAt } }));
  }
  return [{ id: base, name: change.to, data: { change, txId, readAt } }];
}
