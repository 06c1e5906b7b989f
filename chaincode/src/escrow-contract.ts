import { createPublicKey, X509Certificate } from 'node:crypto';
import { Context, Contract, Info, Returns, Transaction } from 'fabric-contract-api';
import type { ZodType } from 'zod';
import { z } from 'zod';
import { callerOf } from './caller';
import { canonicalJson } from './canonical-json';
import { IntentCarrier } from './intent-carrier';
import {
  batchSchema,
  carriedBatchSchema,
  maxBatch,
  proposalSchema,
  refuse,
  signedIntentSchema,
  signedReceiptSchema,
  termsSchema,
  windowsSchema,
  windowBoundsSchema,
  windowsOutOfBounds,
  compensationSchema,
  type ActionContext,
  type Actor,
  type BatchOutcome,
  type BatchRefusal,
  type Order,
  type OrderAction,
  type OrderChange,
  type OrderTerms,
  OrderRefused,
} from './order';
import { idPattern } from './order/propose';
import { channelDefaults, eachOrder, prefetchSteps, stepContext, takeProposal, takeStep, type Applied } from './order-step';
import { OrderStore } from './order-store';
import { checkProposalTime, clockBoundMs } from './proposal-time';

/** The one chaincode event a transaction emits (Fabric keeps only the last `setEvent`). */
export const eventName = 'OrdersChanged';
export interface OrdersChangedEvent {
  version: 1;
  txId: string;
  changes: OrderChange[];
}

/** Read once: a chaincode server runs with one bound for its whole life. */
const clockBound = clockBoundMs();

function parseJson<T>(schema: ZodType<T>, text: string, what: string): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return refuse('BAD_ARGUMENT', `invalid ${what}: not JSON`);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) refuse('BAD_ARGUMENT', `invalid ${what}: ${z.prettifyError(parsed.error).replace(/\n/g, '; ')}`);
  return parsed.data!;
}

function orderIdOf(text: string): string {
  if (!idPattern.test(text)) refuse('BAD_ARGUMENT', 'an order id is 1-64 letters, digits, _ or -');
  return text;
}

/**
 * SecurePay's escrow on the channel: a thin adapter that reads the caller from its certificate and
 * the order from world state, lets the pure state machine (./order) decide, and writes the result
 * with one event. Every refusal throws, so the transaction changes nothing.
 */
@Info({ title: 'EscrowContract', description: 'SecurePay order lifecycle: endorsement, delivery, disputes, settlement' })
export class EscrowContract extends Contract {
  constructor() {
    super('escrow');
  }

  /** Every transaction, queries included, must be dated near this endorser's own clock. */
  override async beforeTransaction(ctx: Context): Promise<void> {
    checkProposalTime(ctx.stub.getDateTimestamp().getTime(), Date.now(), clockBound);
  }

  /** The transaction's writes go to the peer together, once it has decided everything (transaction-state.ts). */
  override async afterTransaction(ctx: Context): Promise<void> {
    await new OrderStore(ctx).flush();
  }

  /** Transient `terms`: the private order terms as JSON. */
  @Transaction()
  @Returns('string')
  async Propose(ctx: Context, proposalJson: string): Promise<string> {
    const proposal = parseJson(proposalSchema, proposalJson, 'proposal');
    const termsText = transientText(ctx, 'terms') ?? refuse('BAD_ARGUMENT', 'the terms must travel in the transient map under "terms"');
    const terms = parseJson(termsSchema, termsText, 'terms');
    const store = new OrderStore(ctx);
    return this.commit(ctx, store, [await takeProposal(store, proposal, terms, this.context(ctx), channelDefaults(store))]);
  }

  @Transaction()
  @Returns('string')
  async Approve(ctx: Context, orderId: string): Promise<string> {
    return this.act(ctx, orderId, { type: 'approve' });
  }

  /**
   * Approves many orders in one transaction. Each is checked on its own; the result says which were
   * approved and which refused, and why. If none can be approved the transaction fails.
   */
  @Transaction()
  @Returns('string')
  async ApproveBatch(ctx: Context, orderIdsJson: string): Promise<string> {
    const ids = parseJson(z.array(z.string().regex(idPattern)).min(1).max(maxBatch), orderIdsJson, 'order ids');
    if (new Set(ids).size !== ids.length) refuse('BAD_ARGUMENT', 'the order ids must not repeat');
    const store = new OrderStore(ctx);
    const context = stepContext(ctx, callerOf(ctx).actor);
    await prefetchSteps(
      store,
      ids.map((orderId) => ({ orderId, action: { type: 'approve' } })),
      context.actor,
    );
    const outcome = await eachOrder(
      ids,
      (orderId) => takeStep(store, orderId, { type: 'approve' }, context),
      (orderId) => ({ orderId }),
    );
    const { done, refused } = await this.commitBatch(ctx, store, outcome, 'approved');
    return canonicalJson({ approved: done, refused });
  }

  /**
   * Many steps of the caller's own, one per order, in one transaction: a platform's approvals, a
   * merchant's shipments, a courier's deliveries, a bank's deposit records and settlement proofs.
   * Each order is judged exactly as its single-order transaction would judge it; the result lists
   * what was done and what was refused, and why. If nothing can be done the transaction fails.
   * Transient `receipts` (for `recordSettlement` steps): `{"<orderId>": {"receipt": …, "signature": …}}`.
   */
  @Transaction()
  @Returns('string')
  async ActBatch(ctx: Context, batchJson: string): Promise<string> {
    const batch = parseJson(batchSchema, batchJson, 'batch');
    const receipts = batch.some((i) => i.step.type === 'recordSettlement')
      ? parseJson(z.record(z.string(), signedReceiptSchema), transientText(ctx, 'receipts') ?? '{}', 'receipts')
      : {};
    const store = new OrderStore(ctx);
    const context = stepContext(ctx, callerOf(ctx).actor);
    await prefetchSteps(
      store,
      batch.map(({ orderId, step }) => ({ orderId, action: step })),
      context.actor,
    );
    const outcome = await eachOrder(
      batch,
      ({ orderId, step }) => {
        if (step.type !== 'recordSettlement') return takeStep(store, orderId, step, context);
        const receipt = receipts[orderId] ?? refuse('BAD_ARGUMENT', `no signed receipt for order ${orderId} under transient "receipts"`);
        return takeStep(store, orderId, { type: 'recordSettlement', receipt }, context);
      },
      ({ orderId }) => ({ orderId }),
    );
    return canonicalJson(await this.commitBatch(ctx, store, outcome, 'done'));
  }

  /**
   * The platform carries many users' own steps — a buyer's propose, confirm, declare non-receipt, a
   * merchant's approve and ship, a courier's deliver — each signed by the user as an intent
   * (order/intent.ts). Each intent is verified against a certificate its
   * signer's bank's CA issued (registered on-chain by that bank), must be unexpired and its nonce
   * unused, and is judged as the user's own transaction would be; its hash is kept with the step.
   * A refused intent is listed and does not sink the others. Transient `terms`: `{"<orderId>": terms}`
   * for propose intents.
   */
  @Transaction()
  @Returns('string')
  async SubmitIntents(ctx: Context, signedIntentsJson: string): Promise<string> {
    requirePlatform(ctx, "carry users' signed intents");
    const signed = parseJson(z.array(signedIntentSchema).min(1).max(maxBatch), signedIntentsJson, 'signed intents');
    const terms = parseJson(z.record(z.string(), z.unknown()), transientText(ctx, 'terms') ?? '{}', 'terms');
    const store = new OrderStore(ctx);
    const carrier = new IntentCarrier(ctx, store, terms, channelDefaults(store));
    await carrier.prefetch(signed);
    const outcome = await eachOrder(
      signed,
      (s) => carrier.carry(s),
      (s, index) => ({ orderId: carrier.orderIdOf(s), index }),
    );
    return canonicalJson(await this.commitBatch(ctx, store, outcome, 'done'));
  }

  /**
   * The platform's whole batch in one transaction: the users' signed intents it carries (judged as in
   * `SubmitIntents`) and its own steps (as in `ActBatch`), each order once. A carried proposal marked
   * `approve` is approved by the platform in the same transaction: the platform approves what passes
   * its own checks as it carries it, so one party fewer writes the order key afterwards (approvals
   * racing for one key invalidate each other's batches). Transient `terms` as for `SubmitIntents`.
   */
  @Transaction()
  @Returns('string')
  async CarryBatch(ctx: Context, batchJson: string): Promise<string> {
    requirePlatform(ctx, "carry users' signed intents");
    const batch = parseJson(carriedBatchSchema, batchJson, 'batch');
    const terms = parseJson(z.record(z.string(), z.unknown()), transientText(ctx, 'terms') ?? '{}', 'terms');
    const store = new OrderStore(ctx);
    const carrier = new IntentCarrier(ctx, store, terms, channelDefaults(store));
    const platform = this.context(ctx);
    await carrier.prefetch(
      batch.flatMap((item) => ('intent' in item ? [item.intent] : [])),
      batch.flatMap((item) => ('intent' in item ? [] : [{ orderId: item.orderId, action: item.step }])),
      platform.actor,
    );
    const outcome = await eachOrder(
      batch,
      (item) =>
        'intent' in item ? carrier.carry(item.intent, item.approve ? platform : undefined) : carrier.own(item.orderId, item.step, platform),
      (item, index) => ({ orderId: 'intent' in item ? carrier.orderIdOf(item.intent) : item.orderId, index }),
    );
    return canonicalJson(await this.commitBatch(ctx, store, outcome, 'done'));
  }

  @Transaction()
  @Returns('string')
  async Reject(ctx: Context, orderId: string, reason: string): Promise<string> {
    return this.act(ctx, orderId, { type: 'reject', reason });
  }

  @Transaction()
  @Returns('string')
  async Expire(ctx: Context, orderId: string): Promise<string> {
    return this.act(ctx, orderId, { type: 'expire' });
  }

  /** `courierJson`: `{"mspId": …, "partyId": …}`, or an empty string when the buyer already named the courier. */
  @Transaction()
  @Returns('string')
  async Ship(ctx: Context, orderId: string, courierJson: string): Promise<string> {
    const courier = courierJson === '' ? undefined : parseJson(proposalSchema.shape.merchant, courierJson, 'courier');
    return this.act(ctx, orderId, courier ? { type: 'ship', courier } : { type: 'ship' });
  }

  @Transaction()
  @Returns('string')
  async Deliver(ctx: Context, orderId: string, proofHash: string): Promise<string> {
    return this.act(ctx, orderId, { type: 'deliver', proofHash });
  }

  @Transaction()
  @Returns('string')
  async Confirm(ctx: Context, orderId: string): Promise<string> {
    return this.act(ctx, orderId, { type: 'confirm' });
  }

  @Transaction()
  @Returns('string')
  async AutoConfirm(ctx: Context, orderId: string): Promise<string> {
    return this.act(ctx, orderId, { type: 'autoConfirm' });
  }

  @Transaction()
  @Returns('string')
  async DeclareNonReceipt(ctx: Context, orderId: string): Promise<string> {
    return this.act(ctx, orderId, { type: 'declareNonReceipt' });
  }

  /** `party`: `buyer` or `courier`; `lockRef`: the bank's reference to the CBDC lock holding the deposit. */
  @Transaction()
  @Returns('string')
  async RecordDeposit(ctx: Context, orderId: string, party: string, lockRef: string): Promise<string> {
    if (party !== 'buyer' && party !== 'courier') refuse('BAD_ARGUMENT', 'party must be "buyer" or "courier"');
    return this.act(ctx, orderId, { type: 'recordDeposit', party: party as 'buyer' | 'courier', lockRef });
  }

  @Transaction()
  @Returns('string')
  async ResolveDispute(ctx: Context, orderId: string, winner: string, evidenceHash: string): Promise<string> {
    if (winner !== 'buyer' && winner !== 'courier') refuse('BAD_ARGUMENT', 'the winner must be "buyer" or "courier"');
    return this.act(ctx, orderId, { type: 'resolveDispute', winner: winner as 'buyer' | 'courier', evidenceHash });
  }

  /** After the dispute's `resolveBy`, anyone resolves it by the default rule (chaincode README, dispute.ts). */
  @Transaction()
  @Returns('string')
  async ResolveByDefault(ctx: Context, orderId: string): Promise<string> {
    return this.act(ctx, orderId, { type: 'resolveByDefault' });
  }

  /**
   * Transient `receipt`: `{"receipt": SettlementReceipt, "signature": base64}`, signed by the bank's
   * ledger key. It names amounts and the merchant's wallet, so it never travels as an argument: it is
   * kept in the collection, and public state and the event hold only its hash.
   */
  @Transaction()
  @Returns('string')
  async RecordSettlement(ctx: Context, orderId: string): Promise<string> {
    const bytes = ctx.stub.getTransient().get('receipt');
    if (!bytes) refuse('BAD_ARGUMENT', 'the signed receipt must travel in the transient map under "receipt"');
    const receipt = parseJson(signedReceiptSchema, Buffer.from(bytes!).toString('utf8'), 'receipt');
    return this.act(ctx, orderId, { type: 'recordSettlement', receipt });
  }

  /** The signed settlement receipt: for the platform, the order's banks and its merchant. */
  @Transaction(false)
  @Returns('string')
  async GetSettlementReceipt(ctx: Context, orderId: string): Promise<string> {
    const store = new OrderStore(ctx);
    const order = await store.load(orderIdOf(orderId));
    if (!involved(callerOf(ctx).actor, order, ['merchant']))
      refuse('WRONG_PARTY', `the receipt of order ${orderId} is not the caller's to read`);
    return canonicalJson((await store.getReceipt(order)) ?? refuse('NOT_FOUND', `order ${orderId} has no settlement receipt`));
  }

  @Transaction()
  @Returns('string')
  async Challenge(ctx: Context, orderId: string): Promise<string> {
    return this.act(ctx, orderId, { type: 'challenge' });
  }

  @Transaction()
  @Returns('string')
  async Compensate(ctx: Context, orderId: string): Promise<string> {
    return this.act(ctx, orderId, { type: 'compensate' });
  }

  /** A bank's admin registers (or rotates) the public key its CBDC ledger signs settlement receipts with. */
  @Transaction()
  async RegisterLedgerKey(ctx: Context, publicKeyPem: string): Promise<void> {
    const { actor, isOrgAdmin } = callerOf(ctx);
    if (actor.role !== 'bank' || !isOrgAdmin) refuse('WRONG_PARTY', "only a bank's admin may register its ledger key");
    let type: string | undefined;
    try {
      const key = createPublicKey(publicKeyPem);
      type = key.asymmetricKeyType === 'ec' ? key.asymmetricKeyDetails?.namedCurve : key.asymmetricKeyType;
    } catch {
      refuse('BAD_ARGUMENT', 'the ledger key must be a PEM public key');
    }
    if (type !== 'ed25519' && type !== 'prime256v1') refuse('BAD_ARGUMENT', `the ledger key must be Ed25519 or ECDSA P-256, not ${type}`);
    await new OrderStore(ctx).putLedgerKey(actor.mspId, publicKeyPem);
  }

  /**
   * A bank's admin registers (or rotates) the certificate of the CA that enrolls its customers: the
   * root every user's signed intent is checked against (SubmitIntents).
   */
  @Transaction()
  async RegisterCustomerCa(ctx: Context, caCertificatePem: string): Promise<void> {
    const { actor, isOrgAdmin } = callerOf(ctx);
    if (actor.role !== 'bank' || !isOrgAdmin) refuse('WRONG_PARTY', "only a bank's admin may register its customer CA");
    let isCa = false;
    try {
      isCa = new X509Certificate(caCertificatePem).ca;
    } catch {
      refuse('BAD_ARGUMENT', 'the customer CA must be a PEM X.509 certificate');
    }
    if (!isCa) refuse('BAD_ARGUMENT', 'the certificate is not a CA certificate');
    await new OrderStore(ctx).putCustomerCa(actor.mspId, caCertificatePem);
  }

  @Transaction(false)
  @Returns('string')
  async GetCustomerCa(ctx: Context, mspId: string): Promise<string> {
    return (await new OrderStore(ctx).customerCa(mspId)) ?? refuse('NOT_FOUND', `${mspId} has registered no customer CA`);
  }

  @Transaction(false)
  @Returns('string')
  async GetLedgerKey(ctx: Context, mspId: string): Promise<string> {
    return (await new OrderStore(ctx).ledgerKey(mspId)) ?? refuse('NOT_FOUND', `${mspId} has registered no ledger key`);
  }

  /** The platform sets the channel's default windows, used by orders proposed from now on. */
  @Transaction()
  async ConfigureWindows(ctx: Context, windowsJson: string): Promise<void> {
    requirePlatform(ctx, 'configure the default windows');
    const store = new OrderStore(ctx);
    const windows = parseJson(windowsSchema, windowsJson, 'windows');
    const outOfBounds = windowsOutOfBounds(windows, await store.windowBounds());
    if (outOfBounds.length > 0)
      refuse('BAD_ARGUMENT', `the default windows must be within the channel's bounds: ${outOfBounds.join('; ')}`);
    await store.putWindows(windows);
  }

  @Transaction(false)
  @Returns('string')
  async GetWindows(ctx: Context): Promise<string> {
    return canonicalJson(await new OrderStore(ctx).windows());
  }

  /**
   * The platform sets the channel's bounds on every order's windows, checked at `Propose`; the
   * defaults must fall within them. (Each bank also applies its own minimums before approving.)
   */
  @Transaction()
  async ConfigureWindowBounds(ctx: Context, boundsJson: string): Promise<void> {
    requirePlatform(ctx, 'configure the window bounds');
    const store = new OrderStore(ctx);
    const bounds = parseJson(windowBoundsSchema, boundsJson, 'window bounds');
    const outOfBounds = windowsOutOfBounds(await store.windows(), bounds);
    if (outOfBounds.length > 0) refuse('BAD_ARGUMENT', `the default windows would be outside these bounds: ${outOfBounds.join('; ')}`);
    await store.putWindowBounds(bounds);
  }

  @Transaction(false)
  @Returns('string')
  async GetWindowBounds(ctx: Context): Promise<string> {
    return canonicalJson(await new OrderStore(ctx).windowBounds());
  }

  /** The platform sets the late-settlement penalty that orders proposed from now on carry. */
  @Transaction()
  async ConfigureCompensation(ctx: Context, policyJson: string): Promise<void> {
    requirePlatform(ctx, 'configure the compensation penalty');
    await new OrderStore(ctx).putCompensation(parseJson(compensationSchema, policyJson, 'compensation policy'));
  }

  @Transaction(false)
  @Returns('string')
  async GetCompensation(ctx: Context): Promise<string> {
    return canonicalJson(await new OrderStore(ctx).compensation());
  }

  /** The public view: anyone on the channel may read it; it holds no price, wallet or name. */
  @Transaction(false)
  @Returns('string')
  async GetOrder(ctx: Context, orderId: string): Promise<string> {
    return canonicalJson(await new OrderStore(ctx).load(orderIdOf(orderId)));
  }

  /** The private terms: for the platform, the order's banks, and the order's own buyer and merchant. */
  @Transaction(false)
  @Returns('string')
  async GetOrderTerms(ctx: Context, orderId: string): Promise<string> {
    const store = new OrderStore(ctx);
    const order = await store.load(orderIdOf(orderId));
    const { actor } = callerOf(ctx);
    if (!involved(actor, order, ['buyer', 'merchant'])) refuse('WRONG_PARTY', `the terms of order ${orderId} are not the caller's to read`);
    return canonicalJson((await store.getTerms(order)) ?? refuse('NOT_FOUND', `this peer holds no terms for order ${orderId}`));
  }

  /**
   * Many orders with their private terms in one read, each answered as `GetOrder` and
   * `GetOrderTerms` would answer it, or refused as they would refuse it (listed, not thrown): a bank's
   * bridge reads every order of a batch it is about to approve in one round trip instead of two per order.
   */
  @Transaction(false)
  @Returns('string')
  async GetOrdersWithTerms(ctx: Context, orderIdsJson: string): Promise<string> {
    const ids = parseJson(z.array(z.string().regex(idPattern)).min(1).max(maxBatch), orderIdsJson, 'order ids');
    if (new Set(ids).size !== ids.length) refuse('BAD_ARGUMENT', 'the order ids must not repeat');
    const store = new OrderStore(ctx);
    const { actor } = callerOf(ctx);
    await store.prefetch(ids);
    // Terms only of the orders the caller may read: a refused one's are never touched.
    const readable: string[] = [];
    for (const orderId of ids) {
      const order = await store.get(orderId);
      if (order && involved(actor, order, ['buyer', 'merchant'])) readable.push(orderId);
    }
    await store.prefetchTerms(readable);
    const orders: ({ orderId: string; order: Order; terms: OrderTerms } | BatchRefusal)[] = [];
    for (const orderId of ids) {
      try {
        const order = await store.load(orderId);
        if (!involved(actor, order, ['buyer', 'merchant']))
          refuse('WRONG_PARTY', `the terms of order ${orderId} are not the caller's to read`);
        const terms = (await store.getTerms(order)) ?? refuse('NOT_FOUND', `this peer holds no terms for order ${orderId}`);
        orders.push({ orderId, order, terms });
      } catch (error) {
        if (!(error instanceof OrderRefused)) throw error;
        orders.push({ orderId, code: error.code, reason: error.reason });
      }
    }
    return canonicalJson({ orders });
  }

  /** How a resolved dispute's deposits are paid out, in minor units: for the platform, the banks involved, buyer and courier. */
  @Transaction(false)
  @Returns('string')
  async GetPayouts(ctx: Context, orderId: string): Promise<string> {
    const store = new OrderStore(ctx);
    const order = await store.load(orderIdOf(orderId));
    if (!involved(callerOf(ctx).actor, order, ['buyer', 'courier']))
      refuse('WRONG_PARTY', `the payouts of order ${orderId} are not the caller's to read`);
    return canonicalJson((await store.getPayouts(orderId)) ?? refuse('NOT_FOUND', `order ${orderId} has no dispute payouts`));
  }

  private context(ctx: Context): ActionContext {
    return stepContext(ctx, callerOf(ctx).actor);
  }

  private async act(ctx: Context, orderIdText: string, action: OrderAction): Promise<string> {
    const store = new OrderStore(ctx);
    return this.commit(ctx, store, [await takeStep(store, orderIdOf(orderIdText), action, this.context(ctx))]);
  }

  /** Commits a batch's changes with one event, or fails the transaction when it changes nothing. */
  private async commitBatch(
    ctx: Context,
    store: OrderStore,
    { done, refused }: { done: Applied[]; refused: BatchRefusal[] },
    verb: string,
  ): Promise<BatchOutcome> {
    if (done.length === 0) refuse('BAD_ARGUMENT', `no order in the batch could be ${verb}: ${canonicalJson(refused)}`);
    await this.commit(ctx, store, done);
    // One answer per order, as it ends the transaction; an order stepped twice (proposed and approved)
    // keeps the hash of the intent that proposed it.
    const byOrder = new Map<string, BatchOutcome['done'][number]>();
    for (const [t] of done) {
      const intentHash = byOrder.get(t.order.orderId)?.intentHash ?? t.change.intentHash;
      byOrder.set(t.order.orderId, { orderId: t.order.orderId, state: t.order.state, ...(intentHash ? { intentHash } : {}) });
    }
    return { done: [...byOrder.values()], refused };
  }

  /** Writes every changed order and emits the transaction's one event. */
  private async commit(ctx: Context, store: OrderStore, transitions: Applied[]): Promise<string> {
    for (const [transition, previous] of transitions) await store.put(transition.order, previous);
    const event: OrdersChangedEvent = { version: 1, txId: ctx.stub.getTxID(), changes: transitions.map(([t]) => t.change) };
    ctx.stub.setEvent(eventName, Buffer.from(canonicalJson(event)));
    return canonicalJson(transitions.length === 1 ? transitions[0]![0].order : event);
  }
}

/** Whether the caller is the platform, one of the order's banks, or one of the named parties of the order. */
function involved(actor: Actor, order: Order, parties: ('buyer' | 'merchant' | 'courier')[]): boolean {
  if (actor.role === 'platform') return true;
  const refs = { buyer: order.buyer, merchant: order.merchant, courier: order.courier };
  if (actor.role === 'bank') return Object.values(refs).some((p) => p?.mspId === actor.mspId);
  return parties.some((p) => p === actor.role && refs[p]?.mspId === actor.mspId && refs[p]?.partyId === actor.partyId);
}

/** The channel's settings are the platform's to set (each bank keeps its own policy off-chain). */
function requirePlatform(ctx: Context, what: string): void {
  if (callerOf(ctx).actor.role !== 'platform') refuse('WRONG_PARTY', `only the platform may ${what}`);
}

function transientText(ctx: Context, key: string): string | undefined {
  const bytes = ctx.stub.getTransient().get(key);
  return bytes ? Buffer.from(bytes).toString('utf8') : undefined;
}
