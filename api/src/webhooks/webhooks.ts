import { createHash, randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { ApiError } from '../api-error';
import type { Keystore } from '../keystore';
import type { AppliedChange } from '../order-projector';
import type { Caller } from '../user-registry';
import { callerAudience } from './webhook-audience';
import { secretPurpose, type WebhookDispatcher } from './webhook-dispatcher';
import { webhookEventsOf } from './webhook-event-record';
import { checkWebhookUrl, WebhookUrlRefused } from './webhook-url';
import type { DeliveryLogEntry, DeliveryStatus, SubscriptionView, WebhookStore } from './webhook-store';

export interface WebhookSettings {
  /** `API_WEBHOOK_ALLOW_PRIVATE`. */
  allowInternal: boolean;
  maxSubscriptionsPerOwner: number;
  replayMax: number;
}

/** A subscription's id: one per caller and creation request, so a repeated request finds the first. */
const subscriptionIdOf = (scope: string, idempotencyKey: string): string =>
  `whs_${createHash('sha256').update(`${scope}\n${idempotencyKey}`).digest('hex').slice(0, 32)}`;

const notFound = (id: string): ApiError => new ApiError(404, 'NOT_FOUND', `no webhook subscription ${id} of yours`);

/** Another caller's subscription is as good as none; a disabled one takes no more requests. */
const refusal = (outcome: 'not_found' | 'disabled', id: string): ApiError =>
  outcome === 'not_found' ? notFound(id) : new ApiError(409, 'SUBSCRIPTION_DISABLED', `webhook subscription ${id} is disabled`);

/**
 * The platform's webhooks as its callers use them: each caller's own subscriptions (a user's for the
 * orders it is a party to, a bank operator's for its bank's, the platform operator's for all), their
 * delivery logs, replays, resuming and disabling; and, for the projector, recording each chain event's
 * order changes as events. The secret is made here, sealed at once, and shown in the creation's answer only.
 */
export class Webhooks {
  constructor(
    private readonly store: WebhookStore,
    private readonly keystore: Keystore,
    private readonly dispatcher: WebhookDispatcher,
    private readonly settings: WebhookSettings,
    private readonly log: Logger,
  ) {}

  /** The projector's hook: one round trip to record the changes, then the new deliveries queued (without waiting on Redis). */
  async record(applied: readonly AppliedChange[]): Promise<void> {
    const due = await this.store.record(webhookEventsOf(applied));
    this.dispatcher.enqueue(due);
  }

  async create(
    caller: Caller,
    idempotencyKey: string,
    input: { url: string; events: string[] },
  ): Promise<{ subscription: SubscriptionView; secret: string }> {
    let url: URL;
    try {
      url = checkWebhookUrl(input.url, this.settings.allowInternal);
    } catch (error) {
      if (error instanceof WebhookUrlRefused) {
        throw new ApiError(400, error.code, `body.url: ${error.message}`, [{ path: 'body.url', message: error.message }]);
      }
      throw error;
    }
    const id = subscriptionIdOf(caller.scope, idempotencyKey);
    const secret = `whsec_${randomBytes(32).toString('base64url')}`;
    const outcome = await this.store.createSubscription({
      id,
      owner: caller.scope,
      audience: callerAudience(caller),
      url: url.toString(),
      events: input.events,
      sealedSecret: this.keystore.seal(id, secretPurpose, secret),
      max: this.settings.maxSubscriptionsPerOwner,
    });
    if (outcome === 'limit') {
      throw new ApiError(
        409,
        'TOO_MANY_SUBSCRIPTIONS',
        `at most ${this.settings.maxSubscriptionsPerOwner} webhook subscriptions per caller; disable one first`,
      );
    }
    if (outcome === 'conflict') throw new ApiError(409, 'IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was used for a different request');
    const subscription = (await this.store.subscription(id, caller.scope))!;
    if (outcome === 'existing') {
      // The same caller's same request, whose answer was never kept (the API stopped mid-way): its secret, once more.
      const sealed = await this.store.sealedSecret(id, caller.scope);
      return { subscription, secret: this.keystore.open(id, secretPurpose, sealed) };
    }
    this.log.info({ subscriptionId: id, owner: caller.scope, events: input.events }, 'webhook subscription created');
    return { subscription, secret };
  }

  async list(caller: Caller): Promise<{ subscriptions: SubscriptionView[] }> {
    return { subscriptions: await this.store.subscriptions(caller.scope) };
  }

  async get(caller: Caller, id: string): Promise<SubscriptionView> {
    const subscription = await this.store.subscription(id, caller.scope);
    if (!subscription) throw notFound(id);
    return subscription;
  }

  async deliveries(
    caller: Caller,
    id: string,
    query: { limit?: number; cursor?: string; status?: DeliveryStatus },
  ): Promise<{ deliveries: DeliveryLogEntry[]; next: string | null }> {
    await this.get(caller, id);
    const limit = query.limit ?? 50;
    const rows = await this.store.deliveries(id, {
      limit: limit + 1,
      ...(query.cursor ? { before: BigInt(query.cursor) } : {}),
      ...(query.status ? { status: query.status } : {}),
    });
    const shown = rows.slice(0, limit);
    return { deliveries: shown, next: rows.length > limit ? shown[shown.length - 1]!.deliveryId : null };
  }

  async replay(
    caller: Caller,
    id: string,
    fromEventId: string,
  ): Promise<{ replayed: number; replay: number; throughEventId: string | null; nextEventId: string | null }> {
    const result = await this.store.replay(id, caller.scope, fromEventId, this.settings.replayMax);
    if (result.outcome !== 'replayed') {
      if (result.outcome === 'no_event') {
        throw new ApiError(404, 'NOT_FOUND', `no event ${fromEventId} among this subscription's orders`, [
          { path: 'body.fromEventId', message: 'not an event of your orders' },
        ]);
      }
      throw refusal(result.outcome, id);
    }
    await this.dispatcher.requeue(result.next);
    const { replayed, replay, throughEventId, nextEventId } = result;
    return { replayed, replay, throughEventId, nextEventId };
  }

  async resume(caller: Caller, id: string): Promise<{ subscription: SubscriptionView; requeued: number }> {
    const result = await this.store.resume(id, caller.scope);
    if (result.outcome !== 'resumed') throw refusal(result.outcome, id);
    await this.dispatcher.requeue(result.next);
    return { subscription: await this.get(caller, id), requeued: result.requeued };
  }

  async disable(caller: Caller, id: string): Promise<{ subscription: SubscriptionView; cancelled: number }> {
    const result = await this.store.disable(id, caller.scope);
    if (result.outcome !== 'done') throw refusal(result.outcome, id);
    return { subscription: await this.get(caller, id), cancelled: result.cancelled };
  }
}
