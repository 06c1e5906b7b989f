import { createHash } from 'node:crypto';
import { webhookEventTypeOf, type WebhookEvent } from '@securepay/client';
import type { AppliedChange } from '../order-projector';
import { orderAudience } from './webhook-audience';

/** An order change as the webhooks record it: ids, states and chain positions, and who may receive it. */
export interface WebhookEventRecord {
  eventId: string;
  type: string;
  orderId: string;
  state: string;
  previousState: string | null;
  action: string;
  txId: string;
  blockNumber: bigint;
  txIndex: number;
  occurredAt: Date;
  audience: string[];
}

/**
 * The event's id: the transaction and the change's place in the transaction's event, hashed. Reading
 * the event again gives the same id, so it is recorded once; the id reveals nothing the chain does not.
 */
export const eventIdOf = (txId: string, changeIndex: number): string =>
  `evt_${createHash('sha256').update(`${txId}:${changeIndex}`).digest('hex').slice(0, 32)}`;

/** What one chain event's applied changes become: one webhook event each, in the event's order. */
export function webhookEventsOf(applied: readonly AppliedChange[]): WebhookEventRecord[] {
  return applied.map(({ change, changeIndex, order }) => ({
    eventId: eventIdOf(order.txId, changeIndex),
    type: webhookEventTypeOf(change.from, change.to),
    orderId: change.orderId,
    state: change.to,
    previousState: change.from,
    action: change.action,
    txId: order.txId,
    blockNumber: order.position.blockNumber,
    txIndex: order.position.txIndex,
    occurredAt: order.updatedAt,
    audience: orderAudience(order),
  }));
}

/** A recorded event as the receiver gets it: the delivery's body (`webhookEventSchema` of `@securepay/client`). */
export function deliveryBody(event: Omit<WebhookEventRecord, 'audience'> & { seq: bigint }): string {
  const body: WebhookEvent = {
    id: event.eventId,
    sequence: event.seq.toString(),
    type: event.type,
    orderId: event.orderId,
    state: event.state,
    previousState: event.previousState,
    action: event.action,
    txId: event.txId,
    blockNumber: event.blockNumber.toString(),
    txIndex: event.txIndex,
    occurredAt: event.occurredAt.toISOString(),
  };
  return JSON.stringify(body);
}
