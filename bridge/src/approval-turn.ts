import { slotsOf, type ApprovalSlot, type Order } from '@securepay/client';

/** What a bank should do about an order it has checked and found in order, at this moment. */
export type Turn = { approve: true } | { approve: false; why: string };

/**
 * Whether it is the bank's turn to approve. Approvals are given one after another, the platform's and
 * the merchant's first, then the buyer's bank's, then the merchant's bank's: each writes the order's key,
 * and two approvals of one order in flight at once invalidate one another's whole batch at commit (the
 * second was endorsed on the state before the first). One approval at a time costs no time: the second
 * could not have landed before the first anyway. A bank that is both the buyer's and the merchant's
 * approves both at once. A rejection waits for no one (`BankDuties`).
 */
export function approvalTurn(order: Order, bank: string): Turn {
  const slots = slotsOf(order, { role: 'bank', mspId: bank });
  const open = slots.filter((slot) => order.approvals[slot] === undefined);
  if (open.length === 0) return { approve: false, why: `${bank} has decided already` };
  const before: ApprovalSlot[] = ['platform', 'merchant', ...(open.includes('buyerBank') ? [] : (['buyerBank'] as const))];
  const waitingFor = before.filter((slot) => order.approvals[slot]?.decision !== 'approved');
  return waitingFor.length === 0 ? { approve: true } : { approve: false, why: `waiting for the approval of ${waitingFor.join(', ')}` };
}
