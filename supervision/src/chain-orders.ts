import { isFinal, orderSchema, type Order } from '@securepay/client';
import { orderKey } from '@securepay/escrow-agent';
import type { ChainOrderRecord } from '@securepay/ledger';
import type { PublicTransaction } from '@securepay/network';

const orderKeyPrefix = orderKey('').slice(0, -1);

/** The order id an order's composite key (`orderKey`) names, if the key is one. */
function orderIdOf(key: string): string | undefined {
  if (!key.startsWith(orderKeyPrefix)) return undefined;
  const orderId = key.slice(orderKeyPrefix.length, -1);
  return orderId.length > 0 && orderKey(orderId) === key && !orderId.includes('\u0000') ? orderId : undefined;
}

/** The deadline the order's current state runs against: past it, someone must act (expire, confirm, compensate, …). */
export function deadlineOf(order: Order): { name: string; at: number } | undefined {
  if (isFinal(order.state)) return undefined;
  const at = (name: string, value: number | undefined) => (value === undefined ? undefined : { name, at: value });
  switch (order.state) {
    case 'PROPOSED':
      return at('approveBy', order.approveBy);
    case 'ESCROWED':
    case 'SHIPPED':
      return at('deliverBy', order.deliverBy);
    case 'DELIVERED':
      return at('confirmBy', order.confirmBy);
    case 'CONFIRMED':
      return at('settleBy', order.settleBy);
    case 'DISPUTED':
      // After it anyone may resolve by the default rule; the deposit deadline comes before.
      return at('resolveBy', order.dispute?.resolveBy);
    case 'CHALLENGED':
      return at('proofBy', order.proofBy ?? order.challenge?.proofBy);
    default:
      return undefined;
  }
}

/** A write under an order key that is not that order: recorded nowhere, reported. */
export interface UnreadableWrite {
  txId: string;
  blockNumber: bigint;
  key: string;
  why: string;
}

/**
 * What a block's transactions wrote to orders, as the central bank's peer committed them: for each
 * VALID transaction, every write to an order key in the contract's namespace, read as the order it
 * is. `transactions` are the block's endorser transactions in block order; a transaction's index is
 * its place among them. Only public state is read: pseudonymous parties, banks, states and deadlines
 * (the scan keeps the banks and states, no party id).
 */
export function ordersWritten(
  transactions: readonly PublicTransaction[],
  chaincode: string,
): { orders: ChainOrderRecord[]; unreadable: UnreadableWrite[] } {
  const orders: ChainOrderRecord[] = [];
  const unreadable: UnreadableWrite[] = [];
  transactions.forEach((tx, txIndex) => {
    if (tx.validationCode !== 'VALID') return;
    for (const write of tx.writes) {
      if (write.namespace !== chaincode || write.isDelete) continue;
      const orderId = orderIdOf(write.key);
      if (orderId === undefined) continue;
      const order = readOrder(write.value);
      if (!order || order.orderId !== orderId) {
        unreadable.push({
          txId: tx.txId,
          blockNumber: tx.blockNumber,
          key: orderId,
          why: order ? `it names order ${order.orderId}` : 'not an order',
        });
        continue;
      }
      const deadline = deadlineOf(order);
      orders.push({
        orderId,
        state: order.state,
        buyerBank: order.buyer.mspId,
        merchantBank: order.merchant.mspId,
        createdAt: order.createdAt,
        deadlineName: deadline?.name ?? null,
        deadline: deadline?.at ?? null,
        txId: tx.txId,
        blockNumber: tx.blockNumber,
        txIndex,
        writtenAt: tx.timestamp.getTime(),
        transitions: order.history.map((h) => ({ txId: h.txId, to: h.to, action: h.action })),
      });
    }
  });
  return { orders, unreadable };
}

function readOrder(value: Buffer): Order | undefined {
  try {
    const parsed = orderSchema.safeParse(JSON.parse(value.toString('utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
