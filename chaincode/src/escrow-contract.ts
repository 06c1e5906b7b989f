import { createPublicKey } from 'node:crypto';
import { Context, Contract, Info, Returns, Transaction } from 'fabric-contract-api';
import type { ZodType } from 'zod';
import { z } from 'zod';
import { callerOf } from './caller';
import { canonicalJson } from './canonical-json';
import {
  applyAction,
  needsTerms,
  orderStates,
  OrderRefused,
  propose,
  proposalSchema,
  refuse,
  signedReceiptSchema,
  termsSchema,
  windowsSchema,
  windowBoundsSchema,
  windowsOutOfBounds,
  compensationSchema,
  type Actor,
  type Order,
  type OrderAction,
  type OrderChange,
  type Transition,
} from './order';
import { idPattern } from './order/propose';
import { OrderStore } from './order-store';
import { checkProposalTime, clockBoundMs } from './proposal-time';

/** The one chaincode event a transaction emits (Fabric keeps only the last `setEvent`). */
export const eventName = 'OrdersChanged';
export interface OrdersChangedEvent {
  version: 1;
  txId: string;
  changes: OrderChange[];
}

const maxBatch = 500;
/** Read once: a chaincode server runs with one bound for its whole life. */
const clockBound = clockBoundMs();
const maxPageSize = 200;

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

  /** Transient `terms`: the private order terms as JSON. */
  @Transaction()
  @Returns('string')
  async Propose(ctx: Context, proposalJson: string): Promise<string> {
    const proposal = parseJson(proposalSchema, proposalJson, 'proposal');
    const termsBytes = ctx.stub.getTransient().get('terms');
    if (!termsBytes) refuse('BAD_ARGUMENT', 'the terms must travel in the transient map under "terms"');
    const terms = parseJson(termsSchema, Buffer.from(termsBytes!).toString('utf8'), 'terms');
    const store = new OrderStore(ctx);
    if (await store.get(proposal.orderId)) refuse('ALREADY_EXISTS', `order ${proposal.orderId} already exists`);
    const transition = propose(
      proposal,
      terms,
      await store.windows(),
      this.context(ctx),
      await store.compensation(),
      await store.windowBounds(),
    );
    await store.putTerms(transition.order, terms);
    return this.commit(ctx, store, [[transition, undefined]]);
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
    const context = this.context(ctx);
    const done: [Transition, Order][] = [];
    const refused: { orderId: string; code: string; reason: string }[] = [];
    for (const orderId of ids) {
      try {
        const order = (await store.get(orderId)) ?? refuse('NOT_FOUND', `order ${orderId} does not exist`);
        const approval = { type: 'approve' } as const;
        const terms = needsTerms(order, approval, context.actor) ? await store.getTerms(order) : undefined;
        done.push([applyAction(order, approval, context, { terms }), order]);
      } catch (error) {
        if (!(error instanceof OrderRefused)) throw error;
        refused.push({ orderId, code: error.code, reason: error.message });
      }
    }
    if (done.length === 0) refuse('BAD_ARGUMENT', `no order in the batch could be approved: ${JSON.stringify(refused)}`);
    await this.commit(ctx, store, done);
    return canonicalJson({ approved: done.map(([t]) => ({ orderId: t.order.orderId, state: t.order.state })), refused });
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
    const order = await this.load(store, orderIdOf(orderId));
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
    return canonicalJson(await this.load(new OrderStore(ctx), orderIdOf(orderId)));
  }

  /** The private terms: for the platform, the order's banks, and the order's own buyer and merchant. */
  @Transaction(false)
  @Returns('string')
  async GetOrderTerms(ctx: Context, orderId: string): Promise<string> {
    const store = new OrderStore(ctx);
    const order = await this.load(store, orderIdOf(orderId));
    const { actor } = callerOf(ctx);
    if (!involved(actor, order, ['buyer', 'merchant'])) refuse('WRONG_PARTY', `the terms of order ${orderId} are not the caller's to read`);
    return canonicalJson((await store.getTerms(order)) ?? refuse('NOT_FOUND', `this peer holds no terms for order ${orderId}`));
  }

  /** How a resolved dispute's deposits are paid out, in minor units: for the platform, the banks involved, buyer and courier. */
  @Transaction(false)
  @Returns('string')
  async GetPayouts(ctx: Context, orderId: string): Promise<string> {
    const store = new OrderStore(ctx);
    const order = await this.load(store, orderIdOf(orderId));
    if (!involved(callerOf(ctx).actor, order, ['buyer', 'courier']))
      refuse('WRONG_PARTY', `the payouts of order ${orderId} are not the caller's to read`);
    return canonicalJson((await store.getPayouts(orderId)) ?? refuse('NOT_FOUND', `order ${orderId} has no dispute payouts`));
  }

  @Transaction(false)
  @Returns('string')
  async ListOrdersByState(ctx: Context, state: string, pageSize: string, bookmark: string): Promise<string> {
    if (!(orderStates as readonly string[]).includes(state)) refuse('BAD_ARGUMENT', `state must be one of ${orderStates.join(', ')}`);
    return canonicalJson(await new OrderStore(ctx).page('order~state', [state], pageSizeOf(pageSize), bookmark));
  }

  @Transaction(false)
  @Returns('string')
  async ListOrdersByParty(ctx: Context, mspId: string, partyId: string, pageSize: string, bookmark: string): Promise<string> {
    if (!idPattern.test(partyId)) refuse('BAD_ARGUMENT', 'a party id is 1-64 letters, digits, _ or -');
    return canonicalJson(await new OrderStore(ctx).page('order~party', [mspId, partyId], pageSizeOf(pageSize), bookmark));
  }

  private context(ctx: Context): { actor: Actor; now: number; txId: string } {
    return { actor: callerOf(ctx).actor, now: ctx.stub.getDateTimestamp().getTime(), txId: ctx.stub.getTxID() };
  }

  private async load(store: OrderStore, orderId: string): Promise<Order> {
    return (await store.get(orderId)) ?? refuse('NOT_FOUND', `order ${orderId} does not exist`);
  }

  private async act(ctx: Context, orderIdText: string, action: OrderAction): Promise<string> {
    const store = new OrderStore(ctx);
    const order = await this.load(store, orderIdOf(orderIdText));
    const context = this.context(ctx);
    const facts = {
      terms: needsTerms(order, action, context.actor) ? await store.getTerms(order) : undefined,
      ledgerKeyPem: action.type === 'recordSettlement' ? await store.ledgerKey(order.merchant.mspId) : undefined,
    };
    const transition = applyAction(order, action, context, facts);
    if (transition.payouts) await store.putPayouts(order, transition.payouts);
    if (action.type === 'recordSettlement') await store.putReceipt(order, action.receipt);
    return this.commit(ctx, store, [[transition, order]]);
  }

  /** Writes every changed order and emits the transaction's one event. */
  private async commit(ctx: Context, store: OrderStore, transitions: [Transition, Order | undefined][]): Promise<string> {
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

function pageSizeOf(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > maxPageSize) refuse('BAD_ARGUMENT', `pageSize must be an integer from 1 to ${maxPageSize}`);
  return n;
}
