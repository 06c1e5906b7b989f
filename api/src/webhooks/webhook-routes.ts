import type { z } from 'zod';
import type { Route, RouteInput } from '../routes';
import { noBody } from '../schemas';
import type { Caller } from '../user-registry';
import { createSubscriptionBody, deliveriesQuery, replayBody, subscriptionParams } from './webhook-schemas';
import type { Webhooks } from './webhooks';

const caller = (input: RouteInput): Caller => input.caller!;
const idOf = (input: RouteInput): string => input.params.subscriptionId!;

/** The webhook routes: every caller manages its own subscriptions (a user, a bank's operator, the platform's). */
export function webhookRoutes(webhooks: Webhooks): Route[] {
  const common = { tag: 'webhooks', access: 'authenticated' } as const;
  const one = { ...common, params: subscriptionParams } as const;
  return [
    {
      ...common,
      method: 'post',
      path: '/webhooks',
      summary:
        "Subscribe a URL to order events (of the caller's orders; every order for the platform's operator). Returns the signing secret once.",
      status: 201,
      body: createSubscriptionBody,
      handle: (input) => webhooks.create(caller(input), input.idempotencyKey!, input.body as z.infer<typeof createSubscriptionBody>),
      // The secret never rests in the database in plain text: a repeat of this request answers without it.
      keptAnswer: (body) => ({ ...(body as object), secret: null }),
    },
    {
      ...common,
      method: 'get',
      path: '/webhooks',
      summary: "The caller's webhook subscriptions: URL, event types, status (active, paused, disabled) and why.",
      handle: (input) => webhooks.list(caller(input)),
    },
    {
      ...one,
      method: 'get',
      path: '/webhooks/:subscriptionId',
      summary: 'One of the caller’s webhook subscriptions.',
      handle: (input) => webhooks.get(caller(input), idOf(input)),
    },
    {
      ...one,
      method: 'get',
      path: '/webhooks/:subscriptionId/deliveries',
      summary:
        'The delivery log, newest first: each event sent (or to be), its status, attempts, last status code or error, next attempt. A page at a time (next → cursor).',
      query: deliveriesQuery,
      handle: (input) => webhooks.deliveries(caller(input), idOf(input), input.query as z.infer<typeof deliveriesQuery>),
    },
    {
      ...one,
      method: 'post',
      path: '/webhooks/:subscriptionId/replay',
      summary:
        'Send again every event of the subscription from the one named (included), in order; at most API_WEBHOOK_REPLAY_MAX, nextEventId says where to go on.',
      status: 202,
      body: replayBody,
      handle: (input) => webhooks.replay(caller(input), idOf(input), (input.body as z.infer<typeof replayBody>).fromEventId),
    },
    {
      ...one,
      method: 'post',
      path: '/webhooks/:subscriptionId/resume',
      summary: 'Resume a paused subscription: its undelivered and parked deliveries are tried again now, in order.',
      body: noBody,
      handle: (input) => webhooks.resume(caller(input), idOf(input)),
    },
    {
      ...one,
      method: 'post',
      path: '/webhooks/:subscriptionId/disable',
      summary: 'Disable a subscription for good: nothing more is sent; its log stays.',
      body: noBody,
      handle: (input) => webhooks.disable(caller(input), idOf(input)),
    },
  ];
}
