import type { ChaincodeEvent, Network } from '@hyperledger/fabric-gateway';
import { DelayedError, Queue, Worker, type Job } from 'bullmq';
import type IORedis from 'ioredis';
import type { Logger } from 'pino';
import type { EventPosition, FollowerCheckpoints } from './checkpoints';
import { EventProgress } from './event-progress';
import { readEvents } from './read-events';

/**
 * How soon a job that is `NotYet` is asked again: about one block at the network's 250 ms batch
 * timeout, since what it waits for (another party's step, the escrow agent catching up) lands a block
 * later. A second was most of a settled order's completion time under load.
 */
const notYetDelayMs = 250;

/** The job is not done yet and should be tried again in a moment (a deposit not yet locked, say). */
export class NotYet extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotYet';
  }
}

/** One piece of work an event asks for; the id must be the same whenever the event is read again. */
export interface FollowedJob<J> {
  id: string;
  name: string;
  data: J;
}

export interface ChainFollowerOptions<J> {
  network: Network;
  chaincode: string;
  checkpoints: FollowerCheckpoints;
  /** A fresh Redis connection (BullMQ wants its own per queue and worker), the key prefix, the queue names. */
  redis: () => IORedis;
  prefix: string;
  queueName: string;
  deadLetterQueueName: string;
  /** The jobs an event asks of this follower (none if it does not concern it). */
  jobsOf(event: ChaincodeEvent): FollowedJob<J>[];
  /** Checks a job's data as it comes back from Redis, which anyone with the queue's password could have written. */
  parse(data: unknown): J;
  /** Applies a job; idempotent, since a job may run twice. Returns what it did. Throw `NotYet` to be asked again soon. */
  handle(data: J, jobId: string): Promise<string>;
  startBlock?: bigint;
  concurrency?: number;
  /** Attempts before a job lands in the dead-letter queue, and the first retry's delay (doubling). */
  jobAttempts?: number;
  retryDelayMs?: number;
  log: Logger;
  observe?: {
    eventRead?(): void;
    jobFinished?(outcome: 'completed' | 'failed'): void;
    applied?(effect: string, data: J): void;
    outstandingEvents?(count: number): void;
  };
}

export interface RunningFollower {
  stop(): Promise<void>;
  /** Events read whose jobs are not all done yet. */
  outstanding(): number;
  /** The last event read (or, before any, where reading began), if any. */
  lastRead(): EventPosition | undefined;
}

/**
 * Follows the contract's events from a durable checkpoint and turns each into BullMQ jobs, applied
 * by a worker. The checkpoint moves only past events whose jobs are all done, and jobs whose Redis
 * copy was lost are queued again, so every event takes effect exactly once through any crash of the
 * follower, Redis, PostgreSQL or the peer.
 */
export async function followChain<J>(options: ChainFollowerOptions<J>): Promise<RunningFollower> {
  const { checkpoints, log, observe } = options;
  const jobAttempts = options.jobAttempts ?? 12;
  const queue = new Queue(options.queueName, { connection: options.redis(), prefix: options.prefix });
  const deadLetters = new Queue(options.deadLetterQueueName, { connection: options.redis(), prefix: options.prefix });
  const progress = new EventProgress();
  const readAt = new Map<string, number>();
  const pending = new Map<string, FollowedJob<J>>();

  const enqueue = async (job: FollowedJob<J>): Promise<void> => {
    await queue.add(job.name, job.data, {
      jobId: job.id,
      attempts: jobAttempts,
      backoff: { type: 'exponential', delay: options.retryDelayMs ?? 250 },
      // Completed jobs are kept a while so a re-read event finds its job and adds nothing.
      removeOnComplete: { age: 24 * 3600 },
      removeOnFail: false,
    });
  };

  const worker = new Worker(
    options.queueName,
    async (job: Job, token?: string) => {
      const data = options.parse(job.data);
      try {
        const effect = await options.handle(data, job.id!);
        await checkpoints.markProcessed([job.id!]);
        observe?.applied?.(effect, data);
        return effect;
      } catch (error) {
        if (error instanceof NotYet) {
          await job.moveToDelayed(Date.now() + notYetDelayMs, token);
          throw new DelayedError();
        }
        throw error;
      }
    },
    {
      connection: options.redis(),
      prefix: options.prefix,
      concurrency: options.concurrency ?? 32,
      autorun: true,
      // A killed follower leaves its active jobs locked: take them back soon, and however often it
      // happens — every effect is idempotent, so running a job again is safe, giving up is not.
      lockDuration: 10_000,
      stalledInterval: 5_000,
      maxStalledCount: 1_000_000,
    },
  );
  worker.on('completed', (job) => {
    observe?.jobFinished?.('completed');
    progress.done(job.id!);
    readAt.delete(job.id!);
    pending.delete(job.id!);
  });
  worker.on('failed', (job, error) => {
    observe?.jobFinished?.('failed');
    if (!job) return;
    log.warn({ jobId: job.id, attempt: job.attemptsMade, err: error.message }, 'job failed');
    if (job.attemptsMade >= jobAttempts)
      void deadLetters.add('dead', { jobId: job.id, data: job.data, reason: error.message }, { jobId: job.id });
  });
  worker.on('error', (error) => log.warn({ err: error.message }, 'worker connection trouble'));

  const abort = new AbortController();
  const from = await checkpoints.load();
  let lastRead: EventPosition | undefined;
  const reader = readEvents(options.network, options.chaincode, from, options.startBlock ?? 0n, abort.signal, log, async (event) => {
    observe?.eventRead?.();
    const jobs = options.jobsOf(event);
    const already = await checkpoints.processed(jobs.map((j) => j.id));
    const ids: string[] = [];
    for (const job of jobs) {
      if (already.has(job.id)) continue;
      ids.push(job.id);
      readAt.set(job.id, Date.now());
      pending.set(job.id, job);
      await enqueue(job);
    }
    lastRead = { blockNumber: event.blockNumber, transactionId: event.transactionId };
    progress.track(lastRead, ids);
    log.debug({ block: event.blockNumber.toString(), jobs: ids }, 'event read');
  });

  // Moves the checkpoint past finished events, and queues again any job Redis no longer has.
  const housekeeping = setInterval(() => {
    void (async () => {
      const position = progress.advance();
      if (position) await checkpoints.save(position);
      observe?.outstandingEvents?.(progress.size);
      const stale = progress.stale(Date.now(), readAt, 5_000);
      const finished = await checkpoints.processed(stale);
      for (const id of stale) {
        if (finished.has(id)) {
          progress.done(id);
          readAt.delete(id);
          pending.delete(id);
          continue;
        }
        const job = pending.get(id);
        if (job && !(await queue.getJob(id))) {
          log.warn({ jobId: id }, 'job missing from Redis: queued again');
          await enqueue(job);
        }
      }
    })().catch((error: Error) => log.warn({ err: error.message }, 'housekeeping failed; will retry'));
  }, 250);

  return {
    outstanding: () => progress.size,
    // Without a checkpoint, reading starts at `startBlock`: everything before it counts as read.
    lastRead: () => lastRead ?? from ?? (options.startBlock ? { blockNumber: options.startBlock - 1n, transactionId: '' } : undefined),
    stop: async () => {
      abort.abort();
      clearInterval(housekeeping);
      await reader.catch(() => undefined);
      await worker.close();
      await Promise.all([queue.close(), deadLetters.close()]);
      const position = progress.advance();
      if (position) await checkpoints.save(position);
    },
  };
}
