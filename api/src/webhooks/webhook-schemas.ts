import { z } from 'zod';
import { webhookEventTypes } from '@securepay/client';

/** Every event type, or `*` for all of them (and any added later). */
export const subscribableEvents = ['*', ...webhookEventTypes] as const;

export const createSubscriptionBody = z.strictObject({
  url: z.string().min(1).max(2048).describe('where to POST: http or https; loopback and private hosts only if the operator allows them'),
  events: z
    .array(z.enum(subscribableEvents))
    .min(1)
    .max(subscribableEvents.length)
    .refine((events) => new Set(events).size === events.length, 'each event type once')
    .describe('the event types to receive, or ["*"] for all'),
});

export const subscriptionParams = z.strictObject({
  subscriptionId: z.string().regex(/^whs_[0-9a-f]{32}$/, 'a subscription id as returned by POST /webhooks'),
});

export const eventIdSchema = z.string().regex(/^evt_[0-9a-f]{32}$/, 'an event id, as a delivery carries it (evt_ and 32 hex digits)');
export const replayBody = z.strictObject({ fromEventId: eventIdSchema.describe('the first event to send again (it included)') });

export const maxDeliveryPage = 200;
export const deliveriesQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(maxDeliveryPage).optional().describe('page size (default 50)'),
  cursor: z
    .string()
    .regex(/^[1-9][0-9]{0,18}$/, 'the next value of the previous page')
    .optional(),
  status: z.enum(['pending', 'delivered', 'parked', 'cancelled']).optional(),
});
