import type { ChaincodeEvent, Network } from '@hyperledger/fabric-gateway';
import { EscrowClient, ordersChangedSchema } from '@securepay/client';
import { DelayedError, Queue, Worker, type Job } from 'bullmq';
import IORedis from 'ioredis';
import type { Logger } from 'pino';
import { connectGateway, type OrgConnection, type SigningIdentity } from '@securepay/network';
import { CbdcLedger, loginPool, redisOptions, type DatabaseLogin, type QueueLogin } from '@securepay/ledger';
import { ApprovalBatcher } from './approval-batcher';
import { CheckpointStore, type EventPosition } from './checkpoint-store';
import { LifecycleDriver, NotYet, type BankAccounts } from './lifecycle-driver';
import type { BridgeMetrics } from './metrics';
import { concerns, orderJobId, orderJobSchema, type OrderJob } from './order-job';
import { EventProgress } from './progress';
import { ReceiptSigner } from './receipt-signer';

export interface BridgeOptions extends BankAccounts {
  connection: OrgConnection;
  identity: SigningIdentity;
  /** The ledger as this bank's own role: the functions a bank may call and its own bridge rows only. */
  database: DatabaseLogin;
  /** This bank's Redis user: its password and the key prefix it may use. */
  queues: QueueLogin;
  keyDir: string;
  concurrency?: number;
  /** Attempts before a job lands in the dead-letter queue, and the first retry's delay (doubling). */
  jobAttempts?: number;
  retryDelayMs?: number;
  /** A namespace under the bank's own key prefix (`<prefix>:<namespace>`): keeps test runs apart. */
  queueNamespace?: string;
  /** Where to start reading when there is no checkpoint yet (default: the first block). */
  startBlock?: bigint;
  log: Logger;
  metrics: BridgeMetrics;
}

export const queueName = (bank: string): string => `securepay-${bank}`;
export const deadLetterQueueName = (bank: string): string => `securepay-${bank}-dead-letter`;
/** BullMQ's key prefix: the bank's own (its Redis user may use no other), and a namespace under it if given. */
export const bridgeQueuePrefix = (queues: QueueLogin, namespace?: string): string =>
  namespace ? `${queues.prefix}:${namespace}` : queues.prefix;

export interface RunningBridge {
  stop(): Promise<void>;
}

/**
 * One bank's bridge: reads the contract's events from its own peer, turns each change that concerns
 * the bank into a BullMQ job, and applies it to the CBDC ledger and the chain. The checkpoint in
 * PostgreSQL moves only past events whose jobs are all done, and jobs whose Redis copy was lost are
 * queued again, so every on-chain decision takes effect exactly once through any crash.
 */
export async function startBridge(options: BridgeOptions): Promise<RunningBridge> {
  const { bank, log, metrics } = options;
  const jobAttempts = options.jobAttempts ?? 12;
  const pool = loginPool(options.database, { max: (options.concurrency ?? 32) + 2 });
  pool.on('error', (error) => log.warn({ err: error.message }, 'a database connection failed; it will be replaced'));
  const ledger = new CbdcLedger(pool);
  const store = new CheckpointStore(pool, bank);
  const gateway = connectGateway(options.connection, options.identity);
  const network = gateway.gateway.getNetwork(options.connection.channel);
  const escrow = new EscrowClient(network.getContract(options.connection.chaincode, 'escrow'), { log });
  const signer = ReceiptSigner.load(bank, options.keyDir);
  await registerLedgerKey(escrow, signer, log);
  const driver = new LifecycleDriver(options, ledger, escrow, new ApprovalBatcher(escrow, log), signer, log);

  const redis = (): IORedis => new IORedis({ ...redisOptions(options.queues), maxRetriesPerRequest: null });
  const prefix = bridgeQueuePrefix(options.queues, options.queueNamespace);
  const queue = new Queue<OrderJob>(queueName(bank), { connection: redis(), prefix });
  const deadLetters = new Queue(deadLetterQueueName(bank), { connection: redis(), prefix });
  const progress = new EventProgress();
  const readAt = new Map<string, number>();
  const jobData = new Map<string, OrderJob>();

  const enqueue = async (id: string, data: OrderJob): Promise<void> => {
    await queue.add(data.change.to, data, {
      jobId: id,
      attempts: jobAttempts,
      backoff: { type: 'exponential', delay: options.retryDelayMs ?? 250 },
      // Completed jobs are kept a while so a re-read event finds its job and adds nothing.
      removeOnComplete: { age: 24 * 3600 },
      removeOnFail: false,
    });
  };

  const worker = new Worker<OrderJob>(
    queueName(bank),
    async (job: Job<OrderJob>, token?: string) => {
      const data = orderJobSchema.parse(job.data);
      try {
        const effect = await driver.handle(data);
        await store.markProcessed(job.id!);
        metrics.ledgerOperations.inc({ effect });
        metrics.effectLag.observe((Date.now() - data.readAt) / 1000);
        log.info({ orderId: data.change.orderId, state: data.change.to, effect }, 'order change applied');
        return effect;
      } catch (error) {
        if (error instanceof NotYet) {
          await job.moveToDelayed(Date.now() + 1_000, token);
          throw new DelayedError();
        }
        throw error;
      }
    },
    {
      connection: redis(),
      prefix,
      concurrency: options.concurrency ?? 32,
      autorun: true,
      // A killed bridge leaves its active jobs locked: take them back soon, and however often it
      // happens — every effect is idempotent, so running a job again is safe, giving up is not.
      lockDuration: 10_000,
      stalledInterval: 5_000,
      maxStalledCount: 1_000_000,
    },
  );
  worker.on('completed', (job) => {
    metrics.jobs.inc({ outcome: 'completed' });
    progress.done(job.id!);
    readAt.delete(job.id!);
    jobData.delete(job.id!);
  });
  worker.on('failed', (job, error) => {
    metrics.jobs.inc({ outcome: 'failed' });
    if (!job) return;
    log.warn({ jobId: job.id, attempt: job.attemptsMade, err: error.message }, 'job failed');
    if (job.attemptsMade >= jobAttempts)
      void deadLetters.add('dead', { jobId: job.id, data: job.data, reason: error.message }, { jobId: job.id });
  });
  worker.on('error', (error) => log.warn({ err: error.message }, 'worker connection trouble'));

  const abort = new AbortController();
  const reader = readEvents(network, options.connection.chaincode, store, options.startBlock ?? 0n, abort.signal, log, async (event) => {
    metrics.eventsRead.inc();
    const payload = ordersChangedSchema.safeParse(JSON.parse(Buffer.from(event.payload).toString('utf8')));
    const ids: string[] = [];
    if (payload.success) {
      const mine = payload.data.changes.filter((c) => concerns(bank, c));
      const jobs = mine.map((change) => {
        const id = orderJobId(event.transactionId, change.orderId);
        const decision = {
          txId: event.transactionId,
          blockNumber: event.blockNumber.toString(),
          orderId: change.orderId,
          action: change.action,
          state: change.to,
        };
        return [id, { change, decision, readAt: Date.now() }] as const;
      });
      const already = await store.processed(jobs.map(([id]) => id));
      for (const [id, data] of jobs) {
        if (already.has(id)) continue;
        ids.push(id);
        readAt.set(id, data.readAt);
        jobData.set(id, data);
        await enqueue(id, data);
      }
    }
    progress.track({ blockNumber: event.blockNumber, transactionId: event.transactionId }, ids);
    log.debug({ block: event.blockNumber.toString(), jobs: ids }, 'event read');
  });

  // Moves the checkpoint past finished events, and queues again any job Redis no longer has.
  const housekeeping = setInterval(() => {
    void (async () => {
      const position = progress.advance();
      if (position) await store.save(position);
      metrics.outstandingEvents.set(progress.size);
      const stale = progress.stale(Date.now(), readAt, 5_000);
      const finished = await store.processed(stale);
      for (const id of stale) {
        if (finished.has(id)) {
          progress.done(id);
          continue;
        }
        const data = jobData.get(id);
        if (data && !(await queue.getJob(id))) {
          log.warn({ jobId: id }, 'job missing from Redis: queued again');
          await enqueue(id, data);
        }
      }
    })().catch((error: Error) => log.warn({ err: error.message }, 'housekeeping failed; will retry'));
  }, 250);

  log.info({ bank }, 'bridge started');
  return {
    stop: async () => {
      abort.abort();
      clearInterval(housekeeping);
      await reader.catch(() => undefined);
      await worker.close();
      await Promise.all([queue.close(), deadLetters.close()]);
      const position = progress.advance();
      if (position) await store.save(position);
      gateway.close();
      await pool.end();
    },
  };
}

/** Reads chaincode events from the checkpoint on, reconnecting whenever the peer goes away. */
async function readEvents(
  network: Network,
  chaincode: string,
  store: CheckpointStore,
  startBlock: bigint,
  signal: AbortSignal,
  log: Logger,
  onEvent: (event: ChaincodeEvent) => Promise<void>,
): Promise<void> {
  let position: EventPosition | undefined = await store.load();
  let backoff = 250;
  while (!signal.aborted) {
    try {
      const from = position;
      log.info(
        { from: from ? { block: from.blockNumber.toString(), tx: from.transactionId } : { block: startBlock.toString() } },
        'reading chaincode events',
      );
      const events = await network.getChaincodeEvents(
        chaincode,
        from ? { checkpoint: { getBlockNumber: () => from.blockNumber, getTransactionId: () => from.transactionId } } : { startBlock },
      );
      const close = (): void => events.close();
      signal.addEventListener('abort', close);
      try {
        for await (const event of events) {
          await onEvent(event);
          position = { blockNumber: event.blockNumber, transactionId: event.transactionId };
          backoff = 250;
        }
      } finally {
        signal.removeEventListener('abort', close);
        events.close();
      }
    } catch (error) {
      if (signal.aborted) return;
      log.warn({ err: (error as Error).message, retryInMs: backoff }, 'event stream broke; reconnecting');
    }
    await new Promise((r) => setTimeout(r, backoff));
    backoff = Math.min(backoff * 2, 5_000);
  }
}

async function registerLedgerKey(escrow: EscrowClient, signer: ReceiptSigner, log: Logger): Promise<void> {
  const current = await escrow.getLedgerKey(signer.bank).catch(() => undefined);
  if (current === signer.publicKeyPem) return;
  await escrow.registerLedgerKey(signer.publicKeyPem);
  log.info({ bank: signer.bank }, 'registered the ledger key on-chain');
}
