import type { Context } from 'fabric-contract-api';
import {
  applyAction,
  needsTerms,
  OrderRefused,
  propose,
  refuse,
  type ActionContext,
  type Actor,
  type BatchRefusal,
  type ChannelDefaults,
  type Order,
  type OrderAction,
  type OrderTerms,
  type Proposal,
  type Transition,
} from './order';
import type { OrderStore } from './order-store';

/** A transition to write, with the order as it was before it (none for a new order). */
export type Applied = [Transition, Order | undefined];

/**
 * One action on one stored order: loads what the action needs, lets the state machine decide, and
 * writes the private side records (dispute payouts, the settlement receipt). The order itself is
 * written by the caller, with the transaction's one event. A refusal throws before anything is written.
 */
export async function takeStep(store: OrderStore, orderId: string, action: OrderAction, context: ActionContext): Promise<Applied> {
  const order = await store.load(orderId);
  const facts = {
    terms: needsTerms(order, action, context.actor) ? await store.getTerms(order) : undefined,
    ledgerKeyPem: action.type === 'recordSettlement' ? await store.ledgerKey(order.merchant.mspId) : undefined,
  };
  const transition = applyAction(order, action, context, facts);
  if (transition.payouts) await store.putPayouts(order, transition.payouts);
  if (action.type === 'recordSettlement') await store.putReceipt(order, action.receipt);
  return [transition, order];
}

/**
 * A new order, from a buyer's proposal and the private terms it travels with: judged by the state
 * machine, its terms written privately. As with `takeStep`, the order itself is written by the caller.
 */
export async function takeProposal(
  store: OrderStore,
  proposal: Proposal,
  terms: OrderTerms,
  context: ActionContext,
  defaults: () => Promise<ChannelDefaults>,
): Promise<Applied> {
  if (await store.get(proposal.orderId)) refuse('ALREADY_EXISTS', `order ${proposal.orderId} already exists`);
  const { windows, compensation, bounds } = await defaults();
  const transition = propose(proposal, terms, windows, context, compensation, bounds);
  await store.putTerms(transition.order, terms);
  return [transition, undefined];
}

/**
 * Reads what `takeStep` will read for each item in two round trips instead of one or two per order:
 * the orders, then the private terms of those whose step needs them.
 */
export async function prefetchSteps(
  store: OrderStore,
  items: readonly { orderId: string; action: Pick<OrderAction, 'type'> }[],
  actor: Actor,
): Promise<void> {
  await store.prefetch(items.map((i) => i.orderId));
  const needingTerms: string[] = [];
  for (const { orderId, action } of items) {
    // Only a merchant's approval and the dispute and settlement steps read terms: the rest skip decoding the order here.
    if (action.type === 'approve' ? actor.role !== 'merchant' : !stepsReadingTerms.has(action.type)) continue;
    const order = await store.get(orderId);
    if (order && needsTerms(order, action, actor)) needingTerms.push(orderId);
  }
  await store.prefetchTerms(needingTerms);
}

const stepsReadingTerms = new Set<OrderAction['type']>(['resolveDispute', 'resolveByDefault', 'recordSettlement']);

/** The channel's settings, read from the store at most once per transaction, however many orders it proposes. */
export function channelDefaults(store: OrderStore): () => Promise<ChannelDefaults> {
  let read: Promise<ChannelDefaults> | undefined;
  return () =>
    (read ??= Promise.all([store.windows(), store.compensation(), store.windowBounds()]).then(([windows, compensation, bounds]) => ({
      windows,
      compensation,
      bounds,
    })));
}

/**
 * Runs `step` for every item of a batch, each on its own: an order the contract refuses is listed
 * with its code and reason and the rest go ahead. Anything but a refusal (a peer error) fails the
 * whole transaction, since it says nothing about the order.
 */
export async function eachOrder<I>(
  items: readonly I[],
  step: (item: I, index: number) => Promise<Applied | Applied[]>,
  identify: (item: I, index: number) => Omit<BatchRefusal, 'code' | 'reason'>,
): Promise<{ done: Applied[]; refused: BatchRefusal[] }> {
  const done: Applied[] = [];
  const refused: BatchRefusal[] = [];
  for (const [index, item] of items.entries()) {
    try {
      const applied = await step(item, index);
      if (isApplied(applied)) done.push(applied);
      else done.push(...applied);
    } catch (error) {
      if (!(error instanceof OrderRefused)) throw error;
      refused.push({ ...identify(item, index), code: error.code, reason: error.reason });
    }
  }
  return { done, refused };
}

/** One transition, as against the several an item may take in turn (a proposal and its approval). */
const isApplied = (applied: Applied | Applied[]): applied is Applied => applied.length === 2 && !Array.isArray(applied[0]);

/** The transaction's time and id, and who calls, for the pure state machine. */
export const stepContext = (ctx: Context, actor: ActionContext['actor']): ActionContext => ({
  actor,
  now: ctx.stub.getDateTimestamp().getTime(),
  txId: ctx.stub.getTxID(),
});
