import { EscrowClient, type Batch, type BatchStep, type OrdersChanged, type StepsOutcome } from '@securepay/client';
import { EscrowDriver, sha256Hex, type Who } from './escrow-driver';

/**
 * Every party's own batch (ActBatch): each order in it is judged as its single-order transaction
 * would be, a refusal is returned as data without sinking the rest, and the transaction emits one
 * event listing every change. Orders are read again from the chain afterwards.
 */
describe('each party’s steps, batched', () => {
  let driver: EscrowDriver;
  const clients = {} as Record<Who, EscrowClient>;

  async function act(who: Who, batch: Batch, receipts = {}): Promise<StepsOutcome> {
    const outcome = await clients[who].actBatch(batch, receipts);
    if (outcome.committed) await driver.allPeersAt(outcome.committed.blockNumber);
    return outcome;
  }
  const each = (orderIds: string[], step: BatchStep): Batch => orderIds.map((orderId) => ({ orderId, step }));
  const states = async (orderIds: string[]): Promise<string[]> => Promise.all(orderIds.map(async (o) => (await driver.order(o)).state));

  beforeAll(async () => {
    driver = await EscrowDriver.create();
    for (const who of Object.keys(driver.parties) as Who[]) clients[who] = new EscrowClient(driver.parties[who].contract);
  });
  afterAll(() => driver?.close());

  it('carries orders from proposal to settlement in one batch per party and step, refusing what it must', async () => {
    const orders = await Promise.all(Array.from({ length: 12 }, () => driver.propose()));
    const ids = orders.map((o) => o.orderId);
    const foreign = (await driver.propose({}, 'stranger')).orderId;

    // The platform's and the merchant's approvals; the banks use ApproveBatch as before.
    expect((await act('platform', each(ids, { type: 'approve' }))).done).toHaveLength(12);
    const merchant = await act('merchant', [
      ...each(ids.slice(0, 11), { type: 'approve' }),
      { orderId: ids[11]!, step: { type: 'reject', reason: 'out of stock' } },
    ]);
    expect(merchant.refused).toEqual([]);
    for (const bank of ['bankA', 'bankB'] as const)
      await clients[bank].approveBatch(ids.slice(0, 11)).then((o) => driver.allPeersAt(o.committed!.blockNumber));
    const escrowed = ids.slice(0, 11);
    expect(await states(ids)).toEqual([...escrowed.map(() => 'ESCROWED'), 'REJECTED']);

    // The merchant ships; an order it is not the merchant of, and one in the wrong state, are refused.
    const shipped = await act('merchant', [
      ...each(escrowed, { type: 'ship' }),
      { orderId: ids[11]!, step: { type: 'ship' } },
      { orderId: 'o-missing', step: { type: 'ship' } },
    ]);
    expect(shipped.done.map((d) => d.state)).toEqual(escrowed.map(() => 'SHIPPED'));
    expect(shipped.refused.map((r) => [r.orderId, r.code])).toEqual([
      [ids[11], 'WRONG_STATE'],
      ['o-missing', 'NOT_FOUND'],
    ]);

    // A stranger's batch for the merchant's orders changes nothing at all, and says so for each.
    const stranger = await act('stranger', each(escrowed.slice(0, 3), { type: 'deliver', proofHash: sha256Hex() }));
    expect(stranger.committed).toBeUndefined();
    expect(stranger.refused.map((r) => r.code)).toEqual(['WRONG_PARTY', 'WRONG_PARTY', 'WRONG_PARTY']);
    expect(await states(escrowed.slice(0, 3))).toEqual(['SHIPPED', 'SHIPPED', 'SHIPPED']);

    const delivered = await act(
      'courier',
      escrowed.map((orderId) => ({ orderId, step: { type: 'deliver', proofHash: sha256Hex() } })),
    );
    expect(delivered.done).toHaveLength(11);
    for (const orderId of escrowed.slice(0, 8)) await driver.submit('buyer', 'Confirm', orderId);
    for (const orderId of escrowed.slice(8)) await driver.submit('buyer', 'DeclareNonReceipt', orderId);

    // The merchant's bank records settlement proofs in one transaction; one receipt is for other terms.
    const confirmed = orders.filter((o) => escrowed.slice(0, 8).includes(o.orderId));
    const receipts = Object.fromEntries(confirmed.map((o) => [o.orderId, driver.receipt(o.orderId, o.terms)]));
    receipts[confirmed[7]!.orderId] = driver.receipt(confirmed[7]!.orderId, confirmed[7]!.terms, { merchantAmount: '1' });
    const settled = await act('bankB', each(Object.keys(receipts), { type: 'recordSettlement' }), receipts);
    expect(settled.done.map((d) => d.state)).toEqual(confirmed.slice(0, 7).map(() => 'SETTLED'));
    expect(settled.refused).toEqual([expect.objectContaining({ orderId: confirmed[7]!.orderId, code: 'INVALID_PROOF' })]);
    expect(await states(confirmed.map((o) => o.orderId))).toEqual([...confirmed.slice(0, 7).map(() => 'SETTLED'), 'CONFIRMED']);

    // Deposits in disputes: the buyer's bank for the buyer, the courier's bank for the courier.
    const disputed = escrowed.slice(8);
    await act('bankA', each(disputed, { type: 'recordDeposit', party: 'buyer', lockRef: 'lock-1' }));
    const courierDeposits = await act('bankB', [
      ...each(disputed, { type: 'recordDeposit', party: 'courier', lockRef: 'lock-2' }),
      { orderId: foreign, step: { type: 'recordDeposit', party: 'courier', lockRef: 'x' } },
    ]);
    expect(courierDeposits.refused.map((r) => [r.orderId, r.code])).toEqual([[foreign, 'WRONG_STATE']]);
    for (const orderId of disputed) {
      const order = await driver.order(orderId);
      expect(order.state).toBe('DISPUTED');
      expect(Object.keys(order.dispute!.deposits).sort()).toEqual(['buyer', 'courier']);
    }

    // One event per batch transaction, listing every order it changed.
    const events = await driver.parties.platform.network.getChaincodeEvents('securepay', { startBlock: shipped.committed!.blockNumber });
    try {
      for await (const event of events) {
        if (event.transactionId !== shipped.committed!.txId) continue;
        const payload = JSON.parse(Buffer.from(event.payload).toString()) as OrdersChanged;
        expect(payload.changes.map((c) => [c.orderId, c.to])).toEqual(escrowed.map((o) => [o, 'SHIPPED']));
        break;
      }
    } finally {
      events.close();
    }
  });

  it('refuses a malformed batch whole: repeated orders, unknown steps, too many', async () => {
    const { orderId } = await driver.propose();
    const bad = [
      JSON.stringify([...each([orderId], { type: 'approve' }), ...each([orderId], { type: 'approve' })]),
      JSON.stringify([{ orderId, step: { type: 'mint' } }]),
      JSON.stringify(Array.from({ length: 501 }, (_, i) => ({ orderId: `o-${i}`, step: { type: 'approve' } }))),
      '[]',
      'not json',
    ];
    for (const batch of bad) await expect(driver.submit('platform', 'ActBatch', batch)).rejects.toThrow(/BAD_ARGUMENT/);
    expect((await driver.order(orderId)).approvals).toEqual({});
  });
});
