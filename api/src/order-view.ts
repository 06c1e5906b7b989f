import { approvalSlots, isFinal, ordersChangedSchema, type Order, type PartyRef } from '@securepay/client';
import type { PublicTransaction } from '@securepay/network';

const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString());

/** A step of an order as a person reads it: what happened, by whom (role, bank, pseudonym), when and where on the chain. */
export interface TimelineStep {
  action: string;
  from: string | null;
  to: string;
  at: string;
  txId: string;
  blockNumber: string | null;
  by: { role: string; mspId: string; partyId?: string };
  /** A step its user signed as an intent that the platform carried: the SHA-256 of the text signed. */
  intentHash?: string;
}

/**
 * An order's public status: only what public channel state holds (pseudonymous parties, their banks,
 * the terms hash, deadlines, steps). No price, wallet or name: the same view for anyone who asks.
 */
export function orderView(order: Order, blockOf: (txId: string) => bigint | undefined) {
  const block = (txId: string): string | null => blockOf(txId)?.toString() ?? null;
  const party = (ref: PartyRef | undefined) => (ref ? { mspId: ref.mspId, partyId: ref.partyId } : null);
  return {
    orderId: order.orderId,
    state: order.state,
    final: isFinal(order.state),
    buyer: party(order.buyer),
    merchant: party(order.merchant),
    courier: party(order.courier),
    termsHash: order.termsHash,
    deadlines: {
      approveBy: iso(order.approveBy),
      deliverBy: iso(order.deliverBy),
      confirmBy: iso(order.confirmBy),
      settleBy: iso(order.settleBy),
      proofBy: iso(order.proofBy),
      depositBy: iso(order.dispute?.depositBy),
      resolveBy: iso(order.dispute?.resolveBy),
    },
    // The windows every approver saw before approving, in milliseconds.
    windows: order.windows,
    approvals: approvalSlots.map((slot) => {
      const approval = order.approvals[slot];
      if (!approval) return { slot, decision: 'pending' as const };
      return {
        slot,
        decision: approval.decision,
        by: approval.by,
        at: iso(approval.at),
        txId: approval.txId,
        blockNumber: block(approval.txId),
        ...(approval.reason ? { reason: approval.reason } : {}),
      };
    }),
    dispute: order.dispute
      ? {
          openedAt: iso(order.dispute.at),
          depositBy: iso(order.dispute.depositBy),
          resolveBy: iso(order.dispute.resolveBy),
          deposits: Object.fromEntries(
            Object.entries(order.dispute.deposits).map(([who, d]) => [who, { at: iso(d.at), txId: d.txId, blockNumber: block(d.txId) }]),
          ),
          resolution: order.dispute.resolution
            ? {
                winner: order.dispute.resolution.winner,
                byDefault: order.dispute.resolution.byDefault ?? false,
                evidenceHash: order.dispute.resolution.evidenceHash,
                at: iso(order.dispute.resolution.at),
                txId: order.dispute.resolution.txId,
              }
            : null,
        }
      : null,
    settlement: order.settlement
      ? { at: iso(order.settlement.at), txId: order.settlement.txId, receiptHash: order.settlement.receiptHash }
      : null,
    timeline: order.history.map((step): TimelineStep => ({
      action: step.action,
      from: step.from,
      to: step.to,
      at: iso(step.at)!,
      txId: step.txId,
      blockNumber: block(step.txId),
      by: step.by,
      ...(step.intentHash ? { intentHash: step.intentHash } : {}),
    })),
  };
}
export type OrderView = ReturnType<typeof orderView>;

/**
 * A transaction as anyone may see it: where it is, whether it counted, which org sent it, and what
 * it did to which orders. The event's bank ids are kept; nothing in it names a person or an amount.
 */
export function transactionView(tx: PublicTransaction) {
  const changes = tx.events
    .flatMap((e) => {
      const parsed = ordersChangedSchema.safeParse(JSON.parse(e.payload.toString('utf8')));
      return parsed.success ? parsed.data.changes : [];
    })
    .map((c) => ({ orderId: c.orderId, action: c.action, from: c.from, to: c.to, ...(c.winner ? { winner: c.winner } : {}) }));
  return {
    txId: tx.txId,
    blockNumber: tx.blockNumber.toString(),
    validationCode: tx.validationCode,
    timestamp: tx.timestamp.toISOString(),
    submittedBy: tx.creatorMspId,
    changes,
  };
}
