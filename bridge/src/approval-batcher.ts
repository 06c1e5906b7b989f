import { ContractRefusal, type BatchRefusal, type EscrowClient } from '@securepay/client';
import type { Logger } from 'pino';

interface Waiting {
  orderId: string;
  resolve: () => void;
  reject: (error: Error) => void;
}

/** Refusals that mean the approval has nothing left to do: already given, or the order moved on. */
const settled = new Set(['ALREADY_DONE', 'WRONG_STATE']);

/**
 * Gathers the bank's approvals while they arrive faster than blocks and sends them as one
 * `ApproveBatch` transaction: one endorsement and one commit for up to `maxBatch` orders.
 */
export class ApprovalBatcher {
  private waiting: Waiting[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly escrow: EscrowClient,
    private readonly log: Logger,
    private readonly maxBatch = 200,
    private readonly maxWaitMs = 50,
  ) {}

  approve(orderId: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ orderId, resolve, reject });
      if (this.waiting.length >= this.maxBatch) void this.flush();
      else this.timer ??= setTimeout(() => void this.flush(), this.maxWaitMs);
    });
  }

  private async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.waiting.splice(0, this.maxBatch);
    if (this.waiting.length > 0) this.timer = setTimeout(() => void this.flush(), this.maxWaitMs);
    if (batch.length === 0) return;
    const orderIds = [...new Set(batch.map((w) => w.orderId))];
    let refused: BatchRefusal[];
    try {
      // A batch none of whose orders could be approved comes back as data too: each order's refusal.
      ({ refused } = await this.escrow.approveBatch(orderIds));
    } catch (error) {
      batch.forEach((w) => w.reject(error as Error));
      return;
    }
    this.log.info({ orders: orderIds.length, refused: refused.length }, 'approved a batch');
    const reasons = new Map(refused.map((r) => [r.orderId, r]));
    for (const w of batch) {
      const r = reasons.get(w.orderId);
      if (!r || settled.has(r.code)) w.resolve();
      else w.reject(new ContractRefusal(r.code, r.reason));
    }
  }
}
