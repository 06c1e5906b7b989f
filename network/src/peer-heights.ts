import type { CloseableAsyncIterable, Network } from '@hyperledger/fabric-gateway';
import type { peer } from '@hyperledger/fabric-protos';
import { chainHeight } from './gateway-client';

interface Waiter {
  blockNumber: bigint;
  resolve: () => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/** How long to wait before following a peer again after its stream broke. */
const reconnectMs = 500;

/**
 * Every peer's height, learnt from one filtered-block stream per peer: "has every peer committed
 * block N?" answered without asking any peer. Asking instead (`waitForBlock` polls each peer's
 * GetChainInfo every 20 ms) costs every peer an evaluation per poll for every step in flight, which
 * under load is most of the peers' CPU.
 */
export class PeerHeights {
  private readonly heights: bigint[];
  private readonly streams: (CloseableAsyncIterable<peer.FilteredBlock> | undefined)[];
  private waiters: Waiter[] = [];
  private closed = false;

  private constructor(
    private readonly networks: Network[],
    heights: bigint[],
  ) {
    this.heights = heights;
    this.streams = networks.map(() => undefined);
    networks.forEach((_, i) => void this.follow(i));
  }

  static async follow(networks: Network[]): Promise<PeerHeights> {
    return new PeerHeights(networks, await Promise.all(networks.map((n) => chainHeight(n))));
  }

  /** Resolves once every peer has committed block `blockNumber`. */
  allAt(blockNumber: bigint, timeoutMs = 30_000): Promise<void> {
    if (this.reached(blockNumber)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.timer !== timer);
        reject(new Error(`a peer has not committed block ${blockNumber} after ${timeoutMs / 1000}s`));
      }, timeoutMs);
      this.waiters.push({ blockNumber, resolve, reject, timer });
    });
  }

  /** The newest block some peer has committed. */
  newestBlock(): bigint {
    return this.heights.reduce((a, b) => (b > a ? b : a), 1n) - 1n;
  }

  /** The peers (by their place in `networks`) that have not committed block `blockNumber` yet. */
  lagging(blockNumber: bigint): number[] {
    return this.heights.flatMap((h, i) => (h > blockNumber ? [] : [i]));
  }

  close(): void {
    this.closed = true;
    this.streams.forEach((s) => s?.close());
    for (const w of this.waiters) {
      clearTimeout(w.timer);
      w.reject(new Error('the peer heights are no longer followed'));
    }
    this.waiters = [];
  }

  private reached(blockNumber: bigint): boolean {
    return this.heights.every((h) => h > blockNumber);
  }

  /** Follows one peer's blocks from its known height; a broken stream is followed again from where it stopped. */
  private async follow(i: number): Promise<void> {
    while (!this.closed) {
      try {
        const stream = await this.networks[i]!.getFilteredBlockEvents({ startBlock: this.heights[i]! });
        this.streams[i] = stream;
        if (this.closed) stream.close();
        for await (const block of stream) {
          const height = BigInt(block.getNumber()) + 1n;
          if (height > this.heights[i]!) this.heights[i] = height;
          this.settle();
        }
      } catch {
        // A stream closed by close(), or a peer restarting: either stop or follow it again.
      }
      if (!this.closed) await new Promise((r) => setTimeout(r, reconnectMs));
    }
  }

  private settle(): void {
    const ready = this.waiters.filter((w) => this.reached(w.blockNumber));
    if (ready.length === 0) return;
    this.waiters = this.waiters.filter((w) => !this.reached(w.blockNumber));
    for (const w of ready) {
      clearTimeout(w.timer);
      w.resolve();
    }
  }
}
