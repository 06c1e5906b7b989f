import {
  ContractRefusal,
  NotYet,
  settleAll,
  settlementSplit,
  slotsOf,
  signedReceiptSchema,
  type EscrowClient,
  type Order,
  type OrderTerms,
  type Settled,
  type TermsMismatch,
} from '@securepay/client';
import type { Logger } from 'pino';
import { type CbdcLedger, type EscrowLock, type SignedReceiptJson } from '@securepay/ledger';
import type { BankSteps } from './bank-steps';
import { approvalTurn } from './approval-turn';
import { windowProblems, type WindowPolicy } from './window-policy';
import type { Duty } from './order-job';

export interface BankAccounts {
  bank: string;
  /** The platform's fee wallet: an order's commission must be locked to it. */
  platformWallet: string;
  /** The bank's own minimum windows for its customers' orders (`BRIDGE_MIN_WINDOWS`); none by default. */
  minWindows?: WindowPolicy;
}

/** An order and its terms as the bank's peer served them, or why it would not. */
type OrderRead = { order: Order; terms: OrderTerms } | ContractRefusal | TermsMismatch;

/** The most orders one read asks the peer or the ledger for: the contract's largest batch, and the ledger's `maxOrdersPerCall`. */
const ordersPerRead = 500;
/**
 * After this long without a receipt, the merchant's bank asks the chain whether the order still
 * awaits one (it may have been compensated meanwhile); before it, only the ledger is asked.
 */
const receiptPatienceMs = 5_000;

/**
 * A bank's duties on the chain for its customers' orders. It moves no escrowed money — only the
 * central bank's escrow agent does, on decisions it proves from its own peer — but it approves the
 * orders whose lock it has checked, records its customers' dispute deposits, and records the
 * settlement receipts the ledger signs. Every duty is idempotent: the chain refuses a step already
 * taken, which counts as done, so a duty done twice has its effect once. Its steps go on-chain in
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

  /**
   * Does every duty, each on its own, and reports each outcome (what it did, or why not yet). The
   * orders that need reading are read from the bank's peer in one call for all of them.
   * `readAt`: when the event was read, for the patience of a settlement waiting on its receipt.
   */
  async perform(duties: Duty[], readAt: number): Promise<Settled<Duty, string>[]> {
    const toRead = [...new Set(duties.filter((d) => d.kind !== 'recordSettlement').map((d) => d.change.orderId))];
    const reads = await this.readOrders(toRead);
    const approvable = duties.flatMap((duty) => {
      const read = duty.kind === 'approve' ? reads.get(duty.change.orderId) : undefined;
      return read && !(read instanceof Error) && this.mayApprove(read.order) ? [read.order.orderId] : [];
    });
    // A failed read fails only the approvals waiting on it, as a failed receipts read fails only settlements.
    const locks = await this.locksOf([...new Set(approvable)]).catch((error: unknown) => error as Error);
    const settling = [...new Set(duties.filter((d) => d.kind === 'recordSettlement').map((d) => d.change.orderId))];
    // A failed read fails only the settlements waiting on it; the job's other duties go on.
    const receipts = await this.receiptsOf(settling).catch((error: unknown) => error as Error);
    return settleAll(duties, duties.length, async (duty) => {
      const { orderId } = duty.change;
      if (duty.kind === 'recordSettlement') {
        if (receipts instanceof Error) throw receipts;
        return this.recordSettlement(orderId, receipts.get(orderId) ?? null, readAt);
      }
      const read = reads.get(orderId);
      if (!read) throw new Error(`the peer answered nothing for order ${orderId}`);
      if (read instanceof Error) throw read;
      if (duty.kind !== 'approve') return this.recordDeposit(read, duty.kind === 'deposit-buyer' ? 'buyer' : 'courier');
      if (!this.mayApprove(read.order)) return `nothing: the order is ${read.order.state}, decided`;
      if (locks instanceof Error) throw locks;
      return this.approveIfLocked(orderId, read, locks.get(orderId) ?? { order: orderId, status: 'none' });
    });
  }

  /** The ledger's receipts for these orders, in as few calls as the ledger allows; an unpaid or unseen order has none. */
  private receiptsOf(orderIds: string[]): Promise<Map<string, SignedReceiptJson | null>> {
    return readInChunks(orderIds, (ids) => this.ledger.receiptsOf(ids));
  }

  /** The ledger's locks for these orders as this bank may see them, in as few calls as the ledger allows. */
  private locksOf(orderIds: string[]): Promise<Map<string, EscrowLock>> {
    return readInChunks(orderIds, (ids) => this.ledger.escrowsOf(ids));
  }

  /** Each approval event asks again: an order this bank has decided on, or that moved on, asks nothing. */
  private mayApprove(order: Order): boolean {
    return order.state === 'PROPOSED' && !slotsDecided(order, this.accounts.bank);
  }

  private readOrders(orderIds: string[]): Promise<Map<string, OrderRead>> {
    return readInChunks(orderIds, (ids) => this.escrow.getOrdersWithTerms(ids));
  }

  /**
   * The bank approves only if the order's windows meet its own minimums and the buyer's CBDC lock for
   * this order exists and pays exactly what the private terms say, to the wallets they name, and only
   * when it is its turn (`approvalTurn`); otherwise it rejects at once, saying why.
   */
  private async approveIfLocked(orderId: string, { order, terms }: { order: Order; terms: OrderTerms }, lock: EscrowLock): Promise<string> {
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
      const turn = approvalTurn(order, this.accounts.bank);
      if (!turn.approve) return `nothing yet: ${turn.why}`;
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

  /**
   * Records on-chain the receipt the ledger signed when the escrow agent paid the merchant. Until the
   * agent has paid there is no receipt (the agent reads the chain from its own peer, a moment behind
   * ours), and the duty waits, asking only the ledger; a refusal (the order settled or compensated
   * meanwhile) is judged by reading the order.
   */
  private async recordSettlement(orderId: string, signed: SignedReceiptJson | null, readAt: number): Promise<string> {
    if (!signed) {
      if (Date.now() - readAt > receiptPatienceMs) {
        const { state } = await this.escrow.getOrder(orderId);
        if (state !== 'CONFIRMED' && state !== 'CHALLENGED') return `nothing: the order is ${state}`;
      }
      throw new NotYet(`the ledger has not paid order ${orderId} yet`);
    }
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
   * deadline passes, the duty waits. A lock the chain does not record goes back to its owner when the
   * dispute is resolved.
   */
  private async recordDeposit({ order, terms }: { order: Order; terms: OrderTerms }, party: 'buyer' | 'courier'): Promise<string> {
    const { orderId } = order;
    if (order.state !== 'DISPUTED' || order.dispute?.deposits[party]) return 'nothing';
    if (Date.now() > order.dispute!.depositBy) return `nothing: the ${party}'s deposit was due by then`;
    const deposit = await this.ledger.depositOf(orderId, party);
    if (deposit.status !== 'locked') throw new NotYet(`the ${party}'s deposit for ${orderId} is not locked yet`);
    if (deposit.amount !== terms.price) {
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

/** Whether every approval the bank holds on the order has been given or refused. */
function slotsDecided(order: Order, bank: string): boolean {
  return slotsOf(order, { role: 'bank', mspId: bank }).every((slot) => order.approvals[slot] !== undefined);
}

/** One answer for many orders, asked `ordersPerRead` at a time (the most either side takes in one call). */
async function readInChunks<V>(orderIds: string[], read: (ids: string[]) => Promise<Map<string, V>>): Promise<Map<string, V>> {
  const answers = new Map<string, V>();
  for (let at = 0; at < orderIds.length; at += ordersPerRead) {
    for (const [id, value] of await read(orderIds.slice(at, at + ordersPerRead))) answers.set(id, value);
  }
  return answers;
}
