import { followChain, ordersChangedSchema, settleAll, type Settled } from '@securepay/client';
import {
  CbdcLedger,
  loginPool,
  PgCheckpoints,
  redisOptions,
  type ChainDecision,
  type ChainOrder,
  type DatabaseLogin,
  type QueueLogin,
  type SignedReceiptJson,
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
/** Orders of one job whose effects other than a plain posting are applied at once: the journal serialises them anyway. */
const ordersAtOnce = 8;
const paidAndSigned = 'paid the merchant from the escrow and signed the receipt';

/** An order whose only effect is its escrow posted (CONFIRMED, or SETTLED again): it can be paid with the others in one call. */
const isPlainPost = (effects: EscrowEffect[]): boolean => effects.length === 1 && effects[0]!.kind === 'post';

/** What the ledger records of a proven order: its state and banks, as of which transaction. */
const chainOrderOf = ({ order, blockNumber, txId }: ProvenDecision): ChainOrder => ({
  orderId: order.orderId,
  state: order.state,
  buyerBank: order.buyer.mspId,
  merchantBank: order.merchant.mspId,
  depositBy: order.state === 'DISPUTED' ? order.dispute?.depositBy : undefined,
  blockNumber,
  txId,
});

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

  const decisionOf = (proof: ProvenDecision): ChainDecision => {
    const { order } = proof;
    const entry = order.history.find((h) => h.txId === proof.txId && h.to === order.state);
    return {
      txId: proof.txId,
      blockNumber: proof.blockNumber.toString(),
      orderId: order.orderId,
      action: entry?.action ?? 'unknown',
      state: order.state,
    };
  };
  const effectKey = (keyPrefix: string, kind: EscrowEffect['kind'], proof: ProvenDecision): string =>
    `${keyPrefix}.${kind}.${proof.txId}.${proof.orderId}`;

  const apply = async (proof: ProvenDecision, effect: EscrowEffect, keyPrefix: string): Promise<string> => {
    const { order } = proof;
    const decision = decisionOf(proof);
    const key = effectKey(keyPrefix, effect.kind, proof);
    switch (effect.kind) {
      case 'post': {
        const posting = await ledger.postEscrow(key, order.orderId, decision);
        await ledger.recordReceipt(order.orderId, signer.receiptFor(posting, order.merchant.mspId, currency));
        return paidAndSigned;
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

  /**
   * The escrows owed by several proven decisions (CONFIRMED, SETTLED, …), posted in one ledger call,
   * and the receipts the ledger does not hold yet, signed and recorded in one more. An order the
   * ledger refuses is answered with its refusal; the others are paid all the same.
   */
  const postAll = async (proofs: ProvenDecision[], keyPrefix: string): Promise<Settled<string, string>[]> => {
    if (proofs.length === 0) return [];
    const byOrder = new Map(proofs.map((p) => [p.orderId, p]));
    const answers = await ledger.postEscrows(
      proofs.map((p) => ({ key: effectKey(keyPrefix, 'post', p), orderId: p.orderId, decision: decisionOf(p) })),
    );
    const receipts = new Map<string, SignedReceiptJson>();
    for (const answer of answers)
      if ('posting' in answer && !answer.receiptRecorded)
        receipts.set(answer.orderId, signer.receiptFor(answer.posting, byOrder.get(answer.orderId)!.order.merchant.mspId, currency));
    await ledger.recordReceipts(receipts);
    return answers.map((answer) =>
      'refused' in answer
        ? { item: answer.orderId, ok: false, error: answer.refused }
        : { item: answer.orderId, ok: true, value: paidAndSigned },
    );
  };

  const refuse = async (txId: string, orderId: string, error: DecisionRefused): Promise<string> => {
    await ledger.refuseDecision(txId, orderId, error.code, error.message);
    log.warn({ txId, orderId, code: error.code, reason: error.message }, 'decision refused: nothing moves');
    return `refused: ${error.code}`;
  };

  /** A proven decision's effects other than a plain posting, one after another. */
  const applyAll = async (proof: ProvenDecision, keyPrefix: string): Promise<string> => {
    const done: string[] = [];
    for (const effect of escrowEffects(proof.order, proof.txId)) done.push(await apply(proof, effect, keyPrefix));
    return done.join('; ') || `nothing to move (${proof.order.state})`;
  };

  /**
   * Proves the transaction's decision for each order the job names and applies its effects. The
   * transaction is read and its endorsements checked once; each order is then judged on its own. A
   * decision that proves nothing is recorded as refused. What was proven is recorded in one ledger
   * call, the plain postings (a settle batch's every order) are made in one more, and any other effect
   * (voids, deposits, compensations) order by order. An effect that fails fails the job, to be tried
   * again (every other order's effects are idempotent), naming the orders that failed.
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
    const proofs: ProvenDecision[] = [];
    const outcomes: Settled<string, string>[] = [];
    for (const orderId of job.orderIds) {
      try {
        proofs.push(
          proveDecision(tx, orderId, { chaincode: options.connection.chaincode, platformMspId: options.platformMspId, endorsedBy }),
        );
      } catch (error) {
        if (!(error instanceof DecisionRefused)) throw error;
        outcomes.push({ item: orderId, ok: true, value: await refuse(tx.txId, orderId, error) });
      }
    }
    await ledger.recordChainOrders(proofs.map(chainOrderOf));
    const plainPosts = proofs.filter((p) => isPlainPost(escrowEffects(p.order, p.txId)));
    const others = proofs.filter((p) => !plainPosts.includes(p));
    const [posted, applied] = await Promise.all([
      postAll(plainPosts, keyPrefix),
      settleAll(others, ordersAtOnce, (proof) => applyAll(proof, keyPrefix)),
    ]);
    outcomes.push(...posted, ...applied.map((o) => ({ ...o, item: o.item.orderId })));
    const failed = outcomes.filter((o) => !o.ok);
    if (failed.length > 0) {
      throw new Error(failed.map((f) => `order ${f.item}: ${f.ok ? '' : (f.error as Error).message}`).join('; '), {
        cause: failed[0]!.ok ? undefined : failed[0]!.error,
      });
    }
    const effects = new Map<string, number>();
    for (const o of outcomes) if (o.ok) effects.set(o.value, (effects.get(o.value) ?? 0) + 1);
    for (const p of others) log.debug({ txId: tx.txId, orderId: p.orderId }, 'decision applied');
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
