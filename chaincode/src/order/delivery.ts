import { isParty, type PartyRef } from './actor';
import type { Order } from './order';
import { refuse } from './refusal';
import {
  requireAfter,
  requireBy,
  requireParty,
  requireState,
  samePartyRef,
  transition,
  type ActionContext,
  type Transition,
} from './transition';

export const hashPattern = /^[0-9a-f]{64}$/;

/** The merchant ships, assigning the courier unless the buyer already named one. */
export function ship(order: Order, ctx: ActionContext, courier: PartyRef | undefined): Transition {
  requireState(order, 'ship', 'ESCROWED');
  requireParty(isParty(ctx.actor, 'merchant', order.merchant), 'ship', "the order's merchant");
  requireBy(ctx.now, order.deliverBy, 'delivery');
  if (order.courier && courier && !samePartyRef(order.courier, courier)) {
    refuse('BAD_ARGUMENT', `order ${order.orderId} already has courier ${order.courier.partyId}@${order.courier.mspId}`);
  }
  const assigned = order.courier ?? courier;
  if (!assigned) refuse('BAD_ARGUMENT', 'shipping needs a courier: name one');
  if (samePartyRef(assigned, order.buyer) || samePartyRef(assigned, order.merchant)) {
    refuse('BAD_ARGUMENT', 'the courier must be neither the buyer nor the merchant');
  }
  return transition(order, ctx, 'ship', 'SHIPPED', { courier: assigned, shipment: { at: ctx.now, txId: ctx.txId } });
}

/** The assigned courier signs delivery with the hash of its proof; the buyer's confirmation clock starts. */
export function deliver(order: Order, ctx: ActionContext, proofHash: string): Transition {
  requireState(order, 'deliver', 'SHIPPED');
  requireParty(isParty(ctx.actor, 'courier', order.courier), 'sign delivery', "the order's courier");
  if (!hashPattern.test(proofHash)) refuse('BAD_ARGUMENT', 'proofHash must be a SHA-256 hash: 64 lowercase hex digits');
  return transition(order, ctx, 'deliver', 'DELIVERED', {
    delivery: { at: ctx.now, txId: ctx.txId, proofHash },
    confirmBy: ctx.now + order.windows.confirmationMs,
  });
}

/** Receipt established (by the buyer, by its silence, or by losing a dispute): settlement is now due. */
export const confirmed = (order: Order, ctx: ActionContext, action: string, automatic: boolean): Transition =>
  transition(order, ctx, action, 'CONFIRMED', {
    confirmation: { at: ctx.now, txId: ctx.txId, automatic },
    settleBy: ctx.now + order.windows.settlementMs,
  });

/** The buyer confirms receipt: the merchant's bank must now settle. */
export function confirm(order: Order, ctx: ActionContext): Transition {
  requireState(order, 'confirm', 'DELIVERED');
  requireParty(isParty(ctx.actor, 'buyer', order.buyer), 'confirm receipt', "the order's buyer");
  requireBy(ctx.now, order.confirmBy!, 'confirmation');
  return confirmed(order, ctx, 'confirm', false);
}

/** A buyer silent past the confirmation deadline is taken to have received the goods; anyone may record it. */
export function autoConfirm(order: Order, ctx: ActionContext): Transition {
  requireState(order, 'auto-confirm', 'DELIVERED');
  requireAfter(ctx.now, order.confirmBy!, 'a silent buyer is auto-confirmed');
  return confirmed(order, ctx, 'autoConfirm', true);
}
