import type { Network } from '@hyperledger/fabric-gateway';
import { common } from '@hyperledger/fabric-protos';
import { chainHeight, channelConfig, publicTransactions, type PublicTransaction } from '@securepay/network';
import { ChannelTrust } from './channel-trust';
import { DecisionRefused } from './decision-proof';

const trustTtlMs = 60_000;
/** Committed transactions kept: a batch transaction is one job per order it changed, all reading it. */
const maxCachedTransactions = 2_000;

/**
 * The central bank's own peer, as the escrow agent reads it: committed blocks and the channel's
 * config, through the system chaincodes every peer runs (no contract is installed there).
 */
export class OwnPeer {
  private trustCache: { trust: ChannelTrust; at: number } | undefined;
  /** A committed transaction never changes: read once from the peer, kept (failures are not). */
  private readonly transactions = new Map<string, Promise<PublicTransaction>>();

  constructor(private readonly network: Network) {}

  /** A committed transaction by id, from the block that holds it on this peer. */
  transaction(txId: string): Promise<PublicTransaction> {
    let read = this.transactions.get(txId);
    if (!read) {
      read = this.read(txId);
      this.transactions.set(txId, read);
      read.catch(() => this.transactions.delete(txId));
      if (this.transactions.size > maxCachedTransactions) this.transactions.delete(this.transactions.keys().next().value!);
    }
    return read;
  }

  private async read(txId: string): Promise<PublicTransaction> {
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
    const tx = publicTransactions(common.Block.deserializeBinary(bytes)).find((t) => t.txId === txId);
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
