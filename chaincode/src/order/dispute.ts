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
  const depositBy = ctx.now + order.windows.depositMs;
  return transition(order, ctx, 'declareNonReceipt', 'DISPUTED', {
    dispute: { at: ctx.now, txId: ctx.txId, depositBy, resolveBy: depositBy + order.windows.resolutionMs, deposits: {} },
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
 * the deposit deadline has passed, and no later than `resolveBy`. A party that did not deposit loses
 * by default. The courier winning means delivery happened (settlement follows); the buyer winning
 * refunds the order.
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
  requireBy(ctx.now, order.dispute!.resolveBy, "the platform's resolution (after it, the default rule decides)");
  return resolved(order, ctx, winner, { evidenceHash }, terms);
}

/**
 * Who wins a dispute nobody judged: what the chain records stands. A party that alone deposited wins
 * (the other did not back its word). Otherwise the courier's signed delivery stands if it signed one;
 * if the goods never reached DELIVERED (the order was overdue), the buyer's claim does.
 */
export function defaultWinner(order: Order): DisputeWinner {
  const { buyer, courier } = order.dispute!.deposits;
  if (buyer && !courier) return 'buyer';
  if (courier && !buyer) return 'courier';
  return order.delivery ? 'courier' : 'buyer';
}

/**
 * After `resolveBy` a dispute the platform left open is resolved by anyone, by the default rule: the
 * platform cannot hold an order (and both deposits) hostage by staying silent.
 */
export function resolveByDefault(order: Order, ctx: ActionContext, terms: OrderTerms): Transition {
  requireState(order, 'resolve a dispute by default', 'DISPUTED');
  requireAfter(ctx.now, order.dispute!.resolveBy, 'a dispute can be resolved by default');
  return resolved(order, ctx, defaultWinner(order), { evidenceHash: '0'.repeat(64), byDefault: true }, terms);
}

function resolved(
  order: Order,
  ctx: ActionContext,
  winner: DisputeWinner,
  how: { evidenceHash: string; byDefault?: true },
  terms: OrderTerms,
): Transition {
  const dispute = order.dispute!;
  const deposited = { buyer: dispute.deposits.buyer !== undefined, courier: dispute.deposits.courier !== undefined };
  if (!(deposited.buyer && deposited.courier)) {
    requireAfter(ctx.now, dispute.depositBy, 'a dispute missing a deposit can be resolved');
    const loser = winner === 'buyer' ? 'courier' : 'buyer';
    if (deposited[loser] && !deposited[winner]) refuse('BAD_ARGUMENT', `the ${winner} did not deposit and loses by default`);
  }
  const resolution = { at: ctx.now, txId: ctx.txId, winner, ...how };
  const payouts = disputePayouts(priceOf(terms), winner, deposited);
  const patched = { ...order, dispute: { ...dispute, resolution } };
  const result =
    winner === 'courier' ? confirmed(patched, ctx, 'resolveDispute', false) : transition(patched, ctx, 'resolveDispute', 'REFUNDED');
  return { ...result, change: { ...result.change, winner }, payouts };
}
