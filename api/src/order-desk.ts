import { createHash, randomBytes } from 'node:crypto';
import {
  approveIntent,
  confirmIntent,
  ContractRefusal,
  deliverIntent,
  nonReceiptIntent,
  proposeIntent,
  shipIntent,
  signIntent,
  type BatchedStep,
  type BatchStep,
  type Intent,
  settlementSplit,
  type Committed,
  type EscrowClient,
  type Order,
  type OrderTerms,
  type OrderWindows,
} from '@securepay/client';
import type { Logger } from 'pino';
import { publicTransactions, type SigningIdentity } from '@securepay/network';
import { LedgerError, type CbdcLedger } from '@securepay/ledger';
import { ApiError } from './api-error';
import type { FabricSessions } from './fabric-sessions';
import type { OrderBatches } from './order-batches';
import type { ProposalRules } from './proposal-rules';
import { ServiceUnavailable } from './service-unavailable';
import { orderView, transactionView, type OrderView } from './order-view';
import type { Caller, PlatformUser, UserRegistry, UserRole } from './user-registry';

/** What a state-changing call did on the channel. */
export interface ActionResult {
  orderId: string;
  state: string;
  txId: string;
  blockNumber: string;
}

export interface OrderDeskSettings {
  currency: string;
  commissionBps: number;
  platformWallet: string;
  /** The platform approves each proposal that passes its checks as it carries it (`API_PLATFORM_APPROVAL`). */
  platformApprovesProposals: boolean;
  /** Custodial merchants' and couriers' steps go as signed intents in the platform's batch (`API_USER_STEPS`). */
  usersStepsCarried: boolean;
}

/** A dispute deposit must be locked this long before its deadline, so the bank can still record it in time. */
const depositMarginMs = 2_000;
/** Block numbers kept for order timelines; older ones are looked up again when asked for. */
const maxRememberedBlocks = 10_000;
/** Refusals that a peer still catching up with the channel gives for a step that is right. */
const staleRefusals = new Set(['NOT_FOUND', 'WRONG_STATE']);

/**
 * The platform's order desk: every step of an order as the party taking it. The desk checks what
 * it can before touching money, signs with the caller's own identity (from the keystore), waits
 * until every org's peer has the result, and lets the contract be the judge of the rest.
 */
export class OrderDesk {
  /** Transaction id → block number, for timelines (insertion order: oldest first). */
  private readonly blocks = new Map<string, bigint>();
  /** The newest block a step of ours was answered at: every peer must reach it before judging the next. */
  private latestBlock = 0n;

  constructor(
    private readonly users: UserRegistry,
    private readonly sessions: FabricSessions,
    private readonly ledger: CbdcLedger,
    private readonly settings: OrderDeskSettings,
    private readonly log: Logger,
    private readonly batches: OrderBatches,
    private readonly proposalRules: ProposalRules,
  ) {}

  /**
   * The buyer's order: the platform writes the terms, the buyer's wallet locks the price, and the
   * buyer proposes it. The lock is made only once the peers have endorsed the proposal (or the proposal
   * passed the contract's own rules, batched), and before it is ordered, so the banks never see an
   * order without its lock. The order id derives from the request's idempotency key: a retry after a
   * crash finds the same lock and the same order.
   */
  async create(
    caller: Caller,
    requestKey: string,
    input: { merchantId: string; courierId?: string; productId: string; price: string; windows?: Partial<OrderWindows> },
  ): Promise<ActionResult> {
    const buyer = requireUser(caller, 'buyer', 'create an order');
    const orderId = `o-${createHash('sha256').update(`${caller.scope}\n${requestKey}`).digest('hex').slice(0, 32)}`;
    try {
      return await this.propose(caller, buyer, orderId, input);
    } catch (error) {
      // A repeat after a crash: the lock is found by its key, the chain refuses the second proposal,
      // and the answer is what the first did. Reading the chain first instead cost every order a read.
      if (!(error instanceof ContractRefusal && error.code === 'ALREADY_EXISTS')) throw error;
      const existing = await this.findOrder(orderId);
      if (!existing) throw error;
      // The first attempt may have stopped between its proposal and the platform's approval.
      if (this.settings.platformApprovesProposals && existing.state === 'PROPOSED' && !existing.approvals.platform)
        await this.approveAsPlatform(orderId);
      return this.resultOf(existing);
    }
  }

  private async propose(
    caller: Caller,
    buyer: PlatformUser,
    orderId: string,
    input: { merchantId: string; courierId?: string; productId: string; price: string; windows?: Partial<OrderWindows> },
  ): Promise<ActionResult> {
    const merchant = await this.party(input.merchantId, 'merchant', 'merchantId');
    const courier = input.courierId ? await this.party(input.courierId, 'courier', 'courierId') : undefined;

    const terms: OrderTerms = {
      price: input.price,
      currency: this.settings.currency,
      commissionBps: this.settings.commissionBps,
      buyerWallet: buyer.wallet,
      buyerWalletSalt: await this.users.walletSalt(buyer),
      merchantWallet: merchant.wallet,
      merchantWalletSalt: await this.users.walletSalt(merchant),
      productId: input.productId,
      salt: randomBytes(16).toString('hex'),
    };
    const split = settlementSplit(terms);
    const proposal = {
      orderId,
      merchant: { mspId: merchant.bank, partyId: merchant.partyId },
      ...(courier ? { courier: { mspId: courier.bank, partyId: courier.partyId } } : {}),
      ...(input.windows ? { windows: input.windows } : {}),
    };
    const secret = await this.users.walletSecret(buyer);
    const lock = (): Promise<unknown> =>
      this.ledger.lockEscrow(`lock.${orderId}`, {
        orderId,
        buyerWallet: buyer.wallet,
        secret,
        merchantWallet: merchant.wallet,
        platformWallet: this.settings.platformWallet,
        merchantAmount: split.merchantAmount,
        commissionAmount: split.commissionAmount,
      });
    const identity = await this.custodialIdentity(caller);
    if (identity) {
      // Batched: the buyer signs an intent, the price is locked, and the platform carries the intent
      // with others. What the contract would refuse is refused here first, before any money is locked;
      // a proposal refused on-chain all the same leaves an orphan lock, which the central bank's sweeper
      // gives back (escrow_orphan_after).
      await this.proposalRules.check(proposal, terms, buyer);
      const intent = proposeIntent(proposal, terms, this.intentOptions(buyer));
      await lock();
      return this.carry('Propose', identity, intent, terms, this.settings.platformApprovesProposals);
    }
    const proposed = await this.submit(caller, orderId, 'Propose', (escrow) =>
      escrow.propose(proposal, terms, { beforeSubmit: async () => void (await lock()) }),
    );
    if (this.settings.platformApprovesProposals) await this.approveAsPlatform(orderId);
    return proposed;
  }

  /**
   * The platform's approval of a proposal the buyer sent itself (unbatched, or self-custody): a
   * transaction of its own right after the proposal, so that `API_PLATFORM_APPROVAL=on-proposal`
   * means the same whoever signs. An approval already given is fine.
   */
  private async approveAsPlatform(orderId: string): Promise<void> {
    try {
      await this.approve({ kind: 'platform', scope: 'platform' }, orderId);
    } catch (error) {
      if (!(error instanceof ContractRefusal && error.code === 'ALREADY_DONE')) throw error;
    }
  }

  /**
   * The platform's or the merchant's approval. Approving an order one has already approved (the
   * platform approves as it carries the proposal) answers as that approval did, rather than 409.
   */
  async approve(caller: Caller, orderId: string): Promise<ActionResult> {
    requireOneOf(caller, ['platform', 'merchant'], 'approve an order here (banks approve through their bridges)');
    try {
      return await this.submit(caller, orderId, 'Approve', (escrow) => escrow.approve(orderId), { type: 'approve' });
    } catch (error) {
      if (!(error instanceof ContractRefusal && error.code === 'ALREADY_DONE')) throw error;
      const order = await this.order(orderId);
      const given = order.approvals[caller.kind === 'platform' ? 'platform' : 'merchant'];
      if (given?.decision !== 'approved') throw error;
      if (!this.blocks.has(given.txId)) await this.blockNumberOf(given.txId);
      return { orderId, state: order.state, txId: given.txId, blockNumber: this.blocks.get(given.txId)?.toString() ?? '' };
    }
  }

  reject(caller: Caller, orderId: string, reason: string): Promise<ActionResult> {
    requireOneOf(caller, ['platform', 'merchant'], 'reject an order here (banks reject through their bridges)');
    return this.submit(caller, orderId, 'Reject', (escrow) => escrow.reject(orderId, reason), { type: 'reject', reason });
  }

  async ship(caller: Caller, orderId: string, courierId?: string): Promise<ActionResult> {
    requireUser(caller, 'merchant', 'ship an order');
    const courier = courierId ? await this.party(courierId, 'courier', 'courierId') : undefined;
    const courierRef = courier ? { mspId: courier.bank, partyId: courier.partyId } : undefined;
    return this.submit(
      caller,
      orderId,
      'Ship',
      (escrow) => escrow.ship(orderId, courierRef),
      courierRef ? { type: 'ship', courier: courierRef } : { type: 'ship' },
    );
  }

  deliver(caller: Caller, orderId: string, proofHash: string): Promise<ActionResult> {
    requireUser(caller, 'courier', 'sign a delivery');
    return this.submit(caller, orderId, 'Deliver', (escrow) => escrow.deliver(orderId, proofHash), { type: 'deliver', proofHash });
  }

  async confirm(caller: Caller, orderId: string): Promise<ActionResult> {
    const buyer = requireUser(caller, 'buyer', 'confirm receipt');
    const identity = await this.custodialIdentity(caller);
    if (!identity) return this.submit(caller, orderId, 'Confirm', (escrow) => escrow.confirm(orderId));
    return this.carry('Confirm', identity, confirmIntent(orderId, this.intentOptions(buyer)));
  }

  async declareNonReceipt(caller: Caller, orderId: string): Promise<ActionResult> {
    const buyer = requireUser(caller, 'buyer', 'declare non-receipt');
    const identity = await this.custodialIdentity(caller);
    if (!identity) return this.submit(caller, orderId, 'DeclareNonReceipt', (escrow) => escrow.declareNonReceipt(orderId));
    return this.carry('DeclareNonReceipt', identity, nonReceiptIntent(orderId, this.intentOptions(buyer)));
  }

  resolve(caller: Caller, orderId: string, winner: 'buyer' | 'courier', evidenceHash: string): Promise<ActionResult> {
    requireOneOf(caller, ['platform'], 'resolve a dispute');
    return this.submit(caller, orderId, 'ResolveDispute', (escrow) => escrow.resolveDispute(orderId, winner, evidenceHash), {
      type: 'resolveDispute',
      winner,
      evidenceHash,
    });
  }

  challenge(caller: Caller, orderId: string): Promise<ActionResult> {
    requireUser(caller, 'merchant', 'challenge a settlement');
    return this.submit(caller, orderId, 'Challenge', (escrow) => escrow.challenge(orderId), { type: 'challenge' });
  }

  /** Steps anyone on the channel may take once a deadline has passed, so that no one can stall an order. */
  afterDeadline(
    caller: Caller,
    orderId: string,
    step: 'AutoConfirm' | 'Expire' | 'Compensate' | 'ResolveByDefault',
  ): Promise<ActionResult> {
    requireOneOf(caller, ['platform', 'buyer', 'merchant', 'courier'], 'move an order on after a deadline');
    const send = { AutoConfirm: 'autoConfirm', Expire: 'expire', Compensate: 'compensate', ResolveByDefault: 'resolveByDefault' } as const;
    return this.submit(caller, orderId, step, (escrow) => escrow[send[step]](orderId), { type: send[step] });
  }

  /**
   * A disputing party's deposit: the price, locked from its own wallet. Its bank's bridge sees the lock
   * and records it on-chain. Refused when the order is not in dispute, the caller is not its buyer or
   * courier, or the deadline is too close for the bank to record it — the money would sit locked.
   */
  async deposit(caller: Caller, orderId: string): Promise<{ orderId: string; party: 'buyer' | 'courier'; lockRef: string }> {
    const user = requireUser(caller, ['buyer', 'courier'], 'post a dispute deposit');
    const order = await this.order(orderId);
    const party: 'buyer' | 'courier' = user.role === 'buyer' ? 'buyer' : 'courier';
    const ref = party === 'buyer' ? order.buyer : order.courier;
    if (!ref || ref.partyId !== user.partyId || ref.mspId !== user.bank) {
      throw new ApiError(403, 'WRONG_PARTY', `only order ${orderId}'s ${party} may post its ${party} deposit`);
    }
    if (order.state !== 'DISPUTED' || !order.dispute)
      throw new ApiError(409, 'WRONG_STATE', `order ${orderId} is ${order.state}, not DISPUTED`);
    if (Date.now() > order.dispute.depositBy - depositMarginMs) {
      throw new ApiError(
        409,
        'DEADLINE_PASSED',
        `deposits for order ${orderId} were due by ${new Date(order.dispute.depositBy).toISOString()}`,
      );
    }
    const terms = await this.sessions.platform().getOrderTerms(orderId);
    const deposit = {
      orderId,
      party,
      wallet: user.wallet,
      secret: await this.users.walletSecret(user),
      amount: BigInt(terms.price),
    };
    // The ledger accepts a deposit only once the central bank's escrow agent has seen the dispute on
    // its own peer, a moment after ours did: give it that moment before answering WRONG_STATE.
    for (let attempt = 1; ; attempt++) {
      try {
        const { lockRef } = await this.ledger.lockDeposit(`deposit.${orderId}.${party}`, deposit);
        return { orderId, party, lockRef };
      } catch (error) {
        if (!(error instanceof LedgerError && error.code === 'WRONG_STATE') || attempt >= 50) throw error;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  async view(orderId: string): Promise<OrderView> {
    const order = await this.order(orderId);
    const txIds = new Set([...order.history.map((h) => h.txId), ...Object.values(order.approvals).map((a) => a.txId)]);
    for (const d of Object.values(order.dispute?.deposits ?? {})) txIds.add(d.txId);
    await Promise.all([...txIds].filter((t) => !this.blocks.has(t)).map((t) => this.blockNumberOf(t)));
    return orderView(order, (txId) => this.blocks.get(txId));
  }

  async transaction(txId: string): Promise<ReturnType<typeof transactionView>> {
    const block = await this.sessions.blockOf(txId);
    const tx = block && publicTransactions(block).find((t) => t.txId === txId);
    if (!tx) throw new ApiError(404, 'NOT_FOUND', `no transaction ${txId} on the channel`);
    return transactionView(tx);
  }

  async order(orderId: string): Promise<Order> {
    const order = await this.findOrder(orderId);
    if (!order) throw new ApiError(404, 'NOT_FOUND', `no order ${orderId}`);
    return order;
  }

  private async findOrder(orderId: string): Promise<Order | undefined> {
    try {
      return await this.sessions.platform().getOrder(orderId);
    } catch (error) {
      if (error instanceof ContractRefusal && error.code === 'NOT_FOUND') return undefined;
      throw error;
    }
  }

  private async blockNumberOf(txId: string): Promise<void> {
    const block = await this.sessions.blockOf(txId);
    if (block) this.remember(txId, BigInt(block.getHeader()?.getNumber() ?? 0));
  }

  /** Caches where a transaction landed; the oldest entries go first, so a long-running API stays small. */
  private remember(txId: string, blockNumber: bigint): void {
    this.blocks.set(txId, blockNumber);
    if (this.blocks.size > maxRememberedBlocks) this.blocks.delete(this.blocks.keys().next().value!);
  }

  private async party(userId: string, role: UserRole, field: string): Promise<PlatformUser> {
    const user = await this.users.find(userId);
    if (!user || user.role !== role) throw new ApiError(404, 'NOT_FOUND', `${field}: no ${role} ${userId}`);
    return user;
  }

  /** The caller's own contract client: every step is signed by the party taking it. */
  private async escrowOf(caller: Caller): Promise<EscrowClient> {
    if (caller.kind === 'platform') return this.sessions.platform();
    if (caller.kind === 'bank') throw new ApiError(403, 'WRONG_PARTY', "a bank acts on orders through its bridge, not the platform's API");
    const { user } = caller;
    return this.sessions.user(user.userId, user.bank, () => this.users.signingIdentity(user));
  }

  /**
   * `name` is the transaction's, for the log. When batching is on and the API holds the caller's key,
   * the step (`batched`) goes in a batch: a merchant's or courier's approval, shipment or delivery as
   * the user's signed intent in the platform's batch (`intentFor`, unless `API_USER_STEPS=user`), any
   * other in the caller's own. Otherwise `send` takes it through the caller's own client as a
   * single-order transaction (a self-custody user signs each one on its device).
   */
  private async submit(
    caller: Caller,
    orderId: string,
    name: string,
    send: (escrow: EscrowClient) => Promise<Committed<Order>>,
    batched?: BatchStep,
  ): Promise<ActionResult> {
    if (batched && this.batches.enabled && caller.kind === 'platform')
      return this.committed(name, await this.onCaughtUpPeers(() => this.batches.platform(orderId, batched)));
    if (batched && this.batches.enabled && caller.kind === 'user' && caller.user.custody === 'platform') {
      const intent = this.settings.usersStepsCarried ? this.intentFor(caller.user, orderId, batched) : undefined;
      const identity = intent && (await this.custodialIdentity(caller));
      if (intent && identity) return this.carry(name, identity, intent);
      const step = await this.onCaughtUpPeers(() => this.batches.user(caller.user.userId, () => this.escrowOf(caller), orderId, batched));
      return this.committed(name, step);
    }
    // The contract answers a one-order step with the order as committed: no second read needed.
    const { result: order, txId, blockNumber } = await this.onCaughtUpPeers(async () => send(await this.escrowOf(caller)));
    return this.committed(name, { orderId, state: order.state, txId, blockNumber });
  }

  /**
   * A peer a block behind answers from older state until it has caught up: asked to endorse a step on
   * an order it has not seen yet, it refuses NOT_FOUND or WRONG_STATE although the step is right (a
   * peer that was down; or, under load, one that has not yet committed the block in which another
   * party's step moved the order on — a bank's approval that made it ESCROWED, and the merchant ships).
   * Such a refusal, while a peer has not reached the newest block we answered at or some peer has
   * committed, is tried once more when every peer has (or is a 503 naming the peer that does not
   * catch up). A refused step wrote nothing.
   */
  private async onCaughtUpPeers<T>(take: () => Promise<T>): Promise<T> {
    const stale = (error: unknown): error is ContractRefusal => error instanceof ContractRefusal && staleRefusals.has(error.code);
    try {
      return await take();
    } catch (error) {
      if (!stale(error)) throw error;
      const seen = await this.sessions.newestBlock();
      const newest = seen !== undefined && seen > this.latestBlock ? seen : this.latestBlock;
      if (!(await this.sessions.behind(newest))) throw error;
      this.log.info({ code: error.code, block: newest.toString() }, 'a refusal while a peer catches up: trying again once it has');
      await this.sessions.allPeersAt(newest);
      try {
        return await take();
      } catch (again) {
        // `allPeersAt` does not wait for a peer this process cannot reach; one just restarted may still
        // be catching up and endorsing from older state. Until it has, its refusal is no verdict.
        if (!stale(again)) throw again;
        const lagging = await this.sessions.lagging(newest);
        if (lagging.length === 0) throw again;
        throw new ServiceUnavailable(
          'PEER_UNAVAILABLE',
          lagging.join(','),
          `the peer(s) of ${lagging.join(', ')} have not yet committed block ${newest}`,
          { cause: again },
        );
      }
    }
  }

  /**
   * A custodial user's intent, signed with its key and carried in the platform's next batch; a
   * proposal the platform `approve`s is approved in that same transaction.
   */
  private async carry(name: string, identity: SigningIdentity, intent: Intent, terms?: OrderTerms, approve = false): Promise<ActionResult> {
    const signed = signIntent(intent, identity.privateKeyPem, identity.certificatePem);
    const step = await this.onCaughtUpPeers(() =>
      this.batches.intent({
        orderId: intent.orderId,
        signed,
        ...(terms ? { terms } : {}),
        ...(approve ? { approve } : {}),
      }),
    );
    return this.committed(name, step);
  }

  /**
   * A merchant's or a courier's step as the intent the user signs for the platform to carry, for the
   * steps a merchant or courier takes on every order; undefined for the rest (a rejection, a
   * challenge), which go in the user's own batch. Whether this user may take the step, the contract
   * judges from the signer's certificate.
   */
  private intentFor(user: PlatformUser, orderId: string, step: BatchStep): Intent | undefined {
    const options = this.intentOptions(user);
    switch (step.type) {
      case 'approve':
        return approveIntent(orderId, options);
      case 'ship':
        return shipIntent(orderId, step.courier, options);
      case 'deliver':
        return deliverIntent(orderId, step.proofHash, options);
      default:
        return undefined;
    }
  }

  /** What a user's intents name: this channel, and the user as public state knows it. */
  private intentOptions(user: PlatformUser): { channel: string; signer: { mspId: string; partyId: string } } {
    return { channel: this.sessions.channel, signer: { mspId: user.bank, partyId: user.partyId } };
  }

  /** The caller's own key, when intents are batched and the platform holds the key; undefined otherwise. */
  private async custodialIdentity(caller: Caller): Promise<SigningIdentity | undefined> {
    if (!this.batches.enabled || caller.kind !== 'user' || caller.user.custody !== 'platform') return undefined;
    const identity = await this.users.signingIdentity(caller.user);
    return 'privateKeyPem' in identity ? identity : undefined;
  }

  /** Answers once every org's peer has the step's block, so whoever reads or acts next sees it. */
  private async committed(name: string, step: Omit<BatchedStep, 'intentHash'>): Promise<ActionResult> {
    const { orderId, state, txId, blockNumber } = step;
    this.remember(txId, blockNumber);
    if (blockNumber > this.latestBlock) this.latestBlock = blockNumber;
    await this.sessions.allPeersAt(blockNumber);
    this.log.info({ orderId, action: name, txId, block: blockNumber.toString(), state }, 'order step committed');
    return { orderId, state, txId, blockNumber: blockNumber.toString() };
  }

  /** A repeated creation: what the first one did. */
  private async resultOf(order: Order): Promise<ActionResult> {
    const { txId } = order.history[0]!;
    if (!this.blocks.has(txId)) await this.blockNumberOf(txId);
    return { orderId: order.orderId, state: order.state, txId, blockNumber: this.blocks.get(txId)?.toString() ?? '' };
  }
}

function requireUser(caller: Caller, roles: UserRole | UserRole[], action: string): PlatformUser {
  const allowed = Array.isArray(roles) ? roles : [roles];
  if (caller.kind !== 'user' || !allowed.includes(caller.user.role)) {
    throw new ApiError(403, 'WRONG_PARTY', `only a ${allowed.join(' or ')} may ${action}`);
  }
  return caller.user;
}

function requireOneOf(caller: Caller, who: ('platform' | UserRole)[], action: string): void {
  const role = caller.kind === 'user' ? caller.user.role : caller.kind;
  if (!(who as string[]).includes(role)) throw new ApiError(403, 'WRONG_PARTY', `only the ${who.join(' or ')} may ${action}`);
}
