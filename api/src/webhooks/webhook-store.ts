import type pg from 'pg';
import { z } from 'zod';
import type { SealedBox } from '../sealed-box';
import type { WebhookEventRecord } from './webhook-event-record';
import type { SendOutcome } from './webhook-sender';

/** A delivery that may be sent: its id, the attempts made so far (naming its job), and when it is due. */
export interface DueDelivery {
  deliveryId: string;
  attempts: number;
  nextAttemptAt: Date;
}

export type SubscriptionStatus = 'active' | 'paused' | 'disabled';
export type DeliveryStatus = 'pending' | 'delivered' | 'parked' | 'cancelled';

/** A subscription as its owner sees it: never its secret. */
export interface SubscriptionView {
  subscriptionId: string;
  url: string;
  events: string[];
  status: SubscriptionStatus;
  statusReason: string | null;
  failureStreak: number;
  failingSince: string | null;
  createdAt: string;
  updatedAt: string;
}

/** One line of a subscription's delivery log. */
export interface DeliveryLogEntry {
  deliveryId: string;
  eventId: string;
  type: string;
  orderId: string;
  state: string;
  /** 0 for the live delivery, n for one made by the subscription's nth replay. */
  replay: number;
  status: DeliveryStatus;
  attempts: number;
  lastAttemptAt: string | null;
  lastStatusCode: number | null;
  lastError: string | null;
  nextAttemptAt: string | null;
  deliveredAt: string | null;
  createdAt: string;
}

/** Everything the worker needs to decide on and make one attempt. */
export interface DeliveryClaim {
  deliveryId: string;
  attempts: number;
  status: DeliveryStatus;
  /** Whether it is the oldest undelivered delivery of its order for its subscription. */
  isHead: boolean;
  nextAttemptAt: Date;
  retryFrom: Date | null;
  retryStep: number;
  subscriptionId: string;
  subscriptionStatus: SubscriptionStatus;
  url: string;
  sealedSecret: unknown;
  event: Omit<WebhookEventRecord, 'audience'> & { seq: bigint };
}

/** What recording an attempt led to. */
export type FinishedAttempt =
  { applied: false } | { applied: true; subscriptionId: string; failureStreak: number; failingSince: Date | null; next: DueDelivery[] };

const dueSchema = z.array(
  z.object({ deliveryId: z.string(), attempts: z.number().int(), nextAttemptAt: z.coerce.date() }).transform((d): DueDelivery => d),
);
const finishedSchema = z.union([
  z.object({ applied: z.literal(false) }),
  z.object({
    applied: z.literal(true),
    subscriptionId: z.string(),
    failureStreak: z.number().int(),
    failingSince: z.coerce.date().nullable(),
    next: dueSchema,
  }),
]);

interface SubscriptionRow {
  id: string;
  url: string;
  event_types: string[];
  status: SubscriptionStatus;
  status_reason: string | null;
  failure_streak: number;
  failing_since: Date | null;
  created_at: Date;
  updated_at: Date;
}
const subscriptionColumns = 'id, url, event_types, status, status_reason, failure_streak, failing_since, created_at, updated_at';
const viewOf = (row: SubscriptionRow): SubscriptionView => ({
  subscriptionId: row.id,
  url: row.url,
  events: row.event_types,
  status: row.status,
  statusReason: row.status_reason,
  failureStreak: row.failure_streak,
  failingSince: row.failing_since?.toISOString() ?? null,
  createdAt: row.created_at.toISOString(),
  updatedAt: row.updated_at.toISOString(),
});

/** The oldest undelivered delivery of `d`'s order for `d`'s subscription, in SQL. */
const headOf = (d: string): string =>
  `(select min(p.id) from platform.webhook_deliveries p
     where p.subscription_id = ${d}.subscription_id and p.order_id = ${d}.order_id and p.status in ('pending', 'parked'))`;

/**
 * The webhooks' state in PostgreSQL (`platform.webhook_*`, migration 011): read directly, written only
 * through the migration's functions, each one round trip.
 */
export class WebhookStore {
  constructor(private readonly pool: pg.Pool) {}

  /** One chain event's changes, in one call: the events (each once, however often read) and the deliveries to send now. */
  async record(events: readonly WebhookEventRecord[]): Promise<DueDelivery[]> {
    if (events.length === 0) return [];
    const payload = events.map((e) => ({
      event_id: e.eventId,
      type: e.type,
      order_id: e.orderId,
      state: e.state,
      previous_state: e.previousState,
      action: e.action,
      tx_id: e.txId,
      block_number: e.blockNumber.toString(),
      tx_index: e.txIndex,
      occurred_at: e.occurredAt.toISOString(),
      audience: e.audience,
    }));
    const { rows } = await this.pool.query<{ delivery_id: string; attempts: number; next_attempt_at: Date }>(
      'select delivery_id::text, attempts, next_attempt_at from platform.record_webhook_events($1)',
      [JSON.stringify(payload)],
    );
    return rows.map((r) => ({ deliveryId: r.delivery_id, attempts: r.attempts, nextAttemptAt: r.next_attempt_at }));
  }

  async createSubscription(input: {
    id: string;
    owner: string;
    audience: string | null;
    url: string;
    events: string[];
    sealedSecret: SealedBox;
    max: number;
  }): Promise<'created' | 'existing' | 'conflict' | 'limit'> {
    const { rows } = await this.pool.query<{ outcome: { outcome: 'created' | 'existing' | 'conflict' | 'limit' } }>(
      'select platform.create_webhook_subscription($1, $2, $3, $4, $5, $6, $7) as outcome',
      [input.id, input.owner, input.audience, input.url, input.events, JSON.stringify(input.sealedSecret), input.max],
    );
    return rows[0]!.outcome.outcome;
  }

  async subscription(id: string, owner: string): Promise<SubscriptionView | undefined> {
    const { rows } = await this.pool.query<SubscriptionRow>(
      `select ${subscriptionColumns} from platform.webhook_subscriptions where id = $1 and owner_scope = $2`,
      [id, owner],
    );
    return rows[0] && viewOf(rows[0]);
  }

  /** The sealed secret of a subscription, for the owner's own creation request only. */
  async sealedSecret(id: string, owner: string): Promise<unknown> {
    const { rows } = await this.pool.query<{ sealed_secret: unknown }>(
      'select sealed_secret from platform.webhook_subscriptions where id = $1 and owner_scope = $2',
      [id, owner],
    );
    return rows[0]?.sealed_secret;
  }

  async subscriptions(owner: string): Promise<SubscriptionView[]> {
    const { rows } = await this.pool.query<SubscriptionRow>(
      `select ${subscriptionColumns} from platform.webhook_subscriptions where owner_scope = $1 order by created_at, id`,
      [owner],
    );
    return rows.map(viewOf);
  }

  /** A page of a subscription's log, newest first, before the delivery `before` if given. */
  async deliveries(
    subscriptionId: string,
    query: { limit: number; before?: bigint; status?: DeliveryStatus },
  ): Promise<DeliveryLogEntry[]> {
    const params: unknown[] = [subscriptionId];
    const param = (value: unknown): string => `$${params.push(value)}`;
    const filters = ['d.subscription_id = $1'];
    if (query.before !== undefined) filters.push(`d.id < ${param(query.before.toString())}`);
    if (query.status) filters.push(`d.status = ${param(query.status)}`);
    const { rows } = await this.pool.query<{
      id: string;
      event_id: string;
      type: string;
      order_id: string;
      state: string;
      replay: number;
      status: DeliveryStatus;
      attempts: number;
      last_attempt_at: Date | null;
      last_status_code: number | null;
      last_error: string | null;
      next_attempt_at: Date;
      delivered_at: Date | null;
      created_at: Date;
    }>(
      `select d.id::text, e.event_id, e.type, e.order_id, e.state, d.replay, d.status, d.attempts, d.last_attempt_at, d.last_status_code,
              d.last_error, d.next_attempt_at, d.delivered_at, d.created_at
         from platform.webhook_deliveries d join platform.webhook_events e on e.seq = d.event_seq
        where ${filters.join(' and ')}
        order by d.id desc limit ${param(query.limit)}`,
      params,
    );
    return rows.map((r) => ({
      deliveryId: r.id,
      eventId: r.event_id,
      type: r.type,
      orderId: r.order_id,
      state: r.state,
      replay: r.replay,
      status: r.status,
      attempts: r.attempts,
      lastAttemptAt: r.last_attempt_at?.toISOString() ?? null,
      lastStatusCode: r.last_status_code,
      lastError: r.last_error,
      nextAttemptAt: r.status === 'pending' ? r.next_attempt_at.toISOString() : null,
      deliveredAt: r.delivered_at?.toISOString() ?? null,
      createdAt: r.created_at.toISOString(),
    }));
  }

  async claim(deliveryId: string): Promise<DeliveryClaim | undefined> {
    const { rows } = await this.pool.query<{
      attempts: number;
      status: DeliveryStatus;
      is_head: boolean;
      next_attempt_at: Date;
      retry_from: Date | null;
      retry_step: number;
      subscription_id: string;
      subscription_status: SubscriptionStatus;
      url: string;
      sealed_secret: unknown;
      seq: string;
      event_id: string;
      type: string;
      order_id: string;
      state: string;
      previous_state: string | null;
      action: string;
      tx_id: string;
      block_number: string;
      tx_index: number;
      occurred_at: Date;
    }>(
      `select d.attempts, d.status, d.id = ${headOf('d')} as is_head, d.next_attempt_at, d.retry_from, d.retry_step,
              s.id as subscription_id, s.status as subscription_status, s.url, s.sealed_secret,
              e.seq::text, e.event_id, e.type, e.order_id, e.state, e.previous_state, e.action, e.tx_id, e.block_number::text, e.tx_index,
              e.occurred_at
         from platform.webhook_deliveries d
         join platform.webhook_subscriptions s on s.id = d.subscription_id
         join platform.webhook_events e on e.seq = d.event_seq
        where d.id = $1`,
      [deliveryId],
    );
    const r = rows[0];
    if (!r) return undefined;
    return {
      deliveryId,
      attempts: r.attempts,
      status: r.status,
      isHead: r.is_head,
      nextAttemptAt: r.next_attempt_at,
      retryFrom: r.retry_from,
      retryStep: r.retry_step,
      subscriptionId: r.subscription_id,
      subscriptionStatus: r.subscription_status,
      url: r.url,
      sealedSecret: r.sealed_secret,
      event: {
        seq: BigInt(r.seq),
        eventId: r.event_id,
        type: r.type,
        orderId: r.order_id,
        state: r.state,
        previousState: r.previous_state,
        action: r.action,
        txId: r.tx_id,
        blockNumber: BigInt(r.block_number),
        txIndex: r.tx_index,
        occurredAt: r.occurred_at,
      },
    };
  }

  /** Records attempt number `attempts + 1`; a failure is retried at `retryAt`, or parked without one. */
  async finish(deliveryId: string, attempts: number, outcome: SendOutcome, retryAt: Date | undefined): Promise<FinishedAttempt> {
    const { rows } = await this.pool.query<{ finished: unknown }>(
      'select platform.finish_webhook_attempt($1, $2, $3, $4, $5, $6, $7) as finished',
      [
        deliveryId,
        attempts,
        outcome.delivered,
        outcome.statusCode,
        outcome.delivered ? null : outcome.error,
        retryAt ?? null,
        !outcome.delivered && retryAt === undefined,
      ],
    );
    return finishedSchema.parse(rows[0]!.finished);
  }

  async pause(subscriptionId: string, reason: string): Promise<boolean> {
    const { rows } = await this.pool.query<{ paused: boolean }>('select platform.pause_webhook_subscription($1, $2) as paused', [
      subscriptionId,
      reason,
    ]);
    return rows[0]!.paused;
  }

  async resume(
    id: string,
    owner: string,
  ): Promise<{ outcome: 'resumed'; requeued: number; next: DueDelivery[] } | { outcome: 'not_found' | 'disabled' }> {
    const { rows } = await this.pool.query<{ result: unknown }>('select platform.resume_webhook_subscription($1, $2) as result', [
      id,
      owner,
    ]);
    return z
      .union([
        z.object({ outcome: z.literal('resumed'), requeued: z.number().int(), next: dueSchema }),
        z.object({ outcome: z.enum(['not_found', 'disabled']) }),
      ])
      .parse(rows[0]!.result);
  }

  async disable(id: string, owner: string): Promise<{ outcome: 'done'; cancelled: number } | { outcome: 'not_found' | 'disabled' }> {
    const { rows } = await this.pool.query<{ result: unknown }>('select platform.disable_webhook_subscription($1, $2) as result', [
      id,
      owner,
    ]);
    return z
      .union([
        z.object({ outcome: z.literal('done'), cancelled: z.number().int() }),
        z.object({ outcome: z.enum(['not_found', 'disabled']) }),
      ])
      .parse(rows[0]!.result);
  }

  async replay(
    id: string,
    owner: string,
    fromEventId: string,
    max: number,
  ): Promise<
    | {
        outcome: 'replayed';
        replayed: number;
        replay: number;
        throughEventId: string | null;
        nextEventId: string | null;
        next: DueDelivery[];
      }
    | { outcome: 'not_found' | 'disabled' | 'no_event' }
  > {
    const { rows } = await this.pool.query<{ result: unknown }>('select platform.replay_webhook_events($1, $2, $3, $4) as result', [
      id,
      owner,
      fromEventId,
      max,
    ]);
    return z
      .union([
        z.object({
          outcome: z.literal('replayed'),
          replayed: z.number().int(),
          replay: z.number().int(),
          throughEventId: z.string().nullable(),
          nextEventId: z.string().nullable(),
          next: dueSchema,
        }),
        z.object({ outcome: z.enum(['not_found', 'disabled', 'no_event']) }),
      ])
      .parse(rows[0]!.result);
  }

  /**
   * Deliveries that were due at least `graceMs` ago and may be sent (pending, head of their order, of
   * an active subscription): each should have a job in Redis by now; the sweeper checks.
   */
  async overdue(graceMs: number, limit: number): Promise<DueDelivery[]> {
    const { rows } = await this.pool.query<{ id: string; attempts: number; next_attempt_at: Date }>(
      `select d.id::text, d.attempts, d.next_attempt_at
         from platform.webhook_deliveries d join platform.webhook_subscriptions s on s.id = d.subscription_id and s.status = 'active'
        where d.status = 'pending' and d.next_attempt_at <= now() - make_interval(secs => $1::double precision / 1000)
          and d.id = ${headOf('d')}
        order by d.next_attempt_at limit $2`,
      [graceMs, limit],
    );
    return rows.map((r) => ({ deliveryId: r.id, attempts: r.attempts, nextAttemptAt: r.next_attempt_at }));
  }
}
