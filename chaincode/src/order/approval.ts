import { isParty, type Actor } from './actor';
import { approvalSlots, type Approval, type ApprovalSlot, type Order } from './order';
import { refuse } from './refusal';
import { walletCommitment, type OrderTerms } from './terms';
import { requireAfter, requireBy, requireParty, requireState, transition, type ActionContext, type Transition } from './transition';

/**
 * The approvals an actor can give on this order. A bank that is both the buyer's and the merchant's
 * bank holds both slots; nobody holds a slot of another party.
 */
export function slotsOf(order: Order, actor: Actor): ApprovalSlot[] {
  switch (actor.role) {
    case 'platform':
      return ['platform'];
    case 'merchant':
      return isParty(actor, 'merchant', order.merchant) ? ['merchant'] : [];
    case 'bank':
      return [
        ...(actor.mspId === order.buyer.mspId ? (['buyerBank'] as const) : []),
        ...(actor.mspId === order.merchant.mspId ? (['merchantBank'] as const) : []),
      ];
    default:
      return [];
  }
}

const approvers = "the platform, the order's merchant, the buyer's bank or the merchant's bank";

function decide(order: Order, ctx: ActionContext, action: string): ApprovalSlot[] {
  requireState(order, action, 'PROPOSED');
  const slots = slotsOf(order, ctx.actor);
  requireParty(slots.length > 0, action, approvers);
  requireBy(ctx.now, order.approveBy, 'approval');
  const open = slots.filter((slot) => order.approvals[slot] === undefined);
  if (open.length === 0) refuse('ALREADY_DONE', `${slots.join(' and ')} already decided on order ${order.orderId}`);
  return open;
}

/**
 * One of the four parties approves. The merchant approves only terms that pay its own wallet; the
 * banks approve after checking the buyer's CBDC lock off-chain. The fourth approval escrows the order.
 */
export function approve(order: Order, ctx: ActionContext, terms: () => OrderTerms): Transition {
  const open = decide(order, ctx, 'approve');
  // Only the merchant's approval reads the private terms; the others never ask for them.
  const paysMerchant = (t: OrderTerms): boolean => walletCommitment(t.merchantWallet, t.merchantWalletSalt) === ctx.actor.walletCommitment;
  if (open.includes('merchant') && !paysMerchant(terms())) {
    refuse('WRONG_PARTY', "the terms' merchant wallet is not the caller's wallet");
  }
  const approval: Approval = { decision: 'approved', at: ctx.now, txId: ctx.txId, by: ctx.actor.mspId };
  const approvals = { ...order.approvals, ...Object.fromEntries(open.map((slot) => [slot, approval])) };
  const complete = approvalSlots.every((slot) => approvals[slot]?.decision === 'approved');
  return transition(order, ctx, 'approve', complete ? 'ESCROWED' : 'PROPOSED', { approvals });
}

/** Any one of the four parties rejects, with a reason: the order is void and the buyer's lock is refunded. */
export function reject(order: Order, ctx: ActionContext, reason: string): Transition {
  const trimmed = reason.trim();
  if (trimmed.length === 0 || trimmed.length > 280) refuse('BAD_ARGUMENT', 'a rejection needs a reason of 1-280 characters');
  const open = decide(order, ctx, 'reject');
  const rejection: Approval = { decision: 'rejected', at: ctx.now, txId: ctx.txId, by: ctx.actor.mspId, reason: trimmed };
  const approvals = { ...order.approvals, ...Object.fromEntries(open.map((slot) => [slot, rejection])) };
  return transition(order, ctx, 'reject', 'REJECTED', { approvals });
}

/**
 * Anyone may expire an order whose deadline passed with nobody acting: not all approvals by the
 * approval deadline, or not shipped by the delivery deadline. The buyer's lock is refunded.
 */
export function expire(order: Order, ctx: ActionContext): Transition {
  requireState(order, 'expire', 'PROPOSED', 'ESCROWED');
  if (order.state === 'PROPOSED') requireAfter(ctx.now, order.approveBy, 'an unapproved order expires');
  else requireAfter(ctx.now, order.deliverBy, 'an unshipped order expires');
  return transition(order, ctx, 'expire', 'EXPIRED');
}
