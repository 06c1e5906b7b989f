import { createHash } from 'node:crypto';
import { isParty } from './actor';
import { canonicalJson } from '../canonical-json';
import type { Order } from './order';
import { checkReceipt, type SignedReceipt } from './receipt';
import { requireAfter, requireBy, requireParty, requireState, transition, type ActionContext, type Transition } from './transition';
import type { OrderTerms } from './terms';

/**
 * The merchant's bank records the settlement with a receipt its CBDC ledger signed. The contract
 * verifies it against the bank's registered key and the private terms: a receipt that does not
 * prove payment never settles an order. Answering a challenge is the same call, before the proof deadline.
 */
export function recordSettlement(
  order: Order,
  ctx: ActionContext,
  signed: SignedReceipt,
  terms: OrderTerms,
  ledgerKeyPem: string | undefined,
): Transition {
  requireState(order, 'record a settlement', 'CONFIRMED', 'CHALLENGED');
  requireParty(ctx.actor.role === 'bank' && ctx.actor.mspId === order.merchant.mspId, 'record the settlement', "the merchant's bank");
  if (order.state === 'CHALLENGED') requireBy(ctx.now, order.proofBy!, 'the settlement proof');
  checkReceipt(signed, order, terms, ledgerKeyPem);
  const receiptHash = createHash('sha256').update(canonicalJson(signed)).digest('hex');
  return transition(order, ctx, 'recordSettlement', 'SETTLED', {
    settlement: { at: ctx.now, txId: ctx.txId, receiptHash, journalPosition: signed.receipt.journalPosition },
  });
}

/** A merchant still unpaid past the settlement deadline challenges: its bank must now prove payment. */
export function challenge(order: Order, ctx: ActionContext): Transition {
  requireState(order, 'challenge', 'CONFIRMED');
  requireParty(isParty(ctx.actor, 'merchant', order.merchant), 'challenge the settlement', "the order's merchant");
  requireAfter(ctx.now, order.settleBy!, 'a settlement can be challenged');
  const proofBy = ctx.now + order.windows.proofMs;
  return transition(order, ctx, 'challenge', 'CHALLENGED', { challenge: { at: ctx.now, txId: ctx.txId, proofBy }, proofBy });
}

/** No proof by the deadline: the bank's reserve pays the merchant. Anyone may record it. */
export function compensate(order: Order, ctx: ActionContext): Transition {
  requireState(order, 'compensate', 'CHALLENGED');
  requireAfter(ctx.now, order.proofBy!, 'an unproven settlement is compensated');
  return transition(order, ctx, 'compensate', 'COMPENSATED', { compensation: { at: ctx.now, txId: ctx.txId } });
}
