import type { StatementLegs } from '@securepay/ledger';

/** The states a merchant's statement lists: the order's money has gone one way for good. */
export const statementStates = ['SETTLED', 'COMPENSATED', 'REFUNDED'] as const;
export type StatementState = (typeof statementStates)[number];

/** A settled, compensated or refunded order as the read model has it: its final transaction. */
export interface FinalOrder {
  orderId: string;
  state: StatementState;
  txId: string;
  blockNumber: string;
  /** The final transaction's time: the period an order belongs to is judged by it. */
  finalAt: Date;
}

/**
 * One order of a merchant's statement. Amounts are minor units as strings of digits, and always
 * `net = gross − commission + penalty`:
 * - `price`: what the buyer's escrow locked for the order (the merchant's leg and the commission);
 * - `gross`: what the escrow paid out for the sale — the price once posted (SETTLED, COMPENSATED), 0
 *   when voided (REFUNDED: the buyer got it back) or not yet resolved;
 * - `commission`: the platform's commission leg, as posted (0 when voided);
 * - `penalty`: the late-settlement penalty the merchant's bank's reserve paid into the merchant's
 *   wallet (COMPENSATED orders), else 0;
 * - `net`: what the merchant's wallet received for the order.
 * `escrow` says where the ledger stands: `posted` (paid), `voided` (refunded), `locked` (the escrow
 * agent has not acted on the final state yet: nothing counted until it does), `none` (no escrow).
 */
export interface StatementRow {
  orderId: string;
  state: StatementState;
  settledAt: string;
  escrow: 'posted' | 'voided' | 'locked' | 'none';
  price: string;
  gross: string;
  commission: string;
  penalty: string;
  net: string;
  txId: string;
  blockNumber: string;
}

export interface StatementTotals {
  orders: number;
  price: string;
  gross: string;
  commission: string;
  penalty: string;
  net: string;
}

export interface Statement {
  currency: string;
  /** The period, both days included (UTC). */
  from: string;
  to: string;
  orders: StatementRow[];
  totals: StatementTotals;
}

/** The statement's rows and totals, from the read model's final orders and the ledger's legs. Pure. */
export function statementOf(
  period: { from: string; to: string },
  currency: string,
  finalOrders: FinalOrder[],
  legs: StatementLegs[],
): Statement {
  const byOrder = new Map(legs.map((l) => [l.order, l]));
  const orders = finalOrders.map((order) => rowOf(order, byOrder.get(order.orderId)));
  const sum = (field: 'price' | 'gross' | 'commission' | 'penalty' | 'net'): string =>
    orders.reduce((total, row) => total + BigInt(row[field]), 0n).toString();
  return {
    currency,
    ...period,
    orders,
    totals: {
      orders: orders.length,
      price: sum('price'),
      gross: sum('gross'),
      commission: sum('commission'),
      penalty: sum('penalty'),
      net: sum('net'),
    },
  };
}

function rowOf(order: FinalOrder, legs: StatementLegs | undefined): StatementRow {
  const base = { orderId: order.orderId, state: order.state, settledAt: order.finalAt.toISOString() };
  const where = { txId: order.txId, blockNumber: order.blockNumber };
  if (!legs) return { ...base, escrow: 'none', price: '0', gross: '0', commission: '0', penalty: '0', net: '0', ...where };
  const merchant = BigInt(legs.merchantAmount);
  const commission = BigInt(legs.commissionAmount);
  const posted = legs.merchantLeg === 'posted';
  const postedCommission = legs.commissionLeg === 'posted' ? commission : 0n;
  const penalty = BigInt(legs.penalty);
  const gross = posted ? merchant + postedCommission : 0n;
  return {
    ...base,
    escrow: legs.merchantLeg,
    price: (merchant + commission).toString(),
    gross: gross.toString(),
    commission: (posted ? postedCommission : 0n).toString(),
    penalty: penalty.toString(),
    net: (gross - (posted ? postedCommission : 0n) + penalty).toString(),
    ...where,
  };
}

/** The instants a period of whole UTC days covers: from the first day's start to the day after the last. */
export function periodBounds(from: string, to: string): { start: Date; end: Date } {
  const start = new Date(`${from}T00:00:00.000Z`);
  const end = new Date(`${to}T00:00:00.000Z`);
  end.setUTCDate(end.getUTCDate() + 1);
  return { start, end };
}
