import { ContractRefusal, NotYet, settlementSplit, signedReceiptSchema, type EscrowClient } from '@securepay/client';
import type { Logger } from 'pino';
import { LedgerError, type CbdcLedger, type EscrowLock } from '@securepay/ledger';
import type { BankSteps } from './bank-steps';
import { windowProblems, type WindowPolicy } from './window-policy';
import type { OrderJob } from './order-job';

export interface BankAccounts {
  bank: string;
  /** The platform's fee wallet: an order's commission must be locked to it. */
  platformWallet: string;
  /** The bank's own minimum windows for its customers' orders (`BRIDGE_MIN_WINDOWS`); none by default. */
  minWindows?: WindowPolicy;
}

/**
 * A bank's duties on the chain for its customers' orders. It moves no escrowed money — only the
 * central bank's escrow agent does, on decisions it proves from its own peer — but it approves the
 * orders whose lock it has checked, records its customers' dispute deposits, and records the
 * settlement receipts the ledger signs. Every step is idempotent: the chain refuses a step already
 * taken, which counts as done, so a job run twice has its effect once. Its steps go on-chain in
 * batches (`BankSteps`); an order refused within a batch is handled as if it had been refused alone.
 */
export class BankDuties {
  constructor(
    private readonly accounts: BankAccounts,
    private readonly ledger: CbdcLedger,
    private readonly escrow: EscrowClient,
    private readonly steps: BankSteps,
    private readonly log: Logger,
  ) {}

  /** Returns what it did, for logs and metrics. */
  async handle(job: OrderJob): Promise<string> {
    const { change } = job;
    const bank = this.accounts.bank;
    const isBuyerBank = change.buyerBank === bank;
    const isMerchantBank = change.merchantBank === bank;
    if (job.depositOf) return this.recordDeposit(change.orderId, job.depositOf);
    switch (change.to) {
      case 'PROPOSED':
        return change.action === 'propose' && (isBuyerBank || isMerchantBank) ? this.approveIfLocked(change.orderId) : 'nothing';
      case 'CONFIRMED':
      case 'CHALLENGED':
        return isMerchantBank ? this.recordSettlement(change.orderId) : 'nothing';
      default:
        return 'nothing';
    }
  }

  /**
   * The bank approves only if the order's windows meet its own minimums and the buyer's CBDC lock for
   * this order exists and pays exactly what the private terms say, to the wallets they name; otherwise
   * it rejects, saying why.
   */
  private async approveIfLocked(orderId: string): Promise<string> {
    const [{ order, terms }, lock] = await Promise.all([this.escrow.getOrderAndTerms(orderId), this.lockFor(orderId)]);
    const split = settlementSplit(terms);
    const windowIssues = windowProblems(order.windows, this.accounts.minWindows ?? {});
    const lockIssues = [
      lock.status !== 'locked' && `the escrow lock is ${lock.status}`,
      lock.buyerWallet !== terms.buyerWallet && 'the lock is not from the buyer wallet in the terms',
      lock.merchantWallet !== terms.merchantWallet && 'the lock does not pay the merchant wallet in the terms',
      lock.merchantAmount !== split.merchantAmount.toString() && 'the locked merchant amount does not match the terms',
      lock.commissionAmount !== split.commissionAmount.toString() && 'the locked commission does not match the terms',
      split.commissionAmount > 0n &&
        lock.platformWallet !== this.accounts.platformWallet &&
        'the commission does not go to the platform wallet',
    ].filter((p): p is string => typeof p === 'string');
    const problems = [...windowIssues, ...lockIssues];
    if (problems.length === 0) {
      await this.steps.approve(orderId);
      return 'approved';
    }
    try {
      await this.steps.reject(
        orderId,
        windowIssues.length > 0 ? `windows too short: ${windowIssues[0]}` : `no matching CBDC lock: ${lockIssues[0]}`,
      );
    } catch (error) {
      if (!(error instanceof ContractRefusal && ['ALREADY_DONE', 'WRONG_STATE'].includes(error.code))) throw error;
    }
    return `rejected: ${problems.join('; ')}`;
  }

  /** The order's lock as this bank may see it: a lock that pays none of its customers is none of its business. */
  private async lockFor(orderId: string): Promise<EscrowLock> {
    try {
      return await this.ledger.escrowOf(orderId);
    } catch (error) {
      if (error instanceof LedgerError && error.code === 'UNAUTHORISED') return { order: orderId, status: 'none' };
      throw error;
    }
  }

  /**
   * Records on-chain the receipt the ledger signed when the escrow agent paid the merchant. Until the
   * agent has paid, there is no receipt, and the job waits.
   */
  private async recordSettlement(orderId: string): Promise<string> {
    const state = (await this.escrow.getOrder(orderId)).state;
    if (state !== 'CONFIRMED' && state !== 'CHALLENGED') return `nothing: the order is ${state}`;
    const signed = await this.ledger.receiptOf(orderId).catch((error: unknown) => {
      // The escrow agent reads the chain from its own peer, a moment behind ours.
      if (error instanceof LedgerError && error.code === 'NOT_SEEN') return null;
      throw error;
    });
    if (!signed) throw new NotYet(`the ledger has not paid order ${orderId} yet`);
    try {
      await this.steps.recordSettlement(orderId, signedReceiptSchema.parse(signed));
    } catch (error) {
      const now = error instanceof ContractRefusal ? (await this.escrow.getOrder(orderId)).state : undefined;
      if (now !== 'SETTLED' && now !== 'COMPENSATED') throw error;
    }
    return "recorded the ledger's settlement receipt";
  }

  /**
   * Records on-chain the deposit one of this bank's customers has locked for a dispute, on its own:
   * the other party's deposit (at this bank or another) never holds it up. Until it is locked, or its
   * deadline passes, the job waits. A lock the chain does not record goes back to its owner when the
   * dispute is resolved.
   */
  private async recordDeposit(orderId: string, party: 'buyer' | 'courier'): Promise<string> {
    const order = await this.escrow.getOrder(orderId);
    if (order.state !== 'DISPUTED' || order.dispute?.deposits[party]) return 'nothing';
    if (Date.now() > order.dispute!.depositBy) return `nothing: the ${party}'s deposit was due by then`;
    const deposit = await this.ledger.depositOf(orderId, party);
    if (deposit.status !== 'locked') throw new NotYet(`the ${party}'s deposit for ${orderId} is not locked yet`);
    if (deposit.amount !== (await this.escrow.getOrderTerms(orderId)).price) {
      this.log.warn({ orderId, party }, 'a deposit that is not the price is not recorded');
      return 'nothing: the deposit is not the price';
    }
    try {
      await this.steps.recordDeposit(orderId, party, deposit.lockRef!);
    } catch (error) {
      if (!(error instanceof ContractRefusal && ['ALREADY_DONE', 'WRONG_STATE', 'DEADLINE_PASSED'].includes(error.code))) throw error;
      return `nothing: ${error.code}`;
    }
    return `recorded the ${party}'s deposit`;
  }
}
