import type { Actor, PartyRef } from './actor';
import { approve, expire, reject, slotsOf } from './approval';
import { autoConfirm, confirm, deliver, ship } from './delivery';
import { declareNonReceipt, recordDeposit, resolveByDefault, resolveDispute } from './dispute';
import type { Order } from './order';
import type { DisputeWinner } from './payouts';
import type { SignedReceipt } from './receipt';
import { refuse } from './refusal';
import { challenge, compensate, recordSettlement } from './settlement';
import type { OrderTerms } from './terms';
import type { ActionContext, Transition } from './transition';

/** Every action on an existing order. (Proposing creates one: see propose.ts.) */
export type OrderAction =
  | { type: 'approve' }
  | { type: 'reject'; reason: string }
  | { type: 'expire' }
  | { type: 'ship'; courier?: PartyRef }
  | { type: 'deliver'; proofHash: string }
  | { type: 'confirm' }
  | { type: 'autoConfirm' }
  | { type: 'declareNonReceipt' }
  | { type: 'recordDeposit'; party: DisputeWinner; lockRef: string }
  | { type: 'resolveDispute'; winner: DisputeWinner; evidenceHash: string }
  | { type: 'resolveByDefault' }
  | { type: 'recordSettlement'; receipt: SignedReceipt }
  | { type: 'challenge' }
  | { type: 'compensate' };

/** Private facts some actions need: the order's terms, the merchant's bank's ledger key. */
export interface Facts {
  terms?: OrderTerms;
  ledgerKeyPem?: string;
}

/**
 * Whether this action by this actor reads the private terms, so the contract loads them only when
 * needed: each private read is a round trip to the peer and a hashed read every peer re-validates.
 * Of the approvals only the merchant's reads them (it checks the terms pay its own wallet).
 */
export function needsTerms(order: Order, action: Pick<OrderAction, 'type'>, actor: Actor): boolean {
  switch (action.type) {
    case 'approve':
      return slotsOf(order, actor).includes('merchant');
    case 'resolveDispute':
    case 'resolveByDefault':
    case 'recordSettlement':
      return true;
    default:
      return false;
  }
}

/** Applies one action to an order: the new order and what changed, or an OrderRefused saying why not. */
export function applyAction(order: Order, action: OrderAction, ctx: ActionContext, facts: Facts = {}): Transition {
  const terms = (): OrderTerms => facts.terms ?? refuse('BAD_ARGUMENT', `the terms of order ${order.orderId} are not available`);
  switch (action.type) {
    case 'approve':
      return approve(order, ctx, terms);
    case 'reject':
      return reject(order, ctx, action.reason);
    case 'expire':
      return expire(order, ctx);
    case 'ship':
      return ship(order, ctx, action.courier);
    case 'deliver':
      return deliver(order, ctx, action.proofHash);
    case 'confirm':
      return confirm(order, ctx);
    case 'autoConfirm':
      return autoConfirm(order, ctx);
    case 'declareNonReceipt':
      return declareNonReceipt(order, ctx);
    case 'recordDeposit':
      return recordDeposit(order, ctx, action.party, action.lockRef);
    case 'resolveDispute':
      return resolveDispute(order, ctx, action.winner, action.evidenceHash, terms());
    case 'resolveByDefault':
      return resolveByDefault(order, ctx, terms());
    case 'recordSettlement':
      return recordSettlement(order, ctx, action.receipt, terms(), facts.ledgerKeyPem);
    case 'challenge':
      return challenge(order, ctx);
    case 'compensate':
      return compensate(order, ctx);
  }
}
