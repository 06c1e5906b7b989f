import type pg from 'pg';
import { LedgerError } from './ledger-error';

/** The committed on-chain decision that allows an order's funds to move. */
export interface ChainDecision {
  txId: string;
  blockNumber: string;
  orderId: string;
  /** The contract action that made the change (`confirm`, `reject`, `resolveDispute`, …). */
  action: string;
  /** The order's state after it. */
  state: string;
}

export type AccountKind = 'user' | 'platform' | 'bank' | 'reserve';

/** An order as the escrow agent proved it from its own peer: its state, its banks, its deposit deadline. */
export interface ChainOrder {
  orderId: string;
  state: string;
  buyerBank: string;
  merchantBank: string;
  /** Epoch milliseconds, while a dispute is open. */
  depositBy?: number;
  blockNumber: bigint;
  txId: string;
}

/** A settlement receipt and its signature, as JSON (the contract's `SignedReceipt`). */
export interface SignedReceiptJson {
  receipt: Record<string, unknown>;
  signature: string;
}

/** An order's escrow lock as the ledger holds it. Amounts are minor units, as strings of digits. */
export interface EscrowLock {
  order: string;
  status: 'none' | 'locked' | 'posted' | 'voided';
  buyerWallet?: string;
  merchantWallet?: string;
  platformWallet?: string | null;
  merchantAmount?: string;
  commissionAmount?: string;
}

/** What posting an escrow paid, and where in the journal: the substance of the settlement receipt. */
export interface EscrowPosting {
  order: string;
  merchantWallet: string;
  merchantAmount: string;
  commissionAmount: string;
  journalPosition: number;
  journalHash: string;
}

/** One order's part of `postEscrows`: what its posting paid (and whether its receipt is recorded yet), or why the ledger refused it. */
export type EscrowPostingOutcome =
  { orderId: string; posting: EscrowPosting; receiptRecorded: boolean } | { orderId: string; refused: LedgerError };

/** The most orders one batched ledger call takes (the contract's largest batch is smaller). */
export const maxOrdersPerCall = 500;

/** One order's escrow as a merchant's statement reads it. Amounts are minor units, as strings of digits. */
export interface StatementLegs {
  order: string;
  /** The leg locked for the merchant (the price less the commission). */
  merchantAmount: string;
  merchantLeg: 'locked' | 'posted' | 'voided';
  /** The commission leg locked for the platform; `none` when the order carried no commission. */
  commissionAmount: string;
  commissionLeg: 'none' | 'locked' | 'posted' | 'voided';
  /** The late-settlement penalty the merchant's bank's reserve paid into the merchant's wallet. */
  penalty: string;
  /** When the merchant leg was posted or voided; null while it is locked. */
  resolvedAt: string | null;
}

export interface Invariant {
  ok: boolean;
  balances: string;
  pending: string;
  minted: string;
  redeemed: string;
}

/**
 * The CBDC wallet ledger, reached only through its SQL functions. Every call that moves money takes
 * an idempotency key: repeating it returns the first result and moves nothing.
 */
export class CbdcLedger {
  constructor(private readonly pool: pg.Pool) {}

  private async call<T>(fn: string, ...args: unknown[]): Promise<T> {
    const params = args.map((_, i) => `$${i + 1}`).join(', ');
    try {
      const { rows } = await this.pool.query<{ result: T }>(`select ledger.${fn}(${params}) as result`, args.map(toParam));
      return rows[0]!.result;
    } catch (error) {
      throw LedgerError.from(error);
    }
  }

  openAccount(key: string, account: { id: string; kind: AccountKind; bank: string; ownerSecret?: string }): Promise<{ account: string }> {
    return this.call('open_account', key, account.id, account.kind, account.bank, account.ownerSecret ?? null);
  }

  mint(key: string, bankAccount: string, amount: bigint): Promise<unknown> {
    return this.call('mint', key, bankAccount, amount);
  }

  redeem(key: string, bankAccount: string, amount: bigint): Promise<unknown> {
    return this.call('redeem', key, bankAccount, amount);
  }

  fund(key: string, bankAccount: string, wallet: string, amount: bigint): Promise<unknown> {
    return this.call('fund', key, bankAccount, wallet, amount);
  }

  lockEscrow(
    key: string,
    lock: {
      orderId: string;
      buyerWallet: string;
      secret: string;
      merchantWallet: string;
      platformWallet: string;
      merchantAmount: bigint;
      commissionAmount: bigint;
    },
  ): Promise<{ order: string; status: 'locked' }> {
    return this.call(
      'lock_escrow',
      key,
      lock.orderId,
      lock.buyerWallet,
      lock.secret,
      lock.merchantWallet,
      lock.platformWallet,
      lock.merchantAmount,
      lock.commissionAmount,
    );
  }

  escrowOf(orderId: string): Promise<EscrowLock> {
    return this.call('escrow_of', orderId);
  }

  /**
   * The locks of up to `maxOrdersPerCall` orders in one call, each as `escrowOf` shows it; a lock that
   * pays none of a calling bank's customers answers as `none` rather than refusing the call.
   */
  async escrowsOf(orderIds: string[]): Promise<Map<string, EscrowLock>> {
    return new Map(Object.entries(await this.call<Record<string, EscrowLock>>('escrows_of', orderIds)));
  }

  /** Pays the merchant and the platform from the lock: both pending legs posted together. Escrow agent only. */
  postEscrow(key: string, orderId: string, decision: ChainDecision): Promise<EscrowPosting> {
    return this.call('post_escrow', key, orderId, decision);
  }

  /** Returns the locked funds to the buyer: both pending legs voided together. Escrow agent only. */
  voidEscrow(key: string, orderId: string, decision: ChainDecision): Promise<{ order: string; voidedLegs: number }> {
    return this.call('void_escrow', key, orderId, decision);
  }

  lockDeposit(
    key: string,
    deposit: { orderId: string; party: 'buyer' | 'courier'; wallet: string; secret: string; amount: bigint },
  ): Promise<{ lockRef: string }> {
    return this.call('lock_deposit', key, deposit.orderId, deposit.party, deposit.wallet, deposit.secret, deposit.amount);
  }

  depositOf(
    orderId: string,
    party: 'buyer' | 'courier',
  ): Promise<{ status: 'none' | 'locked' | 'posted' | 'voided'; lockRef?: string; amount?: string }> {
    return this.call('deposit_of', orderId, party);
  }

  /**
   * A resolved dispute, paid from the deposits the chain recorded (`recorded`): the winner's back,
   * the loser's split; a lock the chain never recorded goes back to its owner. Escrow agent only.
   */
  settleDeposits(
    key: string,
    orderId: string,
    decision: ChainDecision,
    winner: 'buyer' | 'courier',
    recorded: ('buyer' | 'courier')[],
  ): Promise<{ winnerPayout: string; platformPayout: string; returnedUnrecorded: string[] }> {
    return this.call('settle_deposits', key, orderId, decision, winner, recorded);
  }

  /** COMPENSATED: the escrow pays what was owed; the merchant's bank's reserve pays the penalty. Escrow agent only. */
  compensate(
    key: string,
    orderId: string,
    decision: ChainDecision,
    penalty: { merchantBank: string; bps: number },
  ): Promise<{ penalty: string; reserve: string }> {
    return this.call('compensate', key, orderId, decision, penalty.merchantBank, penalty.bps);
  }

  /** What the escrow agent proved of an order from its own peer; older news never overwrites newer. */
  recordChainOrder(order: ChainOrder): Promise<void> {
    return this.call(
      'record_chain_order',
      order.orderId,
      order.state,
      order.buyerBank,
      order.merchantBank,
      order.depositBy ?? null,
      order.blockNumber,
      order.txId,
    );
  }

  /** `recordChainOrder` for several orders (at most 500) in one call. */
  async recordChainOrders(orders: readonly ChainOrder[]): Promise<void> {
    if (orders.length === 0) return;
    await this.call(
      'record_chain_orders',
      JSON.stringify(
        orders.map((o) => ({
          orderId: o.orderId,
          state: o.state,
          buyerBank: o.buyerBank,
          merchantBank: o.merchantBank,
          depositByMs: o.depositBy ?? null,
          blockNumber: o.blockNumber.toString(),
          txId: o.txId,
        })),
      ),
    );
  }

  /**
   * `postEscrow` for several orders (at most 500) in one database transaction: each posted exactly as
   * alone, with its own key; one refused is answered with its refusal and does not hold back the rest.
   * Escrow agent only.
   */
  async postEscrows(items: readonly { key: string; orderId: string; decision: ChainDecision }[]): Promise<EscrowPostingOutcome[]> {
    if (items.length === 0) return [];
    const answers = await this.call<
      ({ orderId: string; posting: EscrowPosting; receipt: boolean } | { orderId: string; refused: string })[]
    >('post_escrows', JSON.stringify(items));
    return answers.map((a) =>
      'refused' in a
        ? { orderId: a.orderId, refused: LedgerError.fromMessage(a.refused) }
        : { orderId: a.orderId, posting: a.posting, receiptRecorded: a.receipt },
    );
  }

  /** `recordReceipt` for several orders in one call. */
  async recordReceipts(receipts: ReadonlyMap<string, SignedReceiptJson>): Promise<void> {
    if (receipts.size === 0) return;
    await this.call('record_receipts', JSON.stringify(Object.fromEntries(receipts)));
  }

  /** An escrow lock whose order never reached the chain, past its expiry, back to the buyer. Escrow agent only. */
  voidOrphanedEscrow(key: string, orderId: string, chainHeight: bigint): Promise<{ voidedLegs: number }> {
    return this.call('void_orphaned_escrow', key, orderId, chainHeight);
  }

  recordReceipt(orderId: string, signed: SignedReceiptJson): Promise<void> {
    return this.call('record_receipt', orderId, signed);
  }

  /** The settlement receipt the ledger signed for an order, once the escrow agent has paid it. */
  receiptOf(orderId: string): Promise<SignedReceiptJson | null> {
    return this.call('receipt_of', orderId);
  }

  /**
   * The receipts of several orders (at most 500) in one call: each order the escrow agent has seen maps
   * to its receipt, or to null while it is unpaid; an order it has not seen yet is absent.
   */
  async receiptsOf(orderIds: string[]): Promise<Map<string, SignedReceiptJson | null>> {
    return new Map(Object.entries(await this.call<Record<string, SignedReceiptJson | null>>('receipts_of', orderIds)));
  }

  currency(): Promise<string> {
    return this.call('currency');
  }

  setReceiptKey(publicKeyPem: string): Promise<void> {
    return this.call('set_receipt_key', publicKeyPem);
  }

  /** The public key the ledger's receipts verify with, once the escrow agent has published it. */
  receiptKey(): Promise<string | null> {
    return this.call('receipt_key');
  }

  refuseDecision(txId: string, orderId: string, code: string, message: string): Promise<void> {
    return this.call('refuse_decision', txId, orderId, code, message);
  }

  refusedDecisions(): Promise<{ txId: string; orderId: string; code: string; message: string }[]> {
    return this.call('refused_decisions');
  }

  /** Pending transfers past their expiry, with their order's state as the escrow agent last proved it. */
  expiredPending(
    limit = 100,
  ): Promise<{ orderId: string; purpose: string; expiresAt: string; chainState: string | null; chainTx: string | null }[]> {
    return this.call('expired_pending', limit);
  }

  balance(wallet: string, secret: string): Promise<{ wallet: string; available: string; locked: string }> {
    return this.call('balance', wallet, secret);
  }

  history(
    wallet: string,
    secret: string,
    limit = 50,
  ): Promise<{ id: string; kind: string; debit: string; credit: string; amount: string; order: string | null; purpose: string }[]> {
    return this.call('history', wallet, secret, limit);
  }

  /**
   * The escrow legs and penalty of the named orders whose merchant leg credits `wallet`, for the
   * merchant's statement (platform only, with the wallet's owner credential; at most 1000 orders).
   */
  merchantStatement(wallet: string, secret: string, orderIds: string[]): Promise<StatementLegs[]> {
    return this.call('merchant_statement', wallet, secret, orderIds);
  }

  /** The central bank's supervision: one account's available balance. */
  async balanceOf(account: string): Promise<bigint> {
    return BigInt(await this.call<string>('balance_of', account));
  }

  /** The platform's question: is this order paid into escrow, for the amount it expects? Nothing else. */
  orderPaid(orderId: string, expectedAmount: bigint): Promise<{ paid: boolean; amountMatches: boolean }> {
    return this.call('order_paid', orderId, expectedAmount);
  }

  checkInvariant(): Promise<Invariant> {
    return this.call('check_invariant');
  }

  ordersWithPending(): Promise<string[]> {
    return this.call('orders_with_pending');
  }
}

const toParam = (value: unknown): unknown => (typeof value === 'bigint' ? value.toString() : value);
