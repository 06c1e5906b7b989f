import type { OrdersChanged } from '@securepay/client';
import { connectGateway, orgAdmin } from '@securepay/network';
import { EscrowDriver, refusal } from './escrow-driver';
import { connectionOf, networkLayout } from './fixtures';

/** Each endorsing org's peer's count of the chaincode's messages to it, by message type (its Prometheus metrics). */
async function shimMessages(): Promise<Map<string, Record<string, number>>> {
  const counts = new Map<string, Record<string, number>>();
  for (const org of networkLayout().network.orgs.filter((o) => o.mspId !== 'CentralBankMSP')) {
    const text = await (await fetch(`http://${org.peer.host}:${org.peer.operationsPort}/metrics`)).text();
    const byType: Record<string, number> = {};
    for (const [, type, n] of text.matchAll(
      /^chaincode_shim_requests_received\{chaincode="securepay[^"]*",channel="securepay",type="(\w+)"\} (\d+)/gm,
    ))
      byType[type!] = (byType[type!] ?? 0) + Number(n);
    counts.set(org.mspId, byType);
  }
  return counts;
}

describe('batch endorsement', () => {
  let driver: EscrowDriver;
  beforeAll(async () => {
    driver = await EscrowDriver.create();
  });
  afterAll(() => driver?.close());

  it('approves 50 orders in one transaction per party, refusing the ones it must, with one event listing every change', async () => {
    const created: string[] = [];
    for (let i = 0; i < 5; i++)
      created.push(...(await Promise.all(Array.from({ length: 10 }, () => driver.propose()))).map((o) => o.orderId));
    const rejected = created.slice(0, 3);
    for (const orderId of rejected) await driver.submit('merchant', 'Reject', orderId, 'sold out');
    const batch = [...created.slice(0, 48), 'o-missing-1', 'o-missing-2'];
    expect(batch).toHaveLength(50);

    const submitted = await driver.parties.platform.contract.submitAsync('ApproveBatch', { arguments: [JSON.stringify(batch)] });
    const result = JSON.parse(Buffer.from(submitted.getResult()).toString()) as {
      approved: { orderId: string }[];
      refused: { orderId: string; code: string }[];
    };
    const status = await submitted.getStatus();
    expect(status.successful).toBe(true);
    await driver.allPeersAt(status.blockNumber);
    expect(result.approved.map((a) => a.orderId)).toEqual(created.slice(3, 48));
    expect(result.refused).toEqual([
      ...rejected.map((orderId) => expect.objectContaining({ orderId, code: 'WRONG_STATE' })),
      expect.objectContaining({ orderId: 'o-missing-1', code: 'NOT_FOUND' }),
      expect.objectContaining({ orderId: 'o-missing-2', code: 'NOT_FOUND' }),
    ]);

    const admin = connectGateway(connectionOf('BankAMSP'), orgAdmin(connectionOf('BankAMSP')));
    try {
      const events = await admin.gateway.getNetwork('securepay').getChaincodeEvents('securepay', { startBlock: status.blockNumber });
      for await (const event of events) {
        if (event.transactionId !== submitted.getTransactionId()) continue;
        const payload = JSON.parse(Buffer.from(event.payload).toString()) as OrdersChanged;
        expect(event.eventName).toBe('OrdersChanged');
        expect(payload.changes.map((c) => c.orderId)).toEqual(created.slice(3, 48));
        break;
      }
      events.close();
    } finally {
      admin.close();
    }

    const approvable = created.slice(3);
    for (const who of ['merchant', 'bankA', 'bankB'] as const) await driver.submit(who, 'ApproveBatch', JSON.stringify(approvable));
    await driver.submit('platform', 'ApproveBatch', JSON.stringify(created.slice(48)));
    for (const orderId of approvable) expect((await driver.order(orderId)).state).toBe('ESCROWED');
    expect(await refusal(driver.submit('bankA', 'ApproveBatch', JSON.stringify(approvable)))).toMatch(
      /no order in the batch could be approved/,
    );
  });

  it('sends a batch’s reads and writes to each endorsing peer in a few messages, not a few per order', async () => {
    const orderIds = (await Promise.all(Array.from({ length: 20 }, () => driver.propose()))).map((o) => o.orderId);
    const before = await shimMessages();
    await driver.submit('merchant', 'ApproveBatch', JSON.stringify(orderIds));
    const after = await shimMessages();
    for (const [mspId, counts] of after) {
      const sent = (type: string): number => (counts[type] ?? 0) - (before.get(mspId)![type] ?? 0);
      // One message with all 20 orders' writes, their orders and terms read in two more: no message per order.
      expect({ mspId, PUT_STATE: sent('PUT_STATE'), WRITE_BATCH_STATE: sent('WRITE_BATCH_STATE') }).toEqual({
        mspId,
        PUT_STATE: 0,
        WRITE_BATCH_STATE: 1,
      });
      expect(sent('GET_STATE_MULTIPLE')).toBeGreaterThanOrEqual(1);
      expect(sent('GET_STATE')).toBeLessThan(5);
    }
    // Read again from the chain: every order carries the merchant's approval.
    for (const orderId of orderIds) expect((await driver.order(orderId)).approvals.merchant?.decision).toBe('approved');
  });
});
