import type { Contract } from '@hyperledger/fabric-gateway';
import {
  compensationSchema,
  termsHash,
  termsSchema,
  windowBoundsSchema,
  type CompensationPolicy,
  type DisputeWinner,
  type Order,
  type OrderTerms,
  type OrderWindows,
  type WindowBounds,
  type PartyRef,
  type Proposal,
  type SignedIntent,
  type SignedReceipt,
  type Batch,
  type CarriedBatch,
} from '@securepay/chaincode/src/order';
import { z } from 'zod';
import { ChainSubmitter, type Committed, type RetryLog, type SubmitOptions } from './chain-submitter';
import {
  batchApprovalSchema,
  batchRefusalSchema,
  ordersWithTermsSchema,
  orderSchema,
  parseResult,
  payoutsSchema,
  windowsResultSchema,
  batchStepsSchema,
  type BatchApproval,
  type BatchRefusal,
  type BatchSteps,
  type Payouts,
} from './contract-results';
import { ContractRefusal, TermsMismatch } from './errors';

/** Where a committed transaction landed, for transactions that return nothing. */
export type Commit = Omit<Committed, 'result'>;

/** A batch of steps or intents. `committed` is absent when no order of the batch could be changed: then nothing was sent. */
export type StepsOutcome = BatchSteps & { committed?: Commit };
const nothingDone = (refused: BatchRefusal[]): BatchSteps => ({ done: [], refused });
/** A map sent in the transient field `key`, never in the block; nothing when it is empty. */
const privately = (key: string, map: Record<string, unknown>): SubmitOptions | undefined =>
  Object.keys(map).length > 0 ? { transientData: { [key]: JSON.stringify(map) } } : undefined;

/** A batch approval. `committed` is absent when no order of the batch could be approved: then nothing was sent. */
export interface BatchOutcome extends BatchApproval {
  committed?: Commit;
}

export interface EscrowClientOptions {
  /** Where retries of transient failures are noted (at debug level); silent when absent. */
  log?: RetryLog;
  /** Endorse-and-commit attempts per submission before giving up on transient failures. */
  attempts?: number;
}

const silent: RetryLog = { debug: () => undefined };

/**
 * The escrow contract as its callers see it: one typed method per transaction, arguments encoded
 * and results checked here and nowhere else. Submissions wait for commit and retry what is
 * transient; a refusal is a `ContractRefusal`. A one-order step returns the order as committed.
 */
export class EscrowClient {
  readonly #chain: ChainSubmitter;

  /** `contract`: the `escrow` contract of the chaincode, as the identity that will sign. */
  constructor(contract: Contract, options: EscrowClientOptions = {}) {
    this.#chain = new ChainSubmitter(contract, options.log ?? silent, options.attempts);
  }

  /**
   * The buyer proposes an order; the terms travel in the transient map, never in the transaction.
   * `beforeSubmit` runs once the peers have endorsed and before ordering (the API locks the price then).
   */
  propose(proposal: Proposal, terms: OrderTerms, options: { beforeSubmit?: () => Promise<void> } = {}): Promise<Committed<Order>> {
    return this.step('Propose', [JSON.stringify(proposal)], { transientData: { terms: JSON.stringify(terms) }, ...options });
  }

  approve(orderId: string): Promise<Committed<Order>> {
    return this.step('Approve', [orderId]);
  }

  /**
   * Approves many orders in one transaction. The contract fails the whole transaction when none can
   * be approved; that is reported here as data too, each order with its refusal, and nothing committed.
   */
  async approveBatch(orderIds: string[]): Promise<BatchOutcome> {
    return this.batch('ApproveBatch', batchApprovalSchema, [JSON.stringify(orderIds)], (refused) => ({ approved: [], refused }));
  }

  /**
   * Many of the caller's own steps, one per order, in one transaction (a platform's approvals, a
   * merchant's shipments, a courier's deliveries, a bank's deposits and settlement proofs). Each
   * order's refusal comes back as data; when none could be done nothing was committed.
   * `receipts`: the signed settlement receipt of each `recordSettlement` step, sent privately.
   */
  async actBatch(batch: Batch, receipts: Record<string, SignedReceipt> = {}): Promise<StepsOutcome> {
    return this.batch('ActBatch', batchStepsSchema, [JSON.stringify(batch)], nothingDone, privately('receipts', receipts));
  }

  /**
   * The platform carries users' signed intents (propose, confirm, declare non-receipt) in one
   * transaction; each is verified on-chain against its signer's certificate. `terms`: the private
   * terms of each propose intent, sent privately and checked against the hash the buyer signed.
   */
  async submitIntents(signed: SignedIntent[], terms: Record<string, OrderTerms> = {}): Promise<StepsOutcome> {
    return this.batch('SubmitIntents', batchStepsSchema, [JSON.stringify(signed)], nothingDone, privately('terms', terms));
  }

  /**
   * The platform's whole batch in one transaction: users' signed intents it carries — a proposal
   * marked `approve` approved by the platform as it is carried — and its own steps, each order once.
   * `terms`: the private terms of each carried proposal, sent privately.
   */
  async carryBatch(batch: CarriedBatch, terms: Record<string, OrderTerms> = {}): Promise<StepsOutcome> {
    return this.batch('CarryBatch', batchStepsSchema, [JSON.stringify(batch)], nothingDone, privately('terms', terms));
  }

  reject(orderId: string, reason: string): Promise<Committed<Order>> {
    return this.step('Reject', [orderId, reason]);
  }

  expire(orderId: string): Promise<Committed<Order>> {
    return this.step('Expire', [orderId]);
  }

  /** `courier`: the courier to assign, when the buyer did not name one. */
  ship(orderId: string, courier?: PartyRef): Promise<Committed<Order>> {
    return this.step('Ship', [orderId, courier ? JSON.stringify(courier) : '']);
  }

  deliver(orderId: string, proofHash: string): Promise<Committed<Order>> {
    return this.step('Deliver', [orderId, proofHash]);
  }

  confirm(orderId: string): Promise<Committed<Order>> {
    return this.step('Confirm', [orderId]);
  }

  autoConfirm(orderId: string): Promise<Committed<Order>> {
    return this.step('AutoConfirm', [orderId]);
  }

  /** Resolves a dispute the platform left open past its `resolveBy`, by the default rule; anyone may. */
  resolveByDefault(orderId: string): Promise<Committed<Order>> {
    return this.step('ResolveByDefault', [orderId]);
  }

  declareNonReceipt(orderId: string): Promise<Committed<Order>> {
    return this.step('DeclareNonReceipt', [orderId]);
  }

  /** A bank records its customer's dispute deposit; `lockRef` is its reference to the CBDC lock. */
  recordDeposit(orderId: string, party: DisputeWinner, lockRef: string): Promise<Committed<Order>> {
    return this.step('RecordDeposit', [orderId, party, lockRef]);
  }

  resolveDispute(orderId: string, winner: DisputeWinner, evidenceHash: string): Promise<Committed<Order>> {
    return this.step('ResolveDispute', [orderId, winner, evidenceHash]);
  }

  /** The merchant's bank proves the settlement with a receipt signed by its ledger key. */
  recordSettlement(orderId: string, receipt: SignedReceipt): Promise<Committed<Order>> {
    // The receipt names amounts and the merchant's wallet: transient, never an argument in the block.
    return this.step('RecordSettlement', [orderId], { transientData: { receipt: JSON.stringify(receipt) } });
  }

  challenge(orderId: string): Promise<Committed<Order>> {
    return this.step('Challenge', [orderId]);
  }

  compensate(orderId: string): Promise<Committed<Order>> {
    return this.step('Compensate', [orderId]);
  }

  /** A bank's admin registers (or rotates) the public key its CBDC ledger signs receipts with. */
  async registerLedgerKey(publicKeyPem: string): Promise<Commit> {
    const { txId, blockNumber } = await this.#chain.commit('RegisterLedgerKey', [publicKeyPem]);
    return { txId, blockNumber };
  }

  /** The platform sets the default windows of orders proposed from now on. */
  async configureWindows(windows: OrderWindows): Promise<Commit> {
    const { txId, blockNumber } = await this.#chain.commit('ConfigureWindows', [JSON.stringify(windows)]);
    return { txId, blockNumber };
  }

  /** The platform sets the late-settlement penalty orders proposed from now on carry. */
  async configureCompensation(policy: CompensationPolicy): Promise<Commit> {
    const { txId, blockNumber } = await this.#chain.commit('ConfigureCompensation', [JSON.stringify(policy)]);
    return { txId, blockNumber };
  }

  async getCompensation(): Promise<CompensationPolicy> {
    return parseResult(compensationSchema, await this.#chain.evaluate('GetCompensation', []), 'compensation policy');
  }

  /** The public view of an order: no price, wallet or name. */
  async getOrder(orderId: string): Promise<Order> {
    return parseResult(orderSchema, await this.#chain.evaluate('GetOrder', [orderId]), 'order');
  }

  /**
   * The private terms, for the platform, the order's banks, its buyer and its merchant — checked here
   * against the order's public `termsHash` too, so a peer that serves other terms is caught by its reader.
   */
  async getOrderTerms(orderId: string): Promise<OrderTerms> {
    return (await this.getOrderAndTerms(orderId)).terms;
  }

  /** The order and its private terms, checked against each other: two reads, where the order and then its terms would be three. */
  async getOrderAndTerms(orderId: string): Promise<{ order: Order; terms: OrderTerms }> {
    const [order, text] = await Promise.all([this.getOrder(orderId), this.#chain.evaluate('GetOrderTerms', [orderId])]);
    const terms = parseResult(termsSchema, text, 'order terms');
    if (termsHash(terms) !== order.termsHash) throw new TermsMismatch(orderId);
    return { order, terms };
  }

  async getPayouts(orderId: string): Promise<Payouts> {
    return parseResult(payoutsSchema, await this.#chain.evaluate('GetPayouts', [orderId]), 'payouts');
  }

  /** A bank's admin registers (or rotates) the certificate of the CA that enrolls its customers. */
  async registerCustomerCa(caCertificatePem: string): Promise<Commit> {
    const { txId, blockNumber } = await this.#chain.commit('RegisterCustomerCa', [caCertificatePem]);
    return { txId, blockNumber };
  }

  /** The PEM certificate of `mspId`'s customer CA; a `ContractRefusal` NOT_FOUND when it registered none. */
  getCustomerCa(mspId: string): Promise<string> {
    return this.#chain.evaluate('GetCustomerCa', [mspId]);
  }

  /** The PEM public key `mspId` registered; a `ContractRefusal` NOT_FOUND when it registered none. */
  getLedgerKey(mspId: string): Promise<string> {
    return this.#chain.evaluate('GetLedgerKey', [mspId]);
  }

  /** The platform sets the channel's bounds on every order's windows. */
  async configureWindowBounds(bounds: WindowBounds): Promise<Commit> {
    const { txId, blockNumber } = await this.#chain.commit('ConfigureWindowBounds', [JSON.stringify(bounds)]);
    return { txId, blockNumber };
  }

  async getWindowBounds(): Promise<WindowBounds> {
    return parseResult(windowBoundsSchema, await this.#chain.evaluate('GetWindowBounds', []), 'window bounds');
  }

  async getWindows(): Promise<OrderWindows> {
    return parseResult(windowsResultSchema, await this.#chain.evaluate('GetWindows', []), 'windows');
  }

  /**
   * Many orders and their terms in one read (at most 500), each checked against its `termsHash` as
   * `getOrderAndTerms` checks one: an order the contract refuses to show comes back as its
   * `ContractRefusal`, one whose terms do not match as a `TermsMismatch`.
   */
  async getOrdersWithTerms(
    orderIds: string[],
  ): Promise<Map<string, { order: Order; terms: OrderTerms } | ContractRefusal | TermsMismatch>> {
    const text = await this.#chain.evaluate('GetOrdersWithTerms', [JSON.stringify(orderIds)]);
    const { orders } = parseResult(ordersWithTermsSchema, text, 'orders with terms');
    const found = new Map<string, { order: Order; terms: OrderTerms } | ContractRefusal | TermsMismatch>();
    for (const entry of orders) {
      if (!('order' in entry)) {
        found.set(entry.orderId, new ContractRefusal(entry.code, `${entry.code}: ${entry.reason}`));
        continue;
      }
      const terms = termsSchema.safeParse(entry.terms);
      if (!terms.success || termsHash(terms.data) !== entry.order.termsHash) found.set(entry.orderId, new TermsMismatch(entry.orderId));
      else found.set(entry.orderId, { order: entry.order, terms: terms.data });
    }
    return found;
  }

  /**
   * A batch transaction. The contract fails one that can change no order at all, listing every
   * order's refusal: that comes back here as data too, with nothing committed.
   */
  private async batch<T>(
    name: string,
    schema: z.ZodType<T>,
    args: string[],
    nothingDone: (refused: BatchRefusal[]) => T,
    options?: SubmitOptions,
  ): Promise<T & { committed?: Commit }> {
    try {
      const { result, ...committed } = await this.#chain.commit(name, args, options);
      return { ...parseResult(schema, result, `${name} result`), committed };
    } catch (error) {
      const nothing = error instanceof ContractRefusal ? /no order in the batch could be [a-z]+: (\[.*\])/.exec(error.message) : null;
      if (!nothing) throw error;
      return { ...nothingDone(parseResult(z.array(batchRefusalSchema), nothing[1]!, `${name} refusals`)), committed: undefined };
    }
  }

  /** A one-order step: the contract answers with the order as committed. */
  private async step(name: string, args: string[], options?: SubmitOptions): Promise<Committed<Order>> {
    const { result, ...committed } = await this.#chain.commit(name, args, options);
    return { result: parseResult(orderSchema, result, `${name} result`), ...committed };
  }
}
