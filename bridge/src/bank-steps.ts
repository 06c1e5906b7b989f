import {
  ContractRefusal,
  StepBatcher,
  defaultBatchWindow,
  type BatchStep,
  type BatchWindow,
  type BatchedStep,
  type DisputeWinner,
  type EscrowClient,
  type SignedReceipt,
  type StepsOutcome,
} from '@securepay/client';
import type { Logger } from 'pino';
import type { BridgeMetrics } from './metrics';

/** One of the bank's on-chain steps for one order; a settlement's receipt rides beside it, never in the batch. */
interface BankStep {
  orderId: string;
  step: BatchStep;
  receipt?: SignedReceipt;
}

/** Refusals that mean an approval has nothing left to do: already given, or the order moved on. */
const approvalSettled = new Set(['ALREADY_DONE', 'WRONG_STATE']);

/**
 * Every step a bank's bridge takes on-chain — approvals, rejections, deposit records, settlement
 * receipts — gathered by one `StepBatcher` into `ActBatch` transactions: one endorsement and one
 * commit for whatever arrived within the window, of any kind, so the bank's duties cost one
 * transaction per window rather than one per order. Each caller is answered for its own order: its
 * committed step, or the contract's refusal of that order as a `ContractRefusal` (the other orders
 * of the batch go ahead), or, when the batch itself failed, that failure. Two jobs may well ask for
 * the same step (a CONFIRMED and a CHALLENGED event both ask for the settlement receipt): the
 * batcher sends the second only once the first is answered, so the chain refuses it as already done.
 */
export class BankSteps {
  private readonly batcher: StepBatcher<BankStep>;

  constructor(
    private readonly escrow: EscrowClient,
    private readonly log: Logger,
    private readonly metrics: BridgeMetrics,
    window: BatchWindow = defaultBatchWindow,
  ) {
    this.batcher = new StepBatcher(
      (steps) => this.send(steps),
      (s) => s.orderId,
      window,
    );
  }

  /** Resolves once approved, or once the chain says there is nothing left to approve. */
  async approve(orderId: string): Promise<void> {
    try {
      await this.batcher.add({ orderId, step: { type: 'approve' } });
    } catch (error) {
      if (!(error instanceof ContractRefusal && approvalSettled.has(error.code))) throw error;
    }
  }

  reject(orderId: string, reason: string): Promise<BatchedStep> {
    return this.batcher.add({ orderId, step: { type: 'reject', reason } });
  }

  /** `lockRef`: the bank's reference to the CBDC lock holding the deposit. */
  recordDeposit(orderId: string, party: DisputeWinner, lockRef: string): Promise<BatchedStep> {
    return this.batcher.add({ orderId, step: { type: 'recordDeposit', party, lockRef } });
  }

  /** The ledger's signed receipt goes in the transaction's transient `receipts`: it names amounts and wallets. */
  recordSettlement(orderId: string, receipt: SignedReceipt): Promise<BatchedStep> {
    return this.batcher.add({ orderId, step: { type: 'recordSettlement' }, receipt });
  }

  private async send(steps: BankStep[]): Promise<StepsOutcome> {
    const receipts = Object.fromEntries(steps.flatMap((s) => (s.receipt ? [[s.orderId, s.receipt] as const] : [])));
    const kinds = countKinds(steps);
    this.metrics.batchOrders.observe(steps.length);
    const timer = this.metrics.batchSeconds.startTimer();
    let outcome: StepsOutcome;
    try {
      outcome = await this.escrow.actBatch(
        steps.map(({ orderId, step }) => ({ orderId, step })),
        receipts,
      );
    } catch (error) {
      for (const s of steps) this.metrics.batchedSteps.inc({ kind: s.step.type, outcome: 'failed' });
      this.log.warn({ kinds, orders: steps.length, err: (error as Error).message }, 'a batch of steps failed');
      throw error;
    } finally {
      timer();
    }
    const refused = new Set(outcome.refused.map((r) => r.orderId));
    for (const s of steps) this.metrics.batchedSteps.inc({ kind: s.step.type, outcome: refused.has(s.orderId) ? 'refused' : 'done' });
    this.log.info(
      { kinds, orders: steps.length, refused: outcome.refused.length, txId: outcome.committed?.txId },
      outcome.committed ? 'committed a batch of steps' : 'the chain refused every step of a batch',
    );
    return outcome;
  }
}

/** How many steps of each kind a batch carries, for its log line. */
function countKinds(steps: BankStep[]): Partial<Record<BatchStep['type'], number>> {
  const kinds: Partial<Record<BatchStep['type'], number>> = {};
  for (const { step } of steps) kinds[step.type] = (kinds[step.type] ?? 0) + 1;
  return kinds;
}
