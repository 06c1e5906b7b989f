import { DelayedError, Queue, Worker, type Job } from 'bullmq';
import type IORedis from 'ioredis';
import type { Logger } from 'pino';
import { z } from 'zod';
import { signWebhook, webhookSignatureHeader } from '@securepay/client';
import type { Keystore } from '../keystore';
import { readiness } from './delivery-readiness';
import { deliveryBody } from './webhook-event-record';
import { afterFailure, shouldPause, type PausePolicy, type RetryPolicy } from './webhook-retry';
import { postWebhook, type SendOptions } from './webhook-sender';
import type { DueDelivery, WebhookStore } from './webhook-store';

/** The keystore purpose a subscription's signing secret is sealed under. */
export const secretPurpose = 'webhook-secret';

/** The queue's name under the platform's key prefix. */
export const webhookQueueName = 'webhooks';

/** A delivery's job for one attempt: the same delivery and attempt always make the same job id. */
export const jobIdOf = (due: Pick<DueDelivery, 'deliveryId' | 'attempts'>): string => `wh-${due.deliveryId}-${due.attempts}`;
const jobDataSchema = z.strictObject({ deliveryId: z.string().regex(/^[0-9]+$/), attempts: z.number().int().min(0) });

/** A due delivery found without its job this long after its time is queued again by the sweeper. */
const sweepGraceMs = 2_000;
const sweepBatch = 500;
/** Queue writes in flight beyond this are dropped while Redis is away: the sweeper queues them once it is back. */
const maxPendingWrites = 1_000;

export interface DispatcherOptions {
  store: WebhookStore;
  keystore: Keystore;
  /** A fresh Redis connection as the platform's queue user (BullMQ wants one per queue and worker). */
  redis: () => IORedis;
  /** The platform's own key prefix (its Redis user may use no other), with a namespace if any. */
  prefix: string;
  send: SendOptions;
  retry: RetryPolicy;
  pause: PausePolicy;
  concurrency: number;
  sweepMs: number;
  log: Logger;
}

/**
 * Sends deliveries through a BullMQ queue of the platform's: one job per attempt of a delivery, its
 * id derived from both, so queueing one twice adds it once. The database holds every delivery's
 * state; a job only says "try this one now", and the worker asks the database whether to
 * (`readiness`). Whatever Redis loses — a restart, a flush — the sweeper finds: any delivery due a
 * moment ago without its job is queued again, at start and every `sweepMs`.
 */
export class WebhookDispatcher {
  private pendingWrites = 0;
  private stopped = false;

  private readonly queue: Queue;
  private readonly worker: Worker;
  private readonly sweeper: NodeJS.Timeout;
  /** BullMQ leaves connections it was handed open when it closes: they are ours to end. */
  private readonly connections: IORedis[] = [];

  private constructor(private readonly options: DispatcherOptions) {
    const { log } = options;
    const connect = (): IORedis => {
      const redis = options.redis();
      this.connections.push(redis);
      return redis;
    };
    this.queue = new Queue(webhookQueueName, { connection: connect(), prefix: options.prefix });
    this.queue.on('error', (error) => log.warn({ err: error.message }, 'webhook queue: Redis trouble'));
    this.worker = new Worker(webhookQueueName, (job: Job, token?: string) => this.attempt(job, token), {
      connection: connect(),
      prefix: options.prefix,
      concurrency: options.concurrency,
      autorun: false,
      // A killed API leaves its active jobs locked: they are taken back soon, however often that
      // happens (at-least-once: a receiver may see a delivery twice, never none).
      lockDuration: Math.max(10_000, options.send.timeoutMs * 2),
      stalledInterval: 5_000,
      maxStalledCount: 1_000_000,
    });
    this.worker.on('error', (error) => log.warn({ err: error.message }, 'webhook worker: Redis trouble'));
    this.worker.on('failed', (job, error) => log.warn({ jobId: job?.id, err: error.message }, 'webhook job failed; retried'));
    this.sweeper = setInterval(() => void this.sweep(), options.sweepMs);
  }

  /** Starts the worker and the sweeper; the first sweep runs at once, for whatever Redis lost while the API was down. */
  static start(options: DispatcherOptions): WebhookDispatcher {
    const dispatcher = new WebhookDispatcher(options);
    void dispatcher.worker.run().catch((error: Error) => options.log.error({ err: error.message }, 'webhook worker stopped'));
    void dispatcher.sweep();
    return dispatcher;
  }

  /**
   * Queues each delivery's next attempt at its time. Never throws and never waits on Redis for long:
   * a write Redis does not take is the sweeper's to redo.
   */
  enqueue(due: readonly DueDelivery[]): void {
    if (due.length === 0 || this.stopped) return;
    if (this.pendingWrites >= maxPendingWrites) {
      this.options.log.warn({ deliveries: due.length }, 'webhook queue backed up; the sweeper will queue these');
      return;
    }
    this.pendingWrites++;
    const now = Date.now();
    void this.queue
      .addBulk(
        due.map((d) => ({
          name: 'deliver',
          data: { deliveryId: d.deliveryId, attempts: d.attempts },
          opts: {
            jobId: jobIdOf(d),
            delay: Math.max(0, d.nextAttemptAt.getTime() - now),
            // Only for our own trouble (the database away): the receiver's failures are retried by the
            // delivery's schedule, which lives in the database.
            attempts: 5,
            backoff: { type: 'exponential', delay: 1_000 },
            removeOnComplete: true,
            removeOnFail: true,
          },
        })),
      )
      .catch((error: Error) => this.options.log.warn({ err: error.message }, 'webhook jobs not queued; the sweeper will'))
      .finally(() => this.pendingWrites--);
  }

  /**
   * Queues deliveries that are due now although a job of theirs may be waiting for a later time (a
   * resumed subscription): such a job is moved up, the others queued.
   */
  async requeue(due: readonly DueDelivery[]): Promise<void> {
    const fresh: DueDelivery[] = [];
    for (const d of due) {
      const job = await this.queue.getJob(jobIdOf(d));
      if (!job) fresh.push(d);
      else if (await job.isDelayed()) await job.promote().catch(() => undefined);
    }
    this.enqueue(fresh);
  }

  /** One sweep: every overdue delivery without its job is queued again. Returns how many. */
  async sweep(): Promise<number> {
    if (this.stopped) return 0;
    try {
      const overdue = await this.options.store.overdue(sweepGraceMs, sweepBatch);
      const lost: DueDelivery[] = [];
      for (const d of overdue) if (!(await this.queue.getJob(jobIdOf(d)))) lost.push(d);
      if (lost.length > 0) {
        this.options.log.warn({ deliveries: lost.map((d) => d.deliveryId) }, 'due webhook deliveries had no job: queued again');
        this.enqueue(lost);
      }
      return lost.length;
    } catch (error) {
      this.options.log.warn({ err: (error as Error).message }, 'webhook sweep failed; next time');
      return 0;
    }
  }

  /** One job: asks the database whether to send, sends, records the outcome, queues what follows. */
  private async attempt(job: Job, token?: string): Promise<string> {
    const { store, keystore, log } = this.options;
    const { deliveryId, attempts } = jobDataSchema.parse(job.data);
    const claim = await store.claim(deliveryId);
    const started = new Date();
    const verdict = readiness(claim, attempts, started);
    if (verdict.kind === 'skip') return `skipped: ${verdict.reason}`;
    if (verdict.kind === 'wait') {
      await job.moveToDelayed(verdict.until.getTime(), token);
      throw new DelayedError();
    }
    const { event, subscriptionId } = claim!;
    const secret = keystore.open(subscriptionId, secretPurpose, claim!.sealedSecret);
    const body = deliveryBody(event);
    const outcome = await postWebhook(
      new URL(claim!.url),
      body,
      {
        [webhookSignatureHeader]: signWebhook(secret, body),
        'SecurePay-Event-Id': event.eventId,
        'SecurePay-Delivery-Id': deliveryId,
        'SecurePay-Attempt': String(attempts + 1),
      },
      this.options.send,
    );
    const now = new Date();
    const next = outcome.delivered ? undefined : afterFailure(claim!.retryFrom ?? started, claim!.retryStep, now, this.options.retry);
    const finished = await store.finish(deliveryId, attempts, outcome, next?.kind === 'retry' ? next.at : undefined);
    if (!finished.applied) return 'stale: another attempt recorded first';
    const fields = { deliveryId, subscriptionId, eventId: event.eventId, orderId: event.orderId, attempt: attempts + 1 };
    if (outcome.delivered) {
      log.debug({ ...fields, statusCode: outcome.statusCode }, 'webhook delivered');
      this.enqueue(finished.next);
      return 'delivered';
    }
    log.info({ ...fields, statusCode: outcome.statusCode, error: outcome.error, next: next?.kind }, 'webhook attempt failed');
    if (next?.kind === 'retry') this.enqueue([{ deliveryId, attempts: attempts + 1, nextAttemptAt: next.at }]);
    if (shouldPause({ failures: finished.failureStreak, failingSince: finished.failingSince }, now, this.options.pause)) {
      const reason = `paused after ${finished.failureStreak} failed attempts in a row since ${finished.failingSince!.toISOString()}; last: ${outcome.error}`;
      if (await store.pause(subscriptionId, reason)) log.warn({ subscriptionId, reason }, 'webhook subscription paused');
    }
    return next?.kind === 'retry' ? 'failed; retry queued' : 'failed; parked';
  }

  /** Stops taking jobs; `force` abandons those running (as a crash would: another worker takes them back). */
  async stop(options: { force?: boolean } = {}): Promise<void> {
    this.stopped = true;
    clearInterval(this.sweeper);
    await this.worker.close(options.force ?? false);
    await this.queue.close();
    for (const redis of this.connections) redis.disconnect();
  }
}
