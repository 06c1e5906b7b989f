import { orderChangeSchema, type FollowedJob, type OrderChange } from '@securepay/client';
import { z } from 'zod';

/** What a bank owes for one order's change: its approval, the settlement receipt, one customer's deposit record. */
export const dutyKinds = ['approve', 'recordSettlement', 'deposit-buyer', 'deposit-courier'] as const;
export type DutyKind = (typeof dutyKinds)[number];

export const dutySchema = z.strictObject({ change: orderChangeSchema, kind: z.enum(dutyKinds) });
export type Duty = z.infer<typeof dutySchema>;

/** The most duties one transaction can ask of a bank: two deposit records for each order of the largest batch. */
const maxDuties = 1_000;

/**
 * What a worker needs to do a bank's duties for one transaction's changes: one job per chain event,
 * however many orders it changed, so a batch transaction costs the bridge one job, not one per order.
 */
export const bankJobSchema = z.strictObject({
  txId: z.string().regex(/^[0-9a-f]{64}$/),
  duties: z.array(dutySchema).min(1).max(maxDuties),
  /** When the bridge read the event: the start of the end-to-end lag. */
  readAt: z.number(),
});
export type BankJob = z.infer<typeof bankJobSchema>;

/**
 * The bank's duties for one change: approving a new order of its buyer or merchant, once it is its
 * turn (checked on the proposal and again on each approval); recording the
 * settlement receipt of its merchant's confirmed (or challenged) order; recording each of its
 * customers' deposits when a dispute opens, each on its own so neither waits on the other. Nothing
 * for any other change.
 */
export function dutiesOf(bank: string, change: OrderChange): DutyKind[] {
  const buyerBank = change.buyerBank === bank;
  const merchantBank = change.merchantBank === bank;
  switch (change.to) {
    case 'PROPOSED':
      // Each approval may make it the bank's turn to approve (approval-turn.ts).
      return (change.action === 'propose' || change.action === 'approve') && (buyerBank || merchantBank) ? ['approve'] : [];
    case 'CONFIRMED':
    case 'CHALLENGED':
      return merchantBank ? ['recordSettlement'] : [];
    case 'DISPUTED':
      if (change.action !== 'declareNonReceipt') return [];
      return [...(buyerBank ? (['deposit-buyer'] as const) : []), ...(change.courierBank === bank ? (['deposit-courier'] as const) : [])];
    default:
      return [];
  }
}

/**
 * The job a transaction's changes ask of a bank: none if they ask nothing of it. Its id is the
 * transaction's, the same whenever the event is read again, so nothing is queued twice.
 */
export function jobFor(bank: string, txId: string, changes: OrderChange[], readAt: number): FollowedJob<BankJob>[] {
  // One duty of a kind per order: a transaction that proposed and approved an order asks for one approval.
  const byId = new Map<string, Duty>();
  for (const change of changes) for (const kind of dutiesOf(bank, change)) byId.set(dutyId(txId, { change, kind }), { change, kind });
  const duties = [...byId.values()];
  return duties.length === 0 ? [] : [{ id: txId, name: 'duties', data: { txId, duties, readAt } }];
}

/** One duty's own id, marked done once it has taken effect, so that a job tried again skips it. */
export function dutyId(txId: string, duty: Duty): string {
  const base = `${txId}.${duty.change.orderId}`;
  return duty.kind.startsWith('deposit-') ? `${base}.${duty.kind}` : base;
}
