import { z } from 'zod';

/**
 * A change in the contract's `OrdersChanged` event, as the contract emits it
 * (`@securepay/chaincode/src/escrow-contract.ts`). States stay plain strings: an event this client
 * does not know the whole of must still be read, not dropped.
 */
export const orderChangeSchema = z.object({
  orderId: z.string(),
  action: z.string(),
  from: z.string().nullable(),
  to: z.string(),
  buyerBank: z.string(),
  merchantBank: z.string(),
  courierBank: z.string().optional(),
  winner: z.enum(['buyer', 'courier']).optional(),
});
export type OrderChange = z.infer<typeof orderChangeSchema>;

/** The one event a transaction emits; a batch transaction lists every order it changed. */
export const ordersChangedSchema = z.object({ version: z.literal(1), txId: z.string(), changes: z.array(orderChangeSchema) });
export type OrdersChanged = z.infer<typeof ordersChangedSchema>;
