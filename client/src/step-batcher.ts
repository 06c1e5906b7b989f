import type { StepsOutcome } from './escrow-client';
import { ContractRefusal } from './errors';

/** How long a step may wait for others to join its batch, and how many orders a batch carries at most. */
export interface BatchWindow {
  windowMs: number;
  maxOrders: number;
}

/** 50 ms is a fifth of a block at the network's 250 ms batch timeout: it adds little to a step that waits for a block anyway. */
export const defaultBatchWindow: BatchWindow = { windowMs: 50, maxOrders: 200 };

/** One order's part of a committed batch. */
export interface BatchedStep {
  orderId: string;
  state: string;
  txId: string;
  blockNumber: bigint;
  intentHash?: string;
}

interface Waiting<I> {
  item: I;
  orderId: string;
  resolve: (step: BatchedStep) => void;
  reject: (error: Error) => void;
}

/**
 * Gathers one party's steps as they arrive and sends them as batch transactions: when `windowMs`
 * has passed since the oldest waiting step, or `maxOrders` are waiting. Batches do not wait for each
 * other, so a slow commit does not hold the next window back. Each caller is answered for its own
 * order: its state once committed, or the contract's refusal of it as a `ContractRefusal`.
 *
 * A step for an order whose previous step is still on its way waits until that one is answered. Sent
 * while the first is uncommitted, it would be endorsed on the order's old state and invalidated at
 * commit (a read conflict) — and with it every other order of its batch. Sent after, the contract
 * judges it on the new state (a duplicate is refused as already done).
 */
export class StepBatcher<I> {
  private waiting: Waiting<I>[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** Per order, the answer to its latest step still on its way, settled either way. */
  private readonly onTheirWay = new Map<string, Promise<void>>();

  constructor(
    private readonly send: (items: I[]) => Promise<StepsOutcome>,
    private readonly orderIdOf: (item: I) => string,
    private readonly window: BatchWindow = defaultBatchWindow,
  ) {}

  add(item: I): Promise<BatchedStep> {
    const orderId = this.orderIdOf(item);
    const previous = this.onTheirWay.get(orderId);
    const answer = previous ? previous.then(() => this.join(item, orderId)) : this.join(item, orderId);
    const settled = answer.then(
      () => undefined,
      () => undefined,
    );
    this.onTheirWay.set(orderId, settled);
    void settled.then(() => {
      if (this.onTheirWay.get(orderId) === settled) this.onTheirWay.delete(orderId);
    });
    return answer;
  }

  private join(item: I, orderId: string): Promise<BatchedStep> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ item, orderId, resolve, reject });
      if (this.waiting.length >= this.window.maxOrders || this.window.windowMs <= 0) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.window.windowMs);
    });
  }

  /** Steps waiting for their batch to be sent. */
  get pending(): number {
    return this.waiting.length;
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    // No two waiting steps share an order: `add` holds an order's next step until its previous one is answered.
    const batch = this.waiting.slice(0, this.window.maxOrders);
    const later = this.waiting.slice(this.window.maxOrders);
    this.waiting = later;
    if (later.length > 0) this.timer = setTimeout(() => this.flush(), later.length >= this.window.maxOrders ? 0 : this.window.windowMs);
    if (batch.length > 0) void this.sendBatch(batch);
  }

  private async sendBatch(batch: Waiting<I>[]): Promise<void> {
    let outcome: StepsOutcome;
    try {
      outcome = await this.send(batch.map((w) => w.item));
    } catch (error) {
      batch.forEach((w) => w.reject(error as Error));
      return;
    }
    const done = new Map(outcome.done.map((d) => [d.orderId, d]));
    const refused = new Map(outcome.refused.map((r) => [r.orderId, r]));
    for (const w of batch) {
      const step = done.get(w.orderId);
      const refusal = refused.get(w.orderId);
      if (step && outcome.committed) w.resolve({ ...step, ...outcome.committed });
      else if (refusal) w.reject(new ContractRefusal(refusal.code, refusal.reason, outcome.committed?.txId));
      else w.reject(new Error(`the batch answered nothing for order ${w.orderId}`));
    }
  }
}
