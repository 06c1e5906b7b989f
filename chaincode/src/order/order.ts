import type { PartyRef, Role } from './actor';
import type { DisputeWinner } from './payouts';
import type { OrderWindows } from './windows';

export const orderStates = [
  'PROPOSED',
  'ESCROWED',
  'SHIPPED',
  'DELIVERED',
  'CONFIRMED',
  'DISPUTED',
  'CHALLENGED',
  'SETTLED',
  'REFUNDED',
  'REJECTED',
  'EXPIRED',
  'COMPENSATED',
] as const;
export type OrderState = (typeof orderStates)[number];

/** Final states accept no further action; the money has gone (or must go) one way for good. */
export const finalStates: readonly OrderState[] = ['SETTLED', 'REFUNDED', 'REJECTED', 'EXPIRED', 'COMPENSATED'];
export const isFinal = (state: OrderState): boolean => finalStates.includes(state);

/** The four parties whose approval makes an order binding. */
export const approvalSlots = ['platform', 'merchant', 'buyerBank', 'merchantBank'] as const;
export type ApprovalSlot = (typeof approvalSlots)[number];

/** A step as it happened on the channel: when (transaction time, ms since the epoch) and in which transaction. */
export interface Step {
  at: number;
  txId: string;
}

export interface Approval extends Step {
  decision: 'approved' | 'rejected';
  by: string;
  reason?: string;
}

export interface Deposit extends Step {
  /** The bank's reference to the CBDC lock holding the deposit; never an amount or a wallet. */
  lockRef: string;
}

export interface Dispute extends Step {
  depositBy: number;
  /** Until when the platform may resolve; after it anyone may, by the default rule (dispute.ts). */
  resolveBy: number;
  deposits: Partial<Record<DisputeWinner, Deposit>>;
  /** `byDefault`: nobody judged; the winner is the default rule's. */
  resolution?: Step & { winner: DisputeWinner; evidenceHash: string; byDefault?: true };
}

/** One entry per transition, for the order's timeline. */
export interface HistoryEntry extends Step {
  action: string;
  from: OrderState | null;
  to: OrderState;
  by: { mspId: string; role: Role; partyId?: string };
  /** The hash of the signed intent the user gave for this step, when it came in a batch of intents. */
  intentHash?: string;
}

/**
 * An order as public channel state holds it: pseudonymous parties, their banks, the hash of the
 * private terms, deadlines and every step taken. No price, wallet id or name is ever here.
 */
export interface Order {
  orderId: string;
  state: OrderState;
  buyer: PartyRef;
  merchant: PartyRef;
  courier?: PartyRef;
  termsHash: string;
  windows: OrderWindows;
  /** The late-settlement penalty, in basis points of the price, in force when the order was proposed. */
  penaltyBps?: number;
  createdAt: number;
  approveBy: number;
  deliverBy: number;
  confirmBy?: number;
  settleBy?: number;
  proofBy?: number;
  approvals: Partial<Record<ApprovalSlot, Approval>>;
  shipment?: Step;
  delivery?: Step & { proofHash: string };
  confirmation?: Step & { automatic: boolean };
  dispute?: Dispute;
  settlement?: Step & { receiptHash: string; journalPosition: number };
  challenge?: Step & { proofBy: number };
  compensation?: Step;
  history: HistoryEntry[];
}
