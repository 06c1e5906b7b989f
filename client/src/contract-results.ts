import { orderStates, type Order, type OrderWindows } from '@securepay/chaincode/src/order';
import { z } from 'zod';

/*
 * What the contract's transactions return, checked as they are read. The order's objects are loose:
 * every field a caller reads is checked, and a field a newer contract adds passes through rather
 * than being silently dropped on its way to the API's views.
 */

const step = { at: z.number(), txId: z.string() };
const partyRef = z.looseObject({ mspId: z.string(), partyId: z.string() });
const winner = z.enum(['buyer', 'courier']);

export const windowsResultSchema: z.ZodType<OrderWindows> = z.looseObject({
  approvalMs: z.number(),
  deliveryMs: z.number(),
  confirmationMs: z.number(),
  depositMs: z.number(),
  resolutionMs: z.number(),
  settlementMs: z.number(),
  proofMs: z.number(),
});

const approval = z.looseObject({ ...step, decision: z.enum(['approved', 'rejected']), by: z.string(), reason: z.string().optional() });
const deposit = z.looseObject({ ...step, lockRef: z.string() });

export const orderSchema: z.ZodType<Order> = z.looseObject({
  orderId: z.string(),
  state: z.enum(orderStates),
  buyer: partyRef,
  merchant: partyRef,
  courier: partyRef.optional(),
  termsHash: z.string(),
  windows: windowsResultSchema,
  createdAt: z.number(),
  approveBy: z.number(),
  deliverBy: z.number(),
  confirmBy: z.number().optional(),
  settleBy: z.number().optional(),
  proofBy: z.number().optional(),
  approvals: z.looseObject({
    platform: approval.optional(),
    merchant: approval.optional(),
    buyerBank: approval.optional(),
    merchantBank: approval.optional(),
  }),
  shipment: z.looseObject(step).optional(),
  delivery: z.looseObject({ ...step, proofHash: z.string() }).optional(),
  confirmation: z.looseObject({ ...step, automatic: z.boolean() }).optional(),
  dispute: z
    .looseObject({
      ...step,
      depositBy: z.number(),
      resolveBy: z.number(),
      deposits: z.looseObject({ buyer: deposit.optional(), courier: deposit.optional() }),
      resolution: z.looseObject({ ...step, winner, evidenceHash: z.string(), byDefault: z.literal(true).optional() }).optional(),
    })
    .optional(),
  settlement: z.looseObject({ ...step, receiptHash: z.string(), journalPosition: z.number() }).optional(),
  challenge: z.looseObject({ ...step, proofBy: z.number() }).optional(),
  compensation: z.looseObject(step).optional(),
  history: z.array(
    z.looseObject({
      ...step,
      action: z.string(),
      from: z.enum(orderStates).nullable(),
      to: z.enum(orderStates),
      by: z.looseObject({
        mspId: z.string(),
        role: z.enum(['platform', 'bank', 'merchant', 'buyer', 'courier']),
        partyId: z.string().optional(),
      }),
    }),
  ),
});

/** Orders with their terms, or each one's refusal (`GetOrdersWithTerms`); the terms are checked by the client. */
export const ordersWithTermsSchema = z.object({
  orders: z.array(
    z.union([
      z.object({ orderId: z.string(), order: orderSchema, terms: z.unknown() }),
      z.object({ orderId: z.string(), code: z.string(), reason: z.string() }),
    ]),
  ),
});

/** A dispute's deposits as paid out, in minor units (strings of digits). */
export const payoutsSchema = z.object({ buyer: z.string(), courier: z.string(), platform: z.string() });
export type Payouts = z.infer<typeof payoutsSchema>;

/** Why the contract would not approve one order of a batch; `reason` is the contract's message. */
export const batchRefusalSchema = z.object({ orderId: z.string(), code: z.string(), reason: z.string(), index: z.number().optional() });
export type BatchRefusal = z.infer<typeof batchRefusalSchema>;

export const batchApprovalSchema = z.object({
  approved: z.array(z.object({ orderId: z.string(), state: z.enum(orderStates) })),
  refused: z.array(batchRefusalSchema),
});
export type BatchApproval = z.infer<typeof batchApprovalSchema>;

/** What a batch of steps (ActBatch) or of users' intents (SubmitIntents) did, order by order. */
export const batchStepsSchema = z.object({
  done: z.array(z.object({ orderId: z.string(), state: z.enum(orderStates), intentHash: z.string().optional() })),
  refused: z.array(batchRefusalSchema),
});
export type BatchSteps = z.infer<typeof batchStepsSchema>;

/** Reads a transaction's JSON result with its schema: a result of another shape is an error, not a cast. */
export function parseResult<T>(schema: z.ZodType<T>, text: string, what: string): T {
  const parsed = schema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`the contract's ${what} is not what this client expects: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}
