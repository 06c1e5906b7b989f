import { isParty } from './actor';
import { confirmed, hashPattern } from './delivery';
import type { Order } from './order';
import { disputePayouts, type DisputeWinner } from './payouts';
import { refuse } from './refusal';
import { priceOf, type OrderTerms } from './terms';
import { requireAfter, requireBy, requireParty, requireState, transition, type ActionContext, type Transition } from './transition';

/**
 * The buyer declares the goods never arrived (the paper's "Null"): after the courier signed
 * delivery, before the confirmation deadline; or when the goods are overdue. Buyer and courier must
 * now each deposit the price.
 */
export function declareNonReceipt(order: Order, ctx: ActionContext): Transition {
  requireState(order, 'declare non-receipt', 'DELIVERED', 'SHIPPED');
  requireParty(isParty(ctx.actor, 'buyer', order.buyer), 'declare non-receipt', "the order's buyer");
  if (order.state === 'DELIVERED') requireBy(ctx.now, order.confirmBy!, 'a declaration of non-receipt');
  else requireAfter(ctx.now, order.deliverBy, 'a shipped order can be declared not received');
  return transition(order, ctx, 'declareNonReceipt', 'DISPUTED', {
    dispute: { at: ctx.now, txId: ctx.txId, depositBy: ctx.now + order.windows.depositMs, deposits: {} },
  });
}

/** A party's bank records that it holds the party's deposit (a CBDC lock equal to the price). */
export function recordDeposit(order: Order, ctx: ActionContext, party: DisputeWinner, lockRef: string): Transition {
  requireState(order, 'record a deposit', 'DISPUTED');
  const partyRef = party === 'buyer' ? order.buyer : order.courier!;
  requireParty(ctx.actor.role === 'bank' && ctx.actor.mspId === partyRef.mspId, `record the ${party}'s deposit`, `the ${party}'s bank`);
  const dispute = order.dispute!;
  requireBy(ctx.now, dispute.depositBy, 'the deposit');
  if (dispute.deposits[party]) refuse('ALREADY_DONE', `the ${party}'s deposit is already recorded`);
  if (!/^[A-Za-z0-9_:.-]{1,128}$/.test(lockRef)) refuse('BAD_ARGUMENT', 'lockRef must be 1-128 letters, digits or _:.-');
  const deposits = { ...dispute.deposits, [party]: { at: ctx.now, txId: ctx.txId, lockRef } };
  return transition(order, ctx, 'recordDeposit', 'DISPUTED', { dispute: { ...dispute, deposits } });
}

/**
 * The platform names the honest party, with the hash of its evidence, once both deposits are in or
 * the deposit deadline has passed. A party that did not deposit loses by default. The courier
 * winning means delivery happened (settlement follows); the buyer winning refunds the order.
 */
export function resolveDispute(
  order: Order,
  ctx: ActionContext,
  winner: DisputeWinner,
  evidenceHash: string,
  terms: OrderTerms,
): Transition {
  requireState(order, 'resolve a dispute', 'DISPUTED');
  requireParty(ctx.actor.role === 'platform', 'resolve a dispute', 'the platform');
  if (winner !== 'buyer' && winner !== 'courier') refuse('BAD_ARGUMENT', 'the winner must be "buyer" or "courier"');
  if (!hashPattern.test(evidenceHash)) refuse('BAD_ARGUMENT', 'evidenceHash must be a SHA-256 hash: 64 lowercase hex digits');
  const dispute = order.dispute!;
  const deposited = { buyer: dispute.deposits.buyer !== undefined, courier: dispute.deposits.courier !== undefined };
  if (!(deposited.buyer && deposited.courier)) {
    requireAfter(ctx.now, dispute.depositBy, 'a dispute missing a deposit can be resolved');
    const loser = winner === 'buyer' ? 'courier' : 'buyer';
    if (deposited[loser] && !deposited[winner]) refuse('BAD_ARGUMENT', `the ${winner} did not deposit and loses by default`);
  }
  const resolution = { at: ctx.now, txId: ctx.txId, winner, evidenceHash };
  const payouts = disputePayouts(priceOf(terms), winner, deposited);
  const patched = { ...order, dispute: { ...dispute, resolution } };
  const result =
    winner === 'courier' ? confirmed(patched, ctx, 'resolveDispute', false) : transition(patched, ctx, 'resolveDispute', 'REFUNDED');
  return { ...result, change: { ...result.change, winner }, payouts };
}
