import {
  StepBatcher,
  type BatchedStep,
  type BatchStep,
  type BatchWindow,
  type CarriedBatch,
  type EscrowClient,
  type OrderTerms,
  type SignedIntent,
} from '@securepay/client';

/** A user's signed intent and, for a proposal, the terms it signed the hash of (sent privately). */
export interface CarriedIntent {
  orderId: string;
  signed: SignedIntent;
  terms?: OrderTerms;
  /** A proposal the platform approves in the same transaction that carries it. */
  approve?: boolean;
}

/** One item of the platform's stream: a carried intent or one of its own steps, with the terms a proposal needs. */
interface PlatformItem {
  orderId: string;
  item: CarriedBatch[number];
  terms?: OrderTerms;
}

/** Batchers kept for users who acted recently; an idle one is dropped past this many. */
const maxUserBatchers = 500;

/**
 * The API's batched submissions: the platform's own steps and every custodial user's signed intents —
 * propose, confirm, declare non-receipt — in one stream of the platform's `CarryBatch` transactions,
 * and each custodial user's own steps in its own stream of `ActBatch` (signed with its own key). A step
 * waits at most the window for its batch to be sent.
 */
export class OrderBatches {
  private readonly platformStream: StepBatcher<PlatformItem>;
  private readonly users = new Map<string, StepBatcher<{ orderId: string; step: BatchStep }>>();

  constructor(
    platform: EscrowClient,
    readonly window: BatchWindow,
  ) {
    this.platformStream = new StepBatcher(
      (items) =>
        platform.carryBatch(
          items.map((i) => i.item),
          Object.fromEntries(items.filter((i) => i.terms).map((i) => [i.orderId, i.terms!])),
        ),
      (i) => i.orderId,
      window,
    );
  }

  /** Whether steps go in batches at all: a zero window sends every step as its own single-order transaction. */
  get enabled(): boolean {
    return this.window.windowMs > 0;
  }

  platform(orderId: string, step: BatchStep): Promise<BatchedStep> {
    return this.platformStream.add({ orderId, item: { orderId, step } });
  }

  /** A user's own step, in that user's batch, sent through the user's own client (`escrow`). */
  user(userId: string, escrow: () => Promise<EscrowClient>, orderId: string, step: BatchStep): Promise<BatchedStep> {
    let batcher = this.users.get(userId);
    if (!batcher) {
      // The client is asked for at every send: the user's gateway may have been closed (and reopened) meanwhile.
      batcher = new StepBatcher(
        async (items) => (await escrow()).actBatch(items),
        (i) => i.orderId,
        this.window,
      );
      this.users.set(userId, batcher);
      this.dropIdle();
    }
    return batcher.add({ orderId, step });
  }

  intent(carried: CarriedIntent): Promise<BatchedStep> {
    const { orderId, signed, terms, approve } = carried;
    return this.platformStream.add({
      orderId,
      item: { intent: signed, ...(approve ? { approve: true as const } : {}) },
      ...(terms ? { terms } : {}),
    });
  }

  private dropIdle(): void {
    if (this.users.size <= maxUserBatchers) return;
    for (const [userId, batcher] of this.users) {
      if (this.users.size <= maxUserBatchers) break;
      if (batcher.pending === 0) this.users.delete(userId);
    }
  }
}
