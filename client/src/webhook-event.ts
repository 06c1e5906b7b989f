import { z } from 'zod';
import { orderStates, type OrderState } from '@securepay/chaincode/src/order';
import { verifyWebhook, type VerifyWebhookOptions } from './webhook-signature';

/** An order reached a state (`order.escrowed`, …), or changed within one (`order.updated`: an approval, a deposit). */
export type WebhookEventType = `order.${Lowercase<OrderState>}` | 'order.updated';
export const webhookEventTypes: readonly WebhookEventType[] = [
  ...orderStates.map((state) => `order.${state.toLowerCase() as Lowercase<OrderState>}` as const),
  'order.updated',
];

/**
 * The type of a change from `from` to `to`. States are the contract's plain strings: one this
 * package does not know yet still makes an event (`order.<state>`), never a dropped one.
 */
export const webhookEventTypeOf = (from: string | null, to: string): string =>
  from === to ? 'order.updated' : `order.${to.toLowerCase()}`;

/**
 * The JSON body of a webhook delivery: one change of one order as the chain committed it. Ids,
 * states and positions only — never a price, a wallet or a name. `id` is the same in every
 * delivery of the event (retries, replays): receivers deduplicate by it. Objects stay open and
 * states plain strings, so a field or state added later does not break an older receiver.
 */
export const webhookEventSchema = z.object({
  id: z.string().regex(/^evt_[0-9a-f]{32}$/),
  /** Its place among every event the platform recorded, as a string of digits. */
  sequence: z.string().regex(/^[0-9]+$/),
  /** One of `webhookEventTypes` (or a later contract's state). */
  type: z.string().regex(/^order\.[a-z_]+$/),
  orderId: z.string(),
  state: z.string(),
  previousState: z.string().nullable(),
  /** The contract's name for the step (`propose`, `approve`, `ship`, …). */
  action: z.string(),
  txId: z.string(),
  blockNumber: z.string().regex(/^[0-9]+$/),
  txIndex: z.number().int().min(0),
  /** The transaction's time, as the chain recorded it. */
  occurredAt: z.iso.datetime({ offset: true }),
});
export type WebhookEvent = z.infer<typeof webhookEventSchema>;

/**
 * What a receiver does with a delivery: checks the signature over the raw body (`verifyWebhook`),
 * then reads the event. Throws `WebhookSignatureError` for an untrusted delivery and a zod error
 * for a body that is not an event.
 */
export function readWebhook(
  body: string | Uint8Array,
  signatureHeader: string | undefined,
  secret: string,
  options: VerifyWebhookOptions = {},
): WebhookEvent {
  verifyWebhook(body, signatureHeader, secret, options);
  const text = typeof body === 'string' ? body : Buffer.from(body).toString('utf8');
  return webhookEventSchema.parse(JSON.parse(text));
}
