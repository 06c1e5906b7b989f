import { LedgerError, type ChainOrderRecord, type SupervisionLedger } from '@securepay/ledger';
import type { Logger } from 'pino';
import { ordersWritten } from './chain-orders';
import type { ChainSource } from './chain-source';
import { ChainMismatch } from './supervision-error';

export interface ChainScanOptions {
  source: ChainSource;
  ledger: SupervisionLedger;
  chaincode: string;
  /** Where to begin when the database holds no position yet (a network's block before its first order, say). */
  startBlock?: bigint;
  /** Blocks recorded per database transaction. */
  blocksPerCommit?: number;
  log: Logger;
}

/** How far the chain view has read, after a catch-up. */
export interface ScanProgress {
  /** The next block to read: every block below it is in the view. */
  nextBlock: bigint;
  /** The peer's height when the catch-up began. */
  height: bigint;
  /** Order writes read in this catch-up. */
  orderWrites: number;
}

const conflictRetries = 3;

/**
 * The central bank's view of every order on the chain, kept incrementally: each catch-up reads only
 * the blocks after where the view got to, from the central bank's own peer, and records what they
 * wrote to orders together with the new position, so a restarted service resumes there without
 * rereading the chain or losing a block. Catch-ups asked for while one runs share it.
 */
export class ChainScan {
  private running: Promise<ScanProgress> | undefined;

  constructor(private readonly options: ChainScanOptions) {}

  catchUp(): Promise<ScanProgress> {
    this.running ??= this.scan().finally(() => (this.running = undefined));
    return this.running;
  }

  private async scan(): Promise<ScanProgress> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.scanOnce();
      } catch (error) {
        // Another scanner (a second supervision process) moved the position: start again from it.
        if (error instanceof LedgerError && error.code === 'SCAN_CONFLICT' && attempt < conflictRetries) continue;
        throw error;
      }
    }
  }

  private async scanOnce(): Promise<ScanProgress> {
    const { source, ledger, log } = this.options;
    const position = await ledger.chainScanPosition();
    const next = position ? BigInt(position.nextBlock) : (this.options.startBlock ?? 0n);
    const height = await source.height();
    if (height < next) {
      throw new ChainMismatch(`the peer holds ${height} blocks but the chain view has read ${next}: it is another chain`);
    }
    if (height === next) return { nextBlock: next, height, orderWrites: 0 };

    // The block the view stopped after is read again, to be sure this is still the same chain.
    const check = position?.lastBlockHash && next > 0n ? { number: next - 1n, hash: position.lastBlockHash } : undefined;
    const perCommit = BigInt(this.options.blocksPerCommit ?? 100);
    let from = next;
    let orders: ChainOrderRecord[] = [];
    let lastHash: string | null = null;
    let writes = 0;
    let expected = next;
    let verified = check === undefined;
    for await (const block of source.blocks(check ? check.number : next, height)) {
      if (check && block.number === check.number) {
        if (block.dataHash !== check.hash) throw new ChainMismatch(`block ${block.number} on the peer is not the one the chain view read`);
        verified = true;
        continue;
      }
      if (!verified) throw new Error(`the peer did not send block ${check!.number} again, which the chain view resumes after`);
      if (block.number !== expected) throw new Error(`the peer sent block ${block.number} where block ${expected} was due`);
      expected += 1n;
      const written = ordersWritten(block.transactions, this.options.chaincode);
      for (const bad of written.unreadable)
        log.warn({ ...bad, blockNumber: bad.blockNumber.toString() }, 'a write under an order key is no order');
      orders.push(...written.orders);
      writes += written.orders.length;
      lastHash = block.dataHash;
      const to = block.number + 1n;
      if (to - from >= perCommit || to === height) {
        await ledger.recordChainScan(from, to, lastHash, orders);
        from = to;
        orders = [];
      }
    }
    if (from !== height) throw new Error(`the peer's blocks ended at ${from}, below its height ${height}`);
    log.debug({ from: next.toString(), to: height.toString(), orderWrites: writes }, 'chain view caught up');
    return { nextBlock: height, height, orderWrites: writes };
  }
}
