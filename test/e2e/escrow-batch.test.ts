import type { OrdersChanged } from '@securepay/client';
import { connectGateway, orgAdmin } from '@securepay/network';
import { EscrowDriver, refusal } from './escrow-driver';
import { connectionOf } from './fixtures';

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
});
