import type { ChaincodeEvent, Network } from '@hyperledger/fabric-gateway';
import type { common } from '@hyperledger/fabric-protos';
import { ordersChangedSchema, readEvents, type FollowerCheckpoints, type OrderChange } from '@securepay/client';
import { publicTransactions, type PublicTransaction } from '@securepay/network';
import type { Logger } from 'pino';
import type { ListedOrder } from './listed-order';
import type { OrderListing } from './order-listing';
import { projectChange } from './order-projection';

/** The contract's event for order changes (`chaincode/src/escrow-contract.ts`); the same chaincode emits others. */
const ordersChangedEvent = 'OrdersChanged';

/** The projector cannot read what an event points at; the event is read again after a pause. */
export class ProjectorError extends Error {
  constructor(
    readonly code: 'TRANSACTION_NOT_FOUND',
    message: string,
  ) {
    super(`${code}: ${message}`);
    this.name = 'ProjectorError';
  }
}

/** One change the projector applied: the event's entry, its place in the event, and the order as the transaction wrote it. */
export interface AppliedChange {
  change: OrderChange;
  changeIndex: number;
  order: ListedOrder;
}

export interface OrderProjectorOptions {
  /** The platform's own peer, whose events are followed. */
  network: Network;
  chaincode: string;
  /** The block holding a transaction, from the same peer (`FabricSessions.blockOf`). */
  blockOf(txId: string): Promise<common.Block | undefined>;
  listing: OrderListing;
  /** Where reading resumes: `platform.checkpoints`, which the listing also reports to its callers. */
  checkpoints: FollowerCheckpoints;
  /**
   * Called once per chain event with every change just applied to the listing, before the checkpoint
   * moves: a crash re-reads the event and calls it again, so it must be idempotent (webhooks are).
   */
  afterApplied?(changes: AppliedChange[]): Promise<void>;
  log: Logger;
}

export interface RunningProjector {
  stop(): Promise<void>;
}

/**
 * Keeps the listing from the contract's `OrdersChanged` events: each event's orders are taken from the
 * transaction's own writes in its block, upserted, and only then is the checkpoint moved past it. Events
 * are applied one by one in channel order, straight into the database that holds the checkpoint: a
 * read model needs no job queue, and a crash at any point re-reads at most the last event, which
 * changes nothing (`supersedes`). Reading starts at block 0 the first time, so the listing holds every
 * order on the channel.
 */
export async function startOrderProjector(options: OrderProjectorOptions): Promise<RunningProjector> {
  const { listing, checkpoints, log } = options;
  const abort = new AbortController();
  const from = await checkpoints.load();
  // Events of one block come one after another: its transactions are read once for all of them.
  let block: { number: bigint; txs: Map<string, { tx: PublicTransaction; index: number }> } | undefined;

  const transactionOf = async (event: ChaincodeEvent): Promise<{ tx: PublicTransaction; index: number }> => {
    if (block?.number !== event.blockNumber || !block.txs.has(event.transactionId)) {
      const found = await options.blockOf(event.transactionId);
      if (!found) throw new ProjectorError('TRANSACTION_NOT_FOUND', `the platform's peer has no transaction ${event.transactionId}`);
      // The place among the block's endorser transactions: ordered as the block orders them.
      const txs = publicTransactions(found).map((tx, index) => [tx.txId, { tx, index }] as const);
      block = { number: event.blockNumber, txs: new Map(txs) };
    }
    const entry = block.txs.get(event.transactionId);
    if (!entry) throw new ProjectorError('TRANSACTION_NOT_FOUND', `block ${event.blockNumber} holds no transaction ${event.transactionId}`);
    return entry;
  };

  const project = async (event: ChaincodeEvent): Promise<void> => {
    if (event.eventName !== ordersChangedEvent) return;
    let payload: unknown;
    try {
      payload = JSON.parse(Buffer.from(event.payload).toString('utf8'));
    } catch {
      payload = undefined;
    }
    const parsed = ordersChangedSchema.safeParse(payload);
    if (!parsed.success) {
      log.warn({ txId: event.transactionId, block: event.blockNumber.toString() }, 'OrdersChanged event not understood: skipped');
      return;
    }
    const { tx, index } = await transactionOf(event);
    const applied = parsed.data.changes.flatMap((change, changeIndex): AppliedChange[] => {
      const order = projectChange(tx, index, options.chaincode, change);
      if (!order) {
        log.warn(
          { txId: tx.txId, orderId: change.orderId, validation: tx.validationCode },
          'event names an order its transaction did not write',
        );
      }
      return order ? [{ change, changeIndex, order }] : [];
    });
    const outcomes = await listing.applyAll(applied.map((a) => a.order));
    log.debug({ txId: tx.txId, block: tx.blockNumber.toString(), orders: outcomes.size }, 'orders listed');
    if (applied.length > 0) await options.afterApplied?.(applied);
  };

  const reader = readEvents(options.network, options.chaincode, from, 0n, abort.signal, log, async (event) => {
    await project(event);
    await checkpoints.save({ blockNumber: event.blockNumber, transactionId: event.transactionId });
  });
  log.info({ from: from ? from.blockNumber.toString() : 'block 0' }, 'order listing follows the channel');

  return {
    stop: async () => {
      abort.abort();
      await reader;
    },
  };
}
