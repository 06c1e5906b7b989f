import { ContractRefusal, settlementSplit, type EscrowClient, type OrderChange } from '@securepay/client';
import type { Logger } from 'pino';
import type { CbdcLedger, ChainDecision } from '@securepay/ledger';
import type { ApprovalBatcher } from './approval-batcher';
import type { OrderJob } from './order-job';
import type { ReceiptSigner } from './receipt-signer';

export interface BankAccounts {
  bank: string;
  platformWallet: string;
  reserveAccount: string;
}

/** The job is not done yet and should be tried again later (a deposit not yet locked, say). */
export class NotYet extends Error {}

/**
 * What a bank does for each on-chain change to one of its customers' orders. Every step is
 * idempotent: the ledger dedupes by key, and the chain refuses a step already taken, which counts
 * as done. So a job run twice (a crash, a stalled lock) has its effect once.
 */
export class LifecycleDriver {
  constructor(
    private readonly accounts: BankAccounts,
    private readonly ledger: CbdcLedger,
    private readonly escrow: EscrowClient,
    private readonly approvals: ApprovalBatcher,
    private readonly signer: ReceiptSigner,
    private readonly log: Logger,
  ) {}

  /** Returns what it did, for logs and metrics. */
  async handle(job: OrderJob): Promise<string> {
    const { change } = job;
    const decision: ChainDecision = job.decision;
    const bank = this.accounts.bank;
    const isBuyerBank = change.buyerBank === bank;
    const isMerchantBank = change.merchantBank === bank;
    const key = (what: string): string => `${what}.${decision.txId}.${change.orderId}`;

    switch (change.to) {
      case 'PROPOSED':
        return change.action === 'propose' && (isBuyerBank || isMerchantBank) ? this.approveIfLocked(change.orderId) : 'nothing';
      case 'REJECTED':
      case 'EXPIRED':
        if (!isBuyerBank) return 'nothing';
        await this.ledger.voidEscrow(key('void'), change.orderId, decision);
        return 'voided the escrow';
      case 'REFUNDED':
        if (!isBuyerBank) return 'nothing';
        if (change.action === 'resolveDispute') await this.settleDeposits(change, decision, key('deposits'));
        await this.ledger.voidEscrow(key('void'), change.orderId, decision);
        return 'refunded the buyer';
      case 'CONFIRMED': {
        const done: string[] = [];
        if (change.action === 'resolveDispute' && isBuyerBank) done.push(await this.settleDeposits(change, decision, key('deposits')));
        if (isMerchantBank) done.push(await this.settle(change.orderId, decision, key('post')));
        return done.join('; ') || 'nothing';
      }
      case 'CHALLENGED':
        return isMerchantBank ? this.settle(change.orderId, decision, key('post')) : 'nothing';
      case 'COMPENSATED':
        if (!isMerchantBank) return 'nothing';
        await this.ledger.compensate(key('compensate'), change.orderId, decision, this.accounts.reserveAccount);
        return 'compensated the merchant from the reserve';
      case 'DISPUTED':
        return change.action === 'declareNonReceipt' ? this.recordDeposits(change) : 'nothing';
      default:
        return 'nothing';
    }
  }

  /**
   * The bank approves only if the buyer's CBDC lock for this order exists and pays exactly what the
   * private terms say, to the wallets they name; otherwise it rejects, saying why.
   */
  private async approveIfLocked(orderId: string): Promise<string> {
    const [terms, lock] = await Promise.all([this.escrow.getOrderTerms(orderId), this.ledger.escrowOf(orderId)]);
    const split = settlementSplit(terms);
    const problems = [
      lock.status !== 'locked' && `the escrow lock is ${lock.status}`,
      lock.buyerWallet !== terms.buyerWallet && 'the lock is not from the buyer wallet in the terms',
      lock.merchantWallet !== terms.merchantWallet && 'the lock does not pay the merchant wallet in the terms',
      lock.merchantAmount !== split.merchantAmount.toString() && 'the locked merchant amount does not match the terms',
      lock.commissionAmount !== split.commissionAmount.toString() && 'the locked commission does not match the terms',
      split.commissionAmount > 0n &&
        lock.platformWallet !== this.accounts.platformWallet &&
        'the commission does not go to the platform wallet',
    ].filter((p): p is string => typeof p === 'string');
    if (problems.length === 0) {
      await this.approvals.approve(orderId);
      return 'approved';
    }
    try {
      await this.escrow.reject(orderId, `no matching CBDC lock: ${problems[0]}`);
    } catch (error) {
      if (!(error instanceof ContractRefusal && ['ALREADY_DONE', 'WRONG_STATE'].includes(error.code))) throw error;
    }
    return `rejected: ${problems.join('; ')}`;
  }

  /** Pays the merchant from the escrow and proves it on-chain with a signed receipt. */
  private async settle(orderId: string, decision: ChainDecision, key: string): Promise<string> {
    // Read late (after a crash): the reserve has already paid the merchant; the escrow must not pay too.
    if ((await this.escrow.getOrder(orderId)).state === 'COMPENSATED') return 'nothing: already compensated';
    const posting = await this.ledger.postEscrow(key, orderId, decision);
    const receipt = this.signer.receiptFor(posting, (await this.escrow.getOrderTerms(orderId)).currency);
    try {
      await this.escrow.recordSettlement(orderId, receipt);
    } catch (error) {
      const state = error instanceof ContractRefusal ? (await this.escrow.getOrder(orderId)).state : undefined;
      if (state !== 'SETTLED' && state !== 'COMPENSATED') throw error;
    }
    return 'paid the merchant and recorded the receipt';
  }

  private async settleDeposits(change: OrderChange, decision: ChainDecision, key: string): Promise<string> {
    const payouts = await this.escrow.getPayouts(change.orderId);
    const winner = change.winner!;
    await this.ledger.settleDeposits(key, change.orderId, decision, {
      winner,
      platformWallet: this.accounts.platformWallet,
      winnerPayout: BigInt(payouts[winner]),
      platformPayout: BigInt(payouts.platform),
    });
    return `paid out the dispute deposits (${winner} won)`;
  }

  /**
   * Records on-chain the deposits this bank's customers have locked. Until each is locked (or the
   * deposit deadline passes) the job is not done, and is tried again.
   */
  private async recordDeposits(change: OrderChange): Promise<string> {
    const parties = (['buyer', 'courier'] as const).filter(
      (p) => (p === 'buyer' ? change.buyerBank : change.courierBank) === this.accounts.bank,
    );
    const done: string[] = [];
    for (const party of parties) {
      const order = await this.escrow.getOrder(change.orderId);
      if (order.state !== 'DISPUTED' || order.dispute?.deposits[party]) continue;
      if (Date.now() > order.dispute!.depositBy) continue;
      const deposit = await this.ledger.depositOf(change.orderId, party);
      if (deposit.status !== 'locked') throw new NotYet(`the ${party}'s deposit for ${change.orderId} is not locked yet`);
      const price = (await this.escrow.getOrderTerms(change.orderId)).price;
      if (deposit.amount !== price) {
        this.log.warn({ orderId: change.orderId, party }, 'a deposit that is not the price is not recorded');
        continue;
      }
      try {
        await this.escrow.recordDeposit(change.orderId, party, deposit.lockRef!);
        done.push(party);
      } catch (error) {
        if (!(error instanceof ContractRefusal && ['ALREADY_DONE', 'WRONG_STATE', 'DEADLINE_PASSED'].includes(error.code))) throw error;
      }
    }
    return done.length > 0 ? `recorded the deposits of ${done.join(' and ')}` : 'nothing';
  }
}
