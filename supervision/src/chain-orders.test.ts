import { orderKey } from '@securepay/escrow-agent';
import { deadlineOf, ordersWritten } from './chain-orders';
import { chaincode, newTxId, orderAfter, writing, type Step } from './plain-chain';

const t0 = Date.UTC(2026, 0, 1);
const steps = (...states: Step['to'][]): Step[] => states.map((to, i) => ({ txId: newTxId(), to, action: `step-${i}`, at: t0 + i * 1000 }));

describe('what a block wrote to orders', () => {
  it('reads every order a VALID transaction wrote, a batch as several, with its place in the block', () => {
    const a = orderAfter('o-a', steps('PROPOSED', 'ESCROWED'));
    const b = orderAfter('o-b', steps('PROPOSED'), { buyer: 'BankBMSP', merchant: 'BankAMSP' });
    const c = orderAfter('o-c', steps('PROPOSED', 'ESCROWED', 'SHIPPED'));
    const batch = writing([a, b], { blockNumber: 7n });
    const alone = writing([c], { blockNumber: 7n });
    const { orders, unreadable } = ordersWritten([batch, alone], chaincode);
    expect(unreadable).toEqual([]);
    expect(orders.map((o) => [o.orderId, o.state, o.txId, o.txIndex, o.blockNumber])).toEqual([
      ['o-a', 'ESCROWED', batch.txId, 0, 7n],
      ['o-b', 'PROPOSED', batch.txId, 0, 7n],
      ['o-c', 'SHIPPED', alone.txId, 1, 7n],
    ]);
    expect(orders[1]).toMatchObject({ buyerBank: 'BankBMSP', merchantBank: 'BankAMSP', createdAt: t0 });
    expect(orders[2]!.transitions).toEqual(c.history.map((h) => ({ txId: h.txId, to: h.to, action: h.action })));
    expect(orders[2]!.writtenAt).toBe(alone.timestamp.getTime());
  });

  it('skips what is not a committed order write: invalid transactions, other namespaces, other keys, deletions', () => {
    const order = orderAfter('o-x', steps('PROPOSED'));
    const invalid = writing([order], { validationCode: 'MVCC_READ_CONFLICT' });
    const otherNamespace = writing([order]);
    otherNamespace.writes[0]!.namespace = 'lscc';
    const indexKey = writing([order]);
    indexKey.writes[0]!.key = `\u0000order~state\u0000PROPOSED\u0000o-x\u0000`;
    const deletion = writing([order]);
    deletion.writes[0]!.isDelete = true;
    expect(ordersWritten([invalid, otherNamespace, indexKey, deletion], chaincode)).toEqual({ orders: [], unreadable: [] });
  });

  it('reports a write under an order key that is not that order, and records nothing of it', () => {
    const tx = writing([orderAfter('o-y', steps('PROPOSED'))]);
    tx.writes.push({ namespace: chaincode, key: orderKey('o-z'), value: Buffer.from('{"not":"an order"}'), isDelete: false });
    tx.writes.push({
      namespace: chaincode,
      key: orderKey('o-w'),
      value: Buffer.from(JSON.stringify(orderAfter('o-v', steps('PROPOSED')))),
      isDelete: false,
    });
    const { orders, unreadable } = ordersWritten([tx], chaincode);
    expect(orders.map((o) => o.orderId)).toEqual(['o-y']);
    expect(unreadable.map((u) => [u.key, u.why])).toEqual([
      ['o-z', 'not an order'],
      ['o-w', 'it names order o-v'],
    ]);
  });
});

describe("the deadline of an order's state", () => {
  const cases: [Step['to'][], string | undefined][] = [
    [['PROPOSED'], 'approveBy'],
    [['PROPOSED', 'ESCROWED'], 'deliverBy'],
    [['PROPOSED', 'ESCROWED', 'SHIPPED'], 'deliverBy'],
    [['PROPOSED', 'ESCROWED', 'SHIPPED', 'DELIVERED'], 'confirmBy'],
    [['PROPOSED', 'ESCROWED', 'SHIPPED', 'DELIVERED', 'CONFIRMED'], 'settleBy'],
    [['PROPOSED', 'ESCROWED', 'SHIPPED', 'DELIVERED', 'DISPUTED'], 'resolveBy'],
    [['PROPOSED', 'ESCROWED', 'SHIPPED', 'DELIVERED', 'CONFIRMED', 'CHALLENGED'], 'proofBy'],
    [['PROPOSED', 'ESCROWED', 'SHIPPED', 'DELIVERED', 'CONFIRMED', 'SETTLED'], undefined],
    [['PROPOSED', 'REJECTED'], undefined],
    [['PROPOSED', 'EXPIRED'], undefined],
    [['PROPOSED', 'ESCROWED', 'SHIPPED', 'DELIVERED', 'DISPUTED', 'REFUNDED'], undefined],
    [['PROPOSED', 'ESCROWED', 'SHIPPED', 'DELIVERED', 'CONFIRMED', 'CHALLENGED', 'COMPENSATED'], undefined],
  ];
  it.each(cases)('%j → %s', (states, name) => {
    const order = orderAfter('o-d', steps(...states));
    const deadline = deadlineOf(order);
    expect(deadline?.name).toBe(name);
    if (name) expect(deadline!.at).toBe((order as unknown as Record<string, number>)[name] ?? order.dispute?.resolveBy);
  });
});
