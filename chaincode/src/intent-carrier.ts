import type { Context } from 'fabric-contract-api';
import { actorOf } from './caller';
import {
  applyAction,
  checkIntentTime,
  OrderRefused,
  intentAction,
  intentHash,
  parseIntent,
  refuse,
  termsHash,
  termsSchema,
  verifyIntentSignature,
  type ActionContext,
  type Actor,
  type BatchStep,
  type ChannelDefaults,
  type Intent,
  type OrderAction,
  type SignedIntent,
} from './order';
import { prefetchSteps, stepContext, takeProposal, takeStep, type Applied } from './order-step';
import type { OrderStore } from './order-store';

/**
 * Turns users' signed intents into steps, one by one, inside the platform's `SubmitIntents` and
 * `CarryBatch` transactions. Everything is checked before anything is written, so a refused intent leaves no trace:
 * not even its nonce is spent.
 */
export class IntentCarrier {
  /** Orders already stepped in this transaction: a second intent for one would act on stale state. */
  private readonly orders = new Set<string>();
  /** Each intent parsed once: by `prefetch`, then used by `carry` and `orderIdOf`. */
  private readonly parsed = new Map<SignedIntent, Intent | OrderRefused>();

  constructor(
    private readonly ctx: Context,
    private readonly store: OrderStore,
    private readonly terms: Record<string, unknown>,
    private readonly defaults: () => Promise<ChannelDefaults>,
  ) {}

  /** The order an intent names, for a refusal's record; empty when the intent cannot be read. */
  orderIdOf(signed: SignedIntent): string {
    const intent = this.parse(signed);
    return intent instanceof OrderRefused ? '' : intent.orderId;
  }

  /**
   * Reads what carrying these intents and the platform's own steps will read, a few round trips in
   * all: the orders, the signers' nonces and banks' customer CAs, and the terms a step needs.
   */
  async prefetch(
    intents: readonly SignedIntent[],
    own: readonly { orderId: string; action: Pick<OrderAction, 'type'> }[] = [],
    ownActor?: Actor,
  ): Promise<void> {
    const readable = intents.map((s) => this.parse(s)).filter((i): i is Intent => !(i instanceof OrderRefused));
    await Promise.all([
      this.store.prefetch([...readable.map((i) => i.orderId), ...own.map((o) => o.orderId)]),
      this.store.prefetchNonces(readable.map((i) => ({ signer: i.signer, nonce: i.nonce }))),
      this.store.prefetchCustomerCas(readable.map((i) => i.signer.mspId)),
    ]);
    // Of users' intents only a merchant's approval reads the terms (to check them against the order);
    // the platform's own steps may read them too.
    await Promise.all([
      this.store.prefetchTerms(readable.filter((i) => i.action === 'approve').map((i) => i.orderId)),
      ownActor ? prefetchSteps(this.store, own, ownActor) : undefined,
    ]);
  }

  private parse(signed: SignedIntent): Intent | OrderRefused {
    let intent = this.parsed.get(signed);
    if (!intent) {
      try {
        intent = parseIntent(signed.intent);
      } catch (error) {
        if (!(error instanceof OrderRefused)) throw error;
        intent = error;
      }
      this.parsed.set(signed, intent);
    }
    return intent;
  }

  /**
   * A user's intent, judged as the user's own transaction would be. `approveAs`: the platform's context,
   * when it approves the order it is carrying the proposal of in the same transaction.
   */
  async carry(signed: SignedIntent, approveAs?: ActionContext): Promise<Applied | Applied[]> {
    const intent = this.parse(signed);
    if (intent instanceof OrderRefused) throw intent;
    if (this.orders.has(intent.orderId)) refuse('BAD_ARGUMENT', `another item in this batch is for order ${intent.orderId}`);
    if (approveAs && intent.action !== 'propose')
      refuse('BAD_ARGUMENT', `only a proposal is approved as it is carried (order ${intent.orderId})`);
    const context = stepContext(this.ctx, await this.signerOf(signed, intent));
    checkIntentTime(intent, this.ctx.stub.getChannelID(), context.now);
    const hash = intentHash(signed);
    if (await this.store.intentNonce(intent.signer, intent.nonce))
      refuse('REPLAYED', `${intent.signer.partyId}@${intent.signer.mspId} has used nonce ${intent.nonce} before`);
    const applied = await this.step(intent, { ...context, intentHash: hash });
    this.orders.add(intent.orderId);
    await this.store.putIntentNonce(intent.signer, intent.nonce, { intentHash: hash, txId: context.txId, orderId: intent.orderId });
    return approveAs ? [applied, approvedBy(applied, approveAs)] : applied;
  }

  /** One of the platform's own steps, on an order no other item of the batch touches. */
  async own(orderId: string, step: BatchStep, context: ActionContext): Promise<Applied> {
    if (this.orders.has(orderId)) refuse('BAD_ARGUMENT', `another item in this batch is for order ${orderId}`);
    // A settlement proof is a bank's, with its receipt; the platform has none to give.
    if (step.type === 'recordSettlement') return refuse('WRONG_PARTY', "only the merchant's bank records a settlement receipt");
    const applied = await takeStep(this.store, orderId, step, context);
    this.orders.add(orderId);
    return applied;
  }

  /** The user who signed: the holder of a certificate the named bank's customer CA issued. */
  private async signerOf(signed: SignedIntent, intent: Intent): Promise<Actor> {
    const { mspId, partyId } = intent.signer;
    const ca = (await this.store.customerCa(mspId)) ?? refuse('BAD_SIGNATURE', `${mspId} has registered no customer CA`);
    const user = verifyIntentSignature(signed, ca, this.ctx.stub.getDateTimestamp().getTime());
    if (!user.isClient) refuse('BAD_SIGNATURE', 'only a user (client) certificate may sign an intent');
    const actor = actorOf(mspId, (name) => user.attributes[name], false);
    if (actor.partyId !== partyId) refuse('BAD_SIGNATURE', `the intent names signer ${partyId}, the certificate ${actor.partyId}`);
    return actor;
  }

  private async step(intent: Intent, context: Parameters<typeof takeStep>[3]): Promise<Applied> {
    if (intent.action !== 'propose') return takeStep(this.store, intent.orderId, intentAction(intent), context);
    const parsed = termsSchema.safeParse(this.terms[intent.orderId]);
    if (!parsed.success) refuse('BAD_ARGUMENT', `no valid terms for order ${intent.orderId} under transient "terms"`);
    const terms = parsed.data!;
    if (termsHash(terms) !== intent.termsHash)
      refuse('TERMS_MISMATCH', `the terms carried for order ${intent.orderId} are not the ones its buyer signed`);
    return takeProposal(this.store, intent.proposal, terms, context, this.defaults);
  }
}

/**
 * The platform's approval of an order it has just proposed for a buyer, judged on the proposed order.
 * It cannot be refused (the order is new, PROPOSED, before its deadline, its platform slot open); were
 * it refused all the same, the whole transaction fails, for the proposal's terms are already written.
 */
function approvedBy([proposed]: Applied, platform: ActionContext): Applied {
  try {
    return [applyAction(proposed.order, { type: 'approve' }, platform), proposed.order];
  } catch (error) {
    if (error instanceof OrderRefused) throw new Error(`the platform could not approve the order it proposed: ${error.message}`);
    throw error;
  }
}
