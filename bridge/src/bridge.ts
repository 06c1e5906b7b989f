import { EscrowClient, followChain, NotYet, ordersChangedSchema, type BatchWindow } from '@securepay/client';
import IORedis from 'ioredis';
import type { Logger } from 'pino';
import { connectGateway, type OrgConnection, type SigningIdentity } from '@securepay/network';
import { CbdcLedger, loginPool, PgCheckpoints, redisOptions, type DatabaseLogin, type QueueLogin } from '@securepay/ledger';
import { BankDuties, type BankAccounts } from './bank-duties';
import { BankSteps } from './bank-steps';
import type { BridgeMetrics } from './metrics';
import { bankJobSchema, dutyId, jobFor, type BankJob } from './order-job';

export interface BridgeOptions extends BankAccounts {
  connection: OrgConnection;
  identity: SigningIdentity;
  /** The ledger as this bank's own role: the functions a bank may call and its own bridge rows only. */
  database: DatabaseLogin;
  /** This bank's Redis user: its password and the key prefix it may use. */
  queues: QueueLogin;
  concurrency?: number;
  /** Attempts before a job lands in the dead-letter queue, and the first retry's delay (doubling). */
  jobAttempts?: number;
  retryDelayMs?: number;
  /** A namespace under the bank's own key prefix (`<prefix>:<namespace>`): keeps test runs apart. */
  queueNamespace?: string;
  /** Where to start reading when there is no checkpoint yet (default: the first block). */
  startBlock?: bigint;
  /** How long a step waits for others to share its transaction, and how many orders one carries (default 50 ms / 200). */
  batchWindow?: BatchWindow;
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
 * One bank's bridge: follows the contract's events on the bank's own peer (from its checkpoint in
 * PostgreSQL, through BullMQ jobs — see `followChain`) and does the bank's duties for each change
 * that concerns its customers: approvals, deposit records, settlement receipts. It moves no money.
 */
export async function startBridge(options: BridgeOptions): Promise<RunningBridge> {
  const { bank, log, metrics } = options;
  const pool = loginPool(options.database, { max: (options.concurrency ?? 32) + 2 });
  pool.on('error', (error) => log.warn({ err: error.message }, 'a database connection failed; it will be replaced'));
  const ledger = new CbdcLedger(pool);
  const gateway = connectGateway(options.connection, options.identity);
  const network = gateway.gateway.getNetwork(options.connection.channel);
  const escrow = new EscrowClient(network.getContract(options.connection.chaincode, 'escrow'), { log });
  await registerLedgerKey(escrow, ledger, bank, log);
  const duties = new BankDuties(options, ledger, escrow, new BankSteps(escrow, log, metrics, options.batchWindow), log);

  const checkpoints = new PgCheckpoints(pool, 'bridge', bank);
  const follower = await followChain<BankJob>({
    network,
    chaincode: options.connection.chaincode,
    checkpoints,
    redis: () => new IORedis({ ...redisOptions(options.queues), maxRetriesPerRequest: null }),
    prefix: bridgeQueuePrefix(options.queues, options.queueNamespace),
    queueName: queueName(bank),
    deadLetterQueueName: deadLetterQueueName(bank),
    jobsOf: (event) => {
      const payload = ordersChangedSchema.safeParse(JSON.parse(Buffer.from(event.payload).toString('utf8')));
      if (!payload.success) return [];
      return jobFor(bank, event.transactionId, payload.data.changes, Date.now());
    },
    parse: (data) => bankJobSchema.parse(data),
    handle: (job) => doDuties(job, duties, checkpoints, log),
    startBlock: options.startBlock,
    concurrency: options.concurrency,
    jobAttempts: options.jobAttempts,
    retryDelayMs: options.retryDelayMs,
    log,
    observe: {
      eventRead: () => metrics.eventsRead.inc(),
      jobFinished: (outcome) => metrics.jobs.inc({ outcome }),
      applied: (effect, job) => {
        metrics.ledgerOperations.inc({ effect });
        metrics.effectLag.observe((Date.now() - job.readAt) / 1000);
      },
      outstandingEvents: (count) => metrics.outstandingEvents.set(count),
    },
  });

  log.info({ bank }, 'bridge started');
  return {
    stop: async () => {
      await follower.stop();
      gateway.close();
      await pool.end();
    },
  };
}

/**
 * Does a job's duties that have not taken effect yet (a job tried again skips those that have) and
 * marks each done as it lands. One that must wait (`NotYet`) has the job asked again soon; one that
 * failed has it retried with backoff; either way, only the unfinished duties run again.
 */
async function doDuties(job: BankJob, duties: BankDuties, checkpoints: PgCheckpoints, log: Logger): Promise<string> {
  const finished = await checkpoints.processed(job.duties.map((d) => dutyId(job.txId, d)));
  const todo = job.duties.filter((d) => !finished.has(dutyId(job.txId, d)));
  const outcomes = await duties.perform(todo, job.readAt);
  await checkpoints.markProcessed(outcomes.filter((o) => o.ok).map((o) => dutyId(job.txId, o.item)));
  for (const o of outcomes) {
    if (o.ok) log.debug({ orderId: o.item.change.orderId, state: o.item.change.to, effect: o.value }, 'order change handled');
  }
  const failed = outcomes.flatMap((o) => (o.ok ? [] : [{ orderId: o.item.change.orderId, error: o.error }]));
  const failure = failed.find((f) => !(f.error instanceof NotYet));
  if (failure) throw failure.error;
  if (failed.length > 0) throw new NotYet(failed.map((f) => (f.error as Error).message).join('; '));
  const effects = [...new Set(outcomes.map((o) => (o.ok ? o.value : '')))];
  log.info({ txId: job.txId, duties: outcomes.length, effects }, 'duties done');
  return `${outcomes.length} duties done`;
}

/**
 * Registers on-chain, as this bank's ledger key, the key the CBDC ledger signs its receipts with (the
 * escrow agent publishes it in the ledger): the contract then accepts the ledger's receipts for this
 * bank's merchants' orders. Waits for the agent to have published it.
 */
async function registerLedgerKey(escrow: EscrowClient, ledger: CbdcLedger, bank: string, log: Logger): Promise<void> {
  let pem = await ledger.receiptKey();
  for (let waited = 0; !pem; waited += 1) {
    if (waited % 10 === 0) log.info("waiting for the escrow agent to publish the ledger's receipt key");
    await new Promise((r) => setTimeout(r, 1_000));
    pem = await ledger.receiptKey();
  }
  const current = await escrow.getLedgerKey(bank).catch(() => undefined);
  if (current === pem) return;
  await escrow.registerLedgerKey(pem);
  log.info({ bank }, "registered the ledger's receipt key on-chain");
}
