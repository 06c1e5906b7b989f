import type { StatementLegs } from '@securepay/ledger';
import { periodBounds, statementOf, type FinalOrder } from './statement';
import { statementCsv } from './statement-csv';

const final = (orderId: string, state: FinalOrder['state']): FinalOrder => ({
  orderId,
  state,
  txId: `tx-${orderId}`,
  blockNumber: '40',
  finalAt: new Date('2025-03-02T10:00:00Z'),
});
const legs = (order: string, leg: StatementLegs['merchantLeg'], penalty = '0'): StatementLegs => ({
  order,
  merchantAmount: '9750',
  merchantLeg: leg,
  commissionAmount: '250',
  commissionLeg: leg,
  penalty,
  resolvedAt: leg === 'locked' ? null : '2025-03-02T09:59:59Z',
});

describe('statementOf', () => {
  const statement = statementOf(
    { from: '2025-03-01', to: '2025-03-31' },
    'CNY',
    [
      final('o-s', 'SETTLED'),
      final('o-c', 'COMPENSATED'),
      final('o-r', 'REFUNDED'),
      final('o-late', 'COMPENSATED'),
      final('o-none', 'SETTLED'),
    ],
    [legs('o-s', 'posted'), legs('o-c', 'posted', '500'), legs('o-r', 'voided'), legs('o-late', 'locked')],
  );

  it('settled: gross is the price, net the price less the commission', () => {
    expect(statement.orders[0]).toMatchObject({
      escrow: 'posted',
      price: '10000',
      gross: '10000',
      commission: '250',
      penalty: '0',
      net: '9750',
    });
  });

  it("compensated: the bank's reserve's penalty is added to what the merchant nets", () => {
    expect(statement.orders[1]).toMatchObject({ gross: '10000', commission: '250', penalty: '500', net: '10250' });
  });

  it('refunded nets zero, and so does an order whose escrow the ledger has not resolved yet or never held', () => {
    expect(statement.orders.slice(2).map((o) => [o.escrow, o.gross, o.commission, o.penalty, o.net])).toEqual([
      ['voided', '0', '0', '0', '0'],
      ['locked', '0', '0', '0', '0'],
      ['none', '0', '0', '0', '0'],
    ]);
    expect(statement.orders[2]!.price).toBe('10000');
  });

  it('totals are the sums of the rows, as digits, and net = gross − commission + penalty on every row', () => {
    expect(statement.totals).toEqual({ orders: 5, price: '40000', gross: '20000', commission: '500', penalty: '500', net: '20000' });
    for (const o of statement.orders) expect(BigInt(o.net)).toBe(BigInt(o.gross) - BigInt(o.commission) + BigInt(o.penalty));
  });

  it('carries the settlement proof of each order: its final transaction and block', () => {
    expect(statement.orders[0]).toMatchObject({ txId: 'tx-o-s', blockNumber: '40', settledAt: '2025-03-02T10:00:00.000Z' });
  });

  it('as CSV: a header, a line per order and a TOTAL line', () => {
    const csv = statementCsv(statement);
    expect(csv.contentType).toMatch(/^text\/csv/);
    expect(csv.filename).toBe('statement-2025-03-01-2025-03-31.csv');
    const lines = csv.body.trimEnd().split('\r\n');
    expect(lines[0]).toBe('order_id,state,settled_at,escrow,price,gross,commission,penalty,net,currency,tx_id,block_number');
    expect(lines[2]).toBe('o-c,COMPENSATED,2025-03-02T10:00:00.000Z,posted,10000,10000,250,500,10250,CNY,tx-o-c,40');
    expect(lines.at(-1)).toBe('TOTAL,,,,40000,20000,500,500,20000,CNY,,');
    expect(lines).toHaveLength(7);
  });
});

describe('periodBounds', () => {
  it('covers whole UTC days, the last included', () => {
    expect(periodBounds('2024-02-28', '2024-02-29')).toEqual({
      start: new Date('2024-02-28T00:00:00Z'),
      end: new Date('2024-03-01T00:00:00Z'),
    });
  });
});
