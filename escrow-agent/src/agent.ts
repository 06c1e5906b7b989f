import { followChain, ordersChangedSchema, settleAll } from '@securepay/client';
import {
  CbdcLedger,
  loginPool,
  PgCheckpoints,
  redisOptions,
  type ChainDecision,
  type DatabaseLogin,
  type QueueLogin,
} from '@securepay/ledger';
import { connectGateway, type OrgConnection, type PublicTransaction, type SigningIdentity } from '@securepay/network';
import IORedis from 'ioredis';
import type { Logger } from 'pino';
import { z } from 'zod';
import { DecisionRefused, proveDecision, validEndorsers, type ProvenDecision } from './decision-proof';
import { escrowEffects, type EscrowEffect } from './escrow-effects';
import { OwnPeer } from './own-peer';
import { ReceiptSigner } from './receipt-signer';
import { startSweeper } from './sweeper';

/** The most orders one transaction changes: the contract's largest batch. */
const maxOrdersPerJob = 500;
/** Orders of one job whose effects are applied at once: the journal serialises postings anyway. */
const ordersAtOnce = 8;

/**
 * A job names a transaction and the orders its event says it changed, nothing else: whatever it says
 * is re-read from the agent's own peer, so a job forged into Redis can at most make the agent look at
 * a real transaction again. One job per transaction: a batch transaction is read and its endorsements
 * checked once for all its orders.
 */
export const decisionJobSchema = z.strictObject({
  txId: z.string().regex(/^[0-9a-f]{64}$/),
  /** Where the event said the transaction is: a hint for reading the block once; checked, never trusted. */
  blockNumber: z
    .string()
    .regex(/^\d{1,20}$/)
    .optional(),
  orderIds: z
    .array(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/))
    .min(1)
    .max(maxOrdersPerJob)
    .refine((ids) => new Set(ids).size === ids.length, 'order ids repeat'),
});
export type DecisionJob = z.infer<typeof decisionJobSchema>;

export const agentQueueName = 'securepay-escrow-agent';
export const agentDeadLetterQueueName = 'securepay-escrow-agent-dead-letter';
export const agentFollower = 'escrow-agent';
/** The agent's key prefix: its own (its Redis user may use no other), and a namespace under it if given. */
export const agentQueuePrefix = (queues: QueueLogin, namespace?: string): string =>
  namespace ? `${queues.prefix}:${namespace}` : queues.prefix;

export interface EscrowAgentOptions {
  /** The central bank's own peer: the one source of truth the agent acts on. */
  connection: OrgConnection;
  identity: SigningIdentity;
  /** The escrow agent's own login: the only one the ledger lets move escrowed money. */
  database: DatabaseLogin;
  queues: QueueLogin;
  /** A namespace under the agent's own key prefix: keeps test runs apart. */
  queueNamespace?: string;
  keyDir: string;
  platformMspId: string;
  startBlock?: bigint;
  concurrency?: number;
  jobAttempts?: number;
  retryDelayMs?: number;
  /** How often to look for orphaned and expired locks. */
  sweepEveryMs?: number;
  log: Logger;
}

export interface RunningAgent {
  stop(): Promise<void>;
}

/**
 * The central bank's escrow agent: follows the contract's events on the central bank's own peer,
 * proves each decision from the block (VALID, written by the transaction, endorsed by the order's
 * three orgs), and only then moves the escrowed money, exactly once. It also gives back locks whose
 * order never reached the chain, and resolves locks past their expiry.
 */
export async function startEscrowAgent(options: EscrowAgentOptions): Promise<RunningAgent> {
  const { log } = options;
  const pool = loginPool(options.database, { max: (options.concurrency ?? 16) + 2 });
  pool.on('error', (error) => log.warn({ err: error.message }, 'a database connection failed; it will be replaced'));
  const ledger = new CbdcLedger(pool);
  const gateway = connectGateway(options.connection, options.identity);
  const network = gateway.gateway.getNetwork(options.connection.channel);
  const peer = new OwnPeer(network);
  const signer = ReceiptSigner.load(options.keyDir);
  await ledger.setReceiptKey(signer.publicKeyPem);
  const currency = await ledger.currency();
  const prefix = agentQueuePrefix(options.queues, options.queueNamespace);

  const apply = async (proof: ProvenDecision, effect: EscrowEffect, keyPrefix: string): Promise<string> => {
    const { order } = proof;
    const entry = order.history.find((h) => h.txId === proof.txId && h.to === order.state);
    const decision: ChainDecision = {
      txId: proof.txId,
      blockNumber: proof.blockNumber.toString(),
      orderId: order.orderId,
      action: entry?.action ?? 'unknown',
      state: order.state,
    };
    const key = `${keyPrefix}.${effect.kind}.${proof.txId}.${order.orderId}`;
    switch (effect.kind) {
      case 'post': {
        const posting = await ledger.postEscrow(key, order.orderId, decision);
        await ledger.recordReceipt(order.orderId, signer.receiptFor(posting, order.merchant.mspId, currency));
        return 'paid the merchant from the escrow and signed the receipt';
      }
      case 'void':
        await ledger.voidEscrow(key, order.orderId, decision);
        return 'gave the escrow back to the buyer';
      case 'settleDeposits': {
        const paid = await ledger.settleDeposits(key, order.orderId, decision, effect.winner, effect.recorded);
        return `paid out the deposits recorded on-chain (${effect.winner} won${paid.returnedUnrecorded.length ? `; returned the unrecorded ${paid.returnedUnrecorded.join(', ')}` : ''})`;
      }
      case 'compensate': {
        const paid = await ledger.compensate(key, order.orderId, decision, { merchantBank: effect.merchantBank, bps: effect.penaltyBps });
        return `compensated: the escrow paid what was owed, ${paid.reserve} a penalty of ${paid.penalty}`;
      }
    }
  };

  const refuse = async (txId: string, orderId: string, error: DecisionRefused): Promise<string> => {
    await ledger.refuseDecision(txId, orderId, error.code, error.message);
    log.warn({ txId, orderId, code: error.code, reason: error.message }, 'decision refused: nothing moves');
    return `refused: ${error.code}`;
  };

  /** One order's decision in a transaction already read: proven, recorded, its effects applied. */
  const actOn = async (tx: PublicTransaction, endorsedBy: string[], orderId: string, keyPrefix: string): Promise<string> => {
    let proof: ProvenDecision;
    try {
      proof = proveDecision(tx, orderId, { chaincode: options.connection.chaincode, platformMspId: options.platformMspId, endorsedBy });
    } catch (error) {
      if (!(error instanceof DecisionRefused)) throw error;
      return refuse(tx.txId, orderId, error);
    }
    const { order } = proof;
    await ledger.recordChainOrder({
      orderId: order.orderId,
      state: order.state,
      buyerBank: order.buyer.mspId,
      merchantBank: order.merchant.mspId,
      depositBy: order.state === 'DISPUTED' ? order.dispute?.depositBy : undefined,
      blockNumber: proof.blockNumber,
      txId: proof.txId,
    });
    const done: string[] = [];
    for (const effect of escrowEffects(order, proof.txId)) done.push(await apply(proof, effect, keyPrefix));
    const effect = done.join('; ') || `nothing to move (${order.state})`;
    log.debug({ txId: tx.txId, orderId, effect }, 'decision applied');
    return effect;
  };

  /**
   * Proves the transaction's decision for each order the job names and applies its effects. The
   * transaction is read and its endorsements checked once; each order is then judged on its own. A
   * decision that proves nothing is recorded as refused; an effect that fails fails the job, to be
   * tried again (every other order's effects are idempotent), naming the orders that failed.
   */
  const act = async (job: DecisionJob, keyPrefix: string): Promise<string> => {
    let tx: PublicTransaction;
    try {
      tx = await peer.transaction(job.txId, job.blockNumber === undefined ? undefined : BigInt(job.blockNumber));
    } catch (error) {
      if (!(error instanceof DecisionRefused)) throw error;
      for (const orderId of job.orderIds) await refuse(job.txId, orderId, error);
      return `refused: ${error.code}`;
    }
    const endorsedBy = tx.validationCode === 'VALID' ? validEndorsers(tx, await peer.trust()) : [];
    const outcomes = await settleAll(job.orderIds, ordersAtOnce, (orderId) => actOn(tx, endorsedBy, orderId, keyPrefix));
    const failed = outcomes.filter((o) => !o.ok);
    if (failed.length > 0) {
      throw new Error(failed.map((f) => `order ${f.item}: ${f.ok ? '' : (f.error as Error).message}`).join('; '), {
        cause: failed[0]!.ok ? undefined : failed[0]!.error,
      });
    }
    const effects = new Map<string, number>();
    for (const o of outcomes) if (o.ok) effects.set(o.value, (effects.get(o.value) ?? 0) + 1);
    return [...effects].map(([effect, n]) => (n > 1 ? `${n} × ${effect}` : effect)).join(' | ');
  };

  const checkpoints = new PgCheckpoints(pool, 'agent', agentFollower);
  const redis = (): IORedis => new IORedis({ ...redisOptions(options.queues), maxRetriesPerRequest: null });
  const follower = await followChain<DecisionJob>({
    network,
    chaincode: options.connection.chaincode,
    checkpoints,
    redis,
    prefix,
    queueName: agentQueueName,
    deadLetterQueueName: agentDeadLetterQueueName,
    jobsOf: (event) => {
      const payload = ordersChangedSchema.safeParse(JSON.parse(Buffer.from(event.payload).toString('utf8')));
      if (!payload.success) return [];
      const orderIds = [...new Set(payload.data.changes.map((change) => change.orderId))];
      if (orderIds.length === 0) return [];
      return [
        {
          id: event.transactionId,
          name: 'decision',
          data: { txId: event.transactionId, blockNumber: event.blockNumber.toString(), orderIds },
        },
      ];
    },
    parse: (data) => decisionJobSchema.parse(data),
    handle: async (job) => {
      const effect = await act(job, 'agent');
      log.info({ txId: job.txId, orders: job.orderIds.length, effect }, 'decisions applied');
      return effect;
    },
    startBlock: options.startBlock,
    concurrency: options.concurrency ?? 16,
    jobAttempts: options.jobAttempts,
    retryDelayMs: options.retryDelayMs,
    log,
  });
  const sweeper = startSweeper({
    ledger,
    peer,
    chaincode: options.connection.chaincode,
    follower,
    act,
    everyMs: options.sweepEveryMs ?? 5_000,
    log,
  });

  log.info({ peer: options.connection.peer.endpoint }, 'escrow agent started');
  return {
    stop: async () => {
      await sweeper.stop();
      await follower.stop();
      gateway.close();
      await pool.end();
    },
  };
}
