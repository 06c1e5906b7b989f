import type { Contract } from '@hyperledger/fabric-gateway';
import { randomBytes, randomUUID } from 'node:crypto';
import type { OrderTerms } from '@securepay/client';
import { percentile } from '@securepay/network/bench/stats';
import type { Party } from '../e2e/escrow-driver';

/** One order proposal the load sent: when, in which phase, and what became of it. */
export interface LoadRecord {
  txId: string;
  phase: string;
  submittedAt: number;
  /** When the commit status arrived; absent when the submit or the commit failed. */
  committedAt?: number;
  /** When the outcome (commit or failure) arrived. */
  finishedAt?: number;
  blockNumber?: bigint;
  error?: string;
}

export interface PhaseFigures {
  phase: string;
  sent: number;
  committed: number;
  failed: number;
  p50Ms: number | null;
  p99Ms: number | null;
}

/**
 * A steady load of order transactions: `workers` loops, each proposing a fresh order as the buyer
 * and waiting for its commit before the next. Every proposal is recorded with the phase it was sent
 * in, so latency and failures can be read per phase of a fault test.
 */
export class OrderLoad {
  readonly records: LoadRecord[] = [];
  phase = 'before';
  private running = false;
  private loops: Promise<void>[] = [];

  constructor(
    private readonly buyer: Party,
    private readonly merchant: Party,
  ) {}

  start(workers: number): void {
    this.running = true;
    this.loops = Array.from({ length: workers }, () => this.loop());
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  private async loop(): Promise<void> {
    while (this.running) {
      const proposal = this.proposal(this.buyer.contract);
      const record: LoadRecord = { txId: proposal.getTransactionId(), phase: this.phase, submittedAt: Date.now() };
      this.records.push(record);
      try {
        const submitted = await (await proposal.endorse()).submit();
        const status = await submitted.getStatus();
        if (status.successful) {
          record.committedAt = record.finishedAt = Date.now();
          record.blockNumber = status.blockNumber;
        } else record.error = `validation code ${status.code}`;
      } catch (error) {
        record.error = (error as Error).message.split('\n')[0];
        // Without a quorum every submit fails at once; do not spin.
        await new Promise((r) => setTimeout(r, 200));
      } finally {
        record.finishedAt ??= Date.now();
      }
    }
  }

  private proposal(contract: Contract) {
    const terms: OrderTerms = {
      price: '1000',
      currency: 'CNY',
      commissionBps: 250,
      buyerWallet: this.buyer.wallet!,
      buyerWalletSalt: this.buyer.walletSalt!,
      merchantWallet: this.merchant.wallet!,
      merchantWalletSalt: this.merchant.walletSalt!,
      productId: 'sku-bft',
      salt: randomBytes(16).toString('hex'),
    };
    const order = { orderId: `o-${randomUUID()}`, merchant: { mspId: 'BankBMSP', partyId: this.merchant.partyId } };
    return contract.newProposal('Propose', { arguments: [JSON.stringify(order)], transientData: { terms: JSON.stringify(terms) } });
  }

  figures(phase: string): PhaseFigures {
    return this.figuresOf(
      phase,
      this.records.filter((r) => r.phase === phase),
    );
  }

  /** The proposals sent before `at` whose outcome came after it: in flight at a fault. */
  inFlightAt(at: number): LoadRecord[] {
    return this.records.filter((r) => r.submittedAt < at && (r.finishedAt ?? Infinity) > at);
  }

  figuresOf(phase: string, sent: LoadRecord[]): PhaseFigures {
    const latencies = sent.filter((r) => r.committedAt !== undefined).map((r) => r.committedAt! - r.submittedAt);
    return {
      phase,
      sent: sent.length,
      committed: latencies.length,
      failed: sent.filter((r) => r.error !== undefined).length,
      p50Ms: latencies.length ? Math.round(percentile(latencies, 50)) : null,
      p99Ms: latencies.length ? Math.round(percentile(latencies, 99)) : null,
    };
  }

  /** Commits whose status arrived inside [from, to). */
  committedBetween(from: number, to: number): number {
    return this.records.filter((r) => r.committedAt !== undefined && r.committedAt >= from && r.committedAt < to).length;
  }
}
