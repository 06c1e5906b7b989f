import type { Network } from '@hyperledger/fabric-gateway';
import { common } from '@hyperledger/fabric-protos';
import { chainHeight, channelConfig, publicTransactions, type PublicTransaction } from '@securepay/network';
import { ChannelTrust } from './channel-trust';
import { DecisionRefused } from './decision-proof';

const trustTtlMs = 60_000;
/** Committed transactions kept: a batch transaction is read by every order it changed. */
const maxCachedTransactions = 5_000;
/** Blocks kept by number: every transaction of a block is read from one fetch of it. */
const maxCachedBlocks = 64;

/**
 * The central bank's own peer, as the escrow agent reads it: committed blocks and the channel's
 * config, through the system chaincodes every peer runs (no contract is installed there).
 */
export class OwnPeer {
  private trustCache: { trust: ChannelTrust; at: number } | undefined;
  /** A committed transaction never changes: read once from the peer, kept (failures are not). */
  private readonly transactions = new Map<string, Promise<PublicTransaction>>();
  private readonly blocks = new Map<bigint, Promise<PublicTransaction[]>>();

  constructor(private readonly network: Network) {}

  /**
   * A committed transaction by id, from the block that holds it on this peer. `blockHint`: where an
   * event said it is; the block is read by number once for all its transactions, and a hint that is
   * wrong (the transaction is not in that block) only costs a read by id.
   */
  async transaction(txId: string, blockHint?: bigint): Promise<PublicTransaction> {
    const known = this.transactions.get(txId);
    if (known) return known;
    if (blockHint !== undefined) {
      const found = (await this.block(blockHint).catch(() => [])).find((t) => t.txId === txId);
      if (found) return found;
    }
    const read = this.readByTxId(txId);
    this.keep(txId, read);
    return read;
  }

  private block(blockNumber: bigint): Promise<PublicTransaction[]> {
    let read = this.blocks.get(blockNumber);
    if (!read) {
      read = this.network
        .getContract('qscc')
        .evaluateTransaction('GetBlockByNumber', this.network.getName(), blockNumber.toString())
        .then((bytes) => publicTransactions(common.Block.deserializeBinary(bytes)));
      this.blocks.set(blockNumber, read);
      read.then(
        (txs) => txs.forEach((tx) => this.keep(tx.txId, Promise.resolve(tx))),
        () => this.blocks.delete(blockNumber),
      );
      if (this.blocks.size > maxCachedBlocks) this.blocks.delete(this.blocks.keys().next().value!);
    }
    return read;
  }

  private keep(txId: string, read: Promise<PublicTransaction>): void {
    this.transactions.set(txId, read);
    read.catch(() => this.transactions.delete(txId));
    if (this.transactions.size > maxCachedTransactions) this.transactions.delete(this.transactions.keys().next().value!);
  }

  /** The transaction's block by its id; every transaction in it is kept for the next jobs. */
  private async readByTxId(txId: string): Promise<PublicTransaction> {
    let bytes: Uint8Array;
    try {
      bytes = await this.network.getContract('qscc').evaluateTransaction('GetBlockByTxID', this.network.getName(), txId);
    } catch (error) {
      const words = `${(error as Error).message} ${JSON.stringify((error as { details?: unknown }).details ?? '')}`;
      // qscc says so only in words; anything else (a peer away, a timeout) is retried, never taken for "no such transaction".
      if (/no such transaction/i.test(words)) {
        throw new DecisionRefused('NOT_FOUND', `no transaction ${txId} on the central bank's peer`);
      }
      throw error;
    }
    const txs = publicTransactions(common.Block.deserializeBinary(bytes));
    for (const other of txs) if (other.txId !== txId && !this.transactions.has(other.txId)) this.keep(other.txId, Promise.resolve(other));
    const tx = txs.find((t) => t.txId === txId);
    if (!tx) throw new DecisionRefused('NOT_FOUND', `the block holding ${txId} has no such endorser transaction`);
    return tx;
  }

  /** Whose certificates the channel accepts, from the channel config on this peer (re-read every minute). */
  async trust(): Promise<ChannelTrust> {
    if (!this.trustCache || Date.now() - this.trustCache.at > trustTtlMs) {
      this.trustCache = { trust: ChannelTrust.fromConfig(await channelConfig(this.network)), at: Date.now() };
    }
    return this.trustCache.trust;
  }

  height(): Promise<bigint> {
    return chainHeight(this.network);
  }

  /**
   * Whether the contract emitted any event after `after` in a block below `height`: an event the
   * agent has not read yet. Asks the peer for the events from there and waits `quietMs` for one.
   */
  async hasEventsBetween(chaincode: string, after: bigint, height: bigint, quietMs = 2_000): Promise<boolean> {
    if (after + 1n >= height) return false;
    const events = await this.network.getChaincodeEvents(chaincode, { startBlock: after + 1n });
    const iterator = events[Symbol.asyncIterator]();
    const timeout = new Promise<'quiet'>((resolve) => setTimeout(() => resolve('quiet'), quietMs));
    try {
      const next = await Promise.race([iterator.next(), timeout]);
      return next !== 'quiet' && !next.done && next.value.blockNumber < height;
    } finally {
      events.close();
    }
  }
}
