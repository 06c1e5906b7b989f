import { defaultCompensation, type DisputeWinner, type Order } from '@securepay/client';

/** What the escrow must do because of one proven decision. Applied in order; each is idempotent. */
export type EscrowEffect =
  /** Pay the merchant and the platform's commission from the lock, and sign the settlement receipt. */
  | { kind: 'post' }
  /** Give the lock back to the buyer. */
  | { kind: 'void' }
  /** Pay out the dispute deposits the chain recorded; return any it did not. */
  | { kind: 'settleDeposits'; winner: DisputeWinner; recorded: DisputeWinner[] }
  /** The escrow pays what was owed; the merchant's bank's reserve pays the late-settlement penalty. */
  | { kind: 'compensate'; merchantBank: string; penaltyBps: number };

/**
 * The escrow's part in an order's new state, decided from the order exactly as the proven transaction
 * wrote it. The deposits are settled only by the transaction that resolved the dispute, and never
 * hold up the escrow's own resolution, which comes after them in the same list.
 */
export function escrowEffects(order: Order, txId: string): EscrowEffect[] {
  const action = order.history.find((entry) => entry.txId === txId && entry.to === order.state)?.action;
  const resolution = action === 'resolveDispute' ? order.dispute?.resolution : undefined;
  const deposits = resolution
    ? [
        {
          kind: 'settleDeposits' as const,
          winner: resolution.winner,
          recorded: (['buyer', 'courier'] as const).filter((party) => order.dispute?.deposits[party] !== undefined),
        },
      ]
    : [];
  switch (order.state) {
    case 'REJECTED':
    case 'EXPIRED':
      return [{ kind: 'void' }];
    case 'REFUNDED':
      return [...deposits, { kind: 'void' }];
    case 'CONFIRMED':
      return [...deposits, { kind: 'post' }];
    // Owed since CONFIRMED: posting again is harmless and covers a CONFIRMED never acted on.
    case 'CHALLENGED':
    case 'SETTLED':
      return [{ kind: 'post' }];
    case 'COMPENSATED':
      return [{ kind: 'compensate', merchantBank: order.merchant.mspId, penaltyBps: order.penaltyBps ?? defaultCompensation.penaltyBps }];
    default:
      return [];
  }
}
