import { z } from 'zod';
import { signedIntentSchema } from './intent';
import { idPattern, partyRefSchema } from './propose';

/**
 * One step in a party's batch: any action on an existing order, as its single-order transaction
 * takes it. The pure step functions check the values (hashes, references, reasons) as they do for
 * a single call; the schema only fixes the shape. A settlement's signed receipt names amounts, so it
 * travels in the transient map (`receipts`, keyed by order id), never in the batch itself.
 */
export const batchStepSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('approve') }),
  z.strictObject({ type: z.literal('reject'), reason: z.string().max(1_000) }),
  z.strictObject({ type: z.literal('expire') }),
  z.strictObject({ type: z.literal('ship'), courier: partyRefSchema.optional() }),
  z.strictObject({ type: z.literal('deliver'), proofHash: z.string().max(128) }),
  z.strictObject({ type: z.literal('confirm') }),
  z.strictObject({ type: z.literal('autoConfirm') }),
  z.strictObject({ type: z.literal('declareNonReceipt') }),
  z.strictObject({ type: z.literal('recordDeposit'), party: z.enum(['buyer', 'courier']), lockRef: z.string().max(256) }),
  z.strictObject({ type: z.literal('resolveDispute'), winner: z.enum(['buyer', 'courier']), evidenceHash: z.string().max(128) }),
  z.strictObject({ type: z.literal('resolveByDefault') }),
  z.strictObject({ type: z.literal('recordSettlement') }),
  z.strictObject({ type: z.literal('challenge') }),
  z.strictObject({ type: z.literal('compensate') }),
]);
export type BatchStep = z.infer<typeof batchStepSchema>;

export const maxBatch = 500;

export const batchSchema = z
  .array(z.strictObject({ orderId: z.string().regex(idPattern, 'an order id of 1-64 letters, digits, _ or -'), step: batchStepSchema }))
  .min(1)
  .max(maxBatch)
  .refine((items) => new Set(items.map((i) => i.orderId)).size === items.length, 'an order may appear once per batch');
export type Batch = z.infer<typeof batchSchema>;

/**
 * The platform's own batch (`CarryBatch`): users' signed intents it carries and its own steps, each
 * order at most once. `approve` on a carried proposal records the platform's own approval of it in the
 * same transaction.
 */
export const carriedBatchSchema = z
  .array(
    z.union([
      z.strictObject({ intent: signedIntentSchema, approve: z.literal(true).optional() }),
      z.strictObject({ orderId: z.string().regex(idPattern, 'an order id of 1-64 letters, digits, _ or -'), step: batchStepSchema }),
    ]),
  )
  .min(1)
  .max(maxBatch);
export type CarriedBatch = z.infer<typeof carriedBatchSchema>;

/** Why one order of a batch was not changed; the others still were. */
export interface BatchRefusal {
  orderId: string;
  code: string;
  reason: string;
  /** For a batch of intents: the position of the refused intent in it. */
  index?: number;
}

/** What a batch did, order by order: returned as data, and listed in the transaction's one event. */
export interface BatchOutcome {
  done: { orderId: string; state: string; intentHash?: string }[];
  refused: BatchRefusal[];
}
