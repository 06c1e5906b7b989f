import type { Actor, PartyRef } from './actor';
import { isFinal, type Order, type OrderState } from './order';
import type { DisputePayouts, DisputeWinner } from './payouts';
import { refuse } from './refusal';

/** What the acting transaction brings: who, when (transaction time, ms since the epoch) and which transaction. */
export interface ActionContext {
  actor: Actor;
  now: number;
  txId: string;
  /** When a user's signed intent asked for the step (intent.ts): its hash, kept with the step. */
  intentHash?: string;
}

/** What changed, as the chaincode event reports it: ids, states and banks, never amounts or wallets. */
export interface OrderChange {
  orderId: string;
  action: string;
  from: OrderState | null;
  to: OrderState;
  buyerBank: string;
  merchantBank: string;
  courierBank?: string;
  winner?: DisputeWinner;
  /** The hash of the user's signed intent, when the step was carried in a batch of intents. */
  intentHash?: string;
}

export interface Transition {
  order: Order;
  change: OrderChange;
  /** Set when a dispute is resolved: stored privately, never in public state. */
  payouts?: DisputePayouts;
}

export function requireState(order: Order, action: string, ...allowed: OrderState[]): void {
  if (allowed.includes(order.state)) return;
  if (isFinal(order.state)) refuse('WRONG_STATE', `order ${order.orderId} is ${order.state}, a final state: it accepts no ${action}`);
  refuse('WRONG_STATE', `${action} needs the order to be ${allowed.join(' or ')}; order ${order.orderId} is ${order.state}`);
}

export function requireParty(allowed: boolean, action: string, who: string): void {
  if (!allowed) refuse('WRONG_PARTY', `only ${who} may ${action}`);
}

/** Deadlines are inclusive: acting at the deadline's very millisecond is still in time. */
export function requireBy(now: number, deadline: number, what: string): void {
  if (now > deadline) refuse('DEADLINE_PASSED', `${what} was due by ${new Date(deadline).toISOString()}`);
}

export function requireAfter(now: number, deadline: number, what: string): void {
  if (now <= deadline) refuse('TOO_EARLY', `${what} only after ${new Date(deadline).toISOString()}`);
}

/** Moves the order to `to` (or keeps its state), applying `patch` and recording the step in its history. */
export function transition(
  order: Order,
  ctx: ActionContext,
  action: string,
  to: OrderState,
  patch: Partial<Order> = {},
  extra: Partial<OrderChange> = {},
): Transition {
  const { actor } = ctx;
  const by = actor.partyId ? { mspId: actor.mspId, role: actor.role, partyId: actor.partyId } : { mspId: actor.mspId, role: actor.role };
  const next: Order = {
    ...order,
    ...patch,
    state: to,
    history: [...order.history, { action, from: order.state, to, at: ctx.now, txId: ctx.txId, by, ...intentOf(ctx) }],
  };
  return { order: next, change: changeOf(next, action, order.state, { ...extra, ...intentOf(ctx) }) };
}

export const intentOf = (ctx: ActionContext): { intentHash?: string } => (ctx.intentHash ? { intentHash: ctx.intentHash } : {});

export function changeOf(order: Order, action: string, from: OrderState | null, extra: Partial<OrderChange> = {}): OrderChange {
  const change: OrderChange = {
    orderId: order.orderId,
    action,
    from,
    to: order.state,
    buyerBank: order.buyer.mspId,
    merchantBank: order.merchant.mspId,
    ...extra,
  };
  if (order.courier) change.courierBank = order.courier.mspId;
  return change;
}

export const samePartyRef = (a: PartyRef | undefined, b: PartyRef | undefined): boolean =>
  a !== undefined && b !== undefined && a.mspId === b.mspId && a.partyId === b.partyId;
