import { orderSchema, type OrderChange } from '@securepay/client';
import type { PublicTransaction } from '@securepay/network';
import type { ListedOrder } from './listed-order';

/** The world-state key the contract keeps an order under (its composite key of type `order`). */
const orderKey = (orderId: string): string => `\u0000order\u0000${orderId}\u0000`;

/**
 * What one committed transaction made of one order, for the listing: the order as the transaction
 * wrote it, not as it is now, so each row shows exactly the change at its position. The event only
 * says which orders to look at; the parties and the creation time come from the write, which the
 * event does not carry. Undefined when the transaction is not VALID or did not write that order.
 */
export function projectChange(tx: PublicTransaction, txIndex: number, chaincode: string, change: OrderChange): ListedOrder | undefined {
  if (tx.validationCode !== 'VALID') return undefined;
  const write = tx.writes.find((w) => w.namespace === chaincode && w.key === orderKey(change.orderId) && !w.isDelete);
  if (!write) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(write.value.toString('utf8'));
  } catch {
    return undefined;
  }
  const parsed = orderSchema.safeParse(value);
  if (!parsed.success) return undefined;
  const order = parsed.data;
  const party = (p: { mspId: string; partyId: string }) => ({ mspId: p.mspId, partyId: p.partyId });
  return {
    orderId: order.orderId,
    state: order.state,
    buyer: party(order.buyer),
    merchant: party(order.merchant),
    ...(order.courier ? { courier: party(order.courier) } : {}),
    buyerBank: change.buyerBank,
    merchantBank: change.merchantBank,
    createdAt: new Date(order.createdAt),
    updatedAt: tx.timestamp,
    txId: tx.txId,
    position: { blockNumber: tx.blockNumber, txIndex },
  };
}
