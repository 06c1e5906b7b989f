import IORedis from 'ioredis';
import type pg from 'pg';
import type { Logger } from 'pino';
import { redisOptions, type QueueLogin } from '@securepay/ledger';
import type { ApiConfig } from '../config';
import type { Keystore } from '../keystore';
import { WebhookDispatcher } from './webhook-dispatcher';
import { WebhookStore } from './webhook-store';
import { Webhooks } from './webhooks';

/** BullMQ's key prefix: the platform's own (its Redis user may use no other), and a namespace under it if given. */
export const platformQueuePrefix = (queues: QueueLogin, namespace: string): string =>
  namespace ? `${queues.prefix}:${namespace}` : queues.prefix;

export interface RunningWebhooks {
  webhooks: Webhooks;
  store: WebhookStore;
  dispatcher: WebhookDispatcher;
  /** `force`: as a crash would, leaving running attempts for another worker to take back. */
  stop(options?: { force?: boolean }): Promise<void>;
}

type WebhookConfig = Pick<
  ApiConfig,
  | 'API_QUEUE_NAMESPACE'
  | 'API_WEBHOOK_ALLOW_PRIVATE'
  | 'API_WEBHOOK_TIMEOUT_MS'
  | 'API_WEBHOOK_RETRY_BASE_MS'
  | 'API_WEBHOOK_RETRY_MAX_MS'
  | 'API_WEBHOOK_RETRY_FOR_MS'
  | 'API_WEBHOOK_PAUSE_FAILURES'
  | 'API_WEBHOOK_PAUSE_AFTER_MS'
  | 'API_WEBHOOK_CONCURRENCY'
  | 'API_WEBHOOK_SWEEP_MS'
  | 'API_WEBHOOK_MAX_PER_CALLER'
  | 'API_WEBHOOK_REPLAY_MAX'
>;

/** The webhooks on the platform's database (its role) and its Redis user, with the API's settings. */
export function startWebhooks(options: {
  config: WebhookConfig;
  pool: pg.Pool;
  keystore: Keystore;
  queues: QueueLogin;
  log: Logger;
}): RunningWebhooks {
  const { config, log } = options;
  const store = new WebhookStore(options.pool);
  const dispatcher = WebhookDispatcher.start({
    store,
    keystore: options.keystore,
    redis: () => new IORedis({ ...redisOptions(options.queues), maxRetriesPerRequest: null }),
    prefix: platformQueuePrefix(options.queues, config.API_QUEUE_NAMESPACE),
    send: { timeoutMs: config.API_WEBHOOK_TIMEOUT_MS, allowInternal: config.API_WEBHOOK_ALLOW_PRIVATE },
    retry: {
      baseMs: config.API_WEBHOOK_RETRY_BASE_MS,
      maxMs: config.API_WEBHOOK_RETRY_MAX_MS,
      retryForMs: config.API_WEBHOOK_RETRY_FOR_MS,
    },
    pause: { failures: config.API_WEBHOOK_PAUSE_FAILURES, afterMs: config.API_WEBHOOK_PAUSE_AFTER_MS },
    concurrency: config.API_WEBHOOK_CONCURRENCY,
    sweepMs: config.API_WEBHOOK_SWEEP_MS,
    log,
  });
  const webhooks = new Webhooks(
    store,
    options.keystore,
    dispatcher,
    {
      allowInternal: config.API_WEBHOOK_ALLOW_PRIVATE,
      maxSubscriptionsPerOwner: config.API_WEBHOOK_MAX_PER_CALLER,
      replayMax: config.API_WEBHOOK_REPLAY_MAX,
    },
    log,
  );
  return { webhooks, store, dispatcher, stop: (stopOptions) => dispatcher.stop(stopOptions) };
}
