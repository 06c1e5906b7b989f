import { generateKeyPairSync } from 'node:crypto';
import { defaultWindows, settlementSplit, type Order } from '@securepay/client';
import { EscrowDriver, refusal, sha256Hex, sleep } from './escrow-driver';

/** Short windows for the deadline paths; the real defaults are hours and days. */
const short = 2_000;
const pastShort = short + 1_000;

describe('the escrow contract on the real network', () => {
  let driver: EscrowDriver;
  beforeAll(async () => {
    driver = await EscrowDriver.create();
  });
  afterAll(() => driver?.close());

  it('takes an order through endorsement, delivery, confirmation and a verified settlement to SETTLED', async () => {
    const { orderId, terms } = await driver.propose();
    let order = await driver.order(orderId);
    expect(order).toMatchObject({ state: 'PROPOSED', buyer: { mspId: 'BankAMSP' }, merchant: { mspId: 'BankBMSP' } });

    for (const [i, who] of (['platform', 'merchant', 'bankA', 'bankB'] as const).entries()) {
      order = JSON.parse(await driver.submit(who, 'Approve', orderId)) as Order;
      expect(order.state).toBe(i < 3 ? 'PROPOSED' : 'ESCROWED');
    }
    expect(Object.keys(order.approvals).sort()).toEqual(['buyerBank', 'merchant', 'merchantBank', 'platform']);

    await driver.submit('merchant', 'Ship', orderId, '');
    await driver.submit('courier', 'Deliver', orderId, sha256Hex());
    await driver.submit('buyer', 'Confirm', orderId);
    order = JSON.parse(await driver.recordSettlement('bankB', orderId, JSON.stringify(driver.receipt(orderId, terms)))) as Order;

    expect(order.state).toBe('SETTLED');
    expect(order.history.map((h) => h.action)).toEqual([
      'propose',
      'approve',
      'approve',
      'approve',
      'approve',
      'ship',
      'deliver',
      'confirm',
      'recordSettlement',
    ]);
    expect(new Set(order.history.map((h) => h.txId)).size).toBe(order.history.length);
    expect(JSON.parse(await driver.evaluate('bankB', 'GetOrderTerms', orderId))).toEqual(terms);
  });

  it('rejects an order when one party rejects it, and accepts nothing more', async () => {
    const { orderId } = await driver.propose();
    await driver.submit('platform', 'Approve', orderId);
    const rejected = JSON.parse(await driver.submit('bankA', 'Reject', orderId, 'no CBDC lock found')) as Order;
    expect(rejected.state).toBe('REJECTED');
    expect(rejected.approvals.buyerBank).toMatchObject({ decision: 'rejected', reason: 'no CBDC lock found', by: 'BankAMSP' });
    expect(await refusal(driver.submit('merchant', 'Approve', orderId))).toMatch(/WRONG_STATE: order \S+ is REJECTED, a final state/);
  });

  it('expires an order not approved in time — not before its deadline', async () => {
    const { orderId } = await driver.propose({ approvalMs: short });
    expect(await refusal(driver.submit('buyer', 'Expire', orderId))).toMatch(/TOO_EARLY/);
    await sleep(pastShort);
    expect(await refusal(driver.submit('platform', 'Approve', orderId))).toMatch(/DEADLINE_PASSED: approval was due/);
    expect((JSON.parse(await driver.submit('buyer', 'Expire', orderId)) as Order).state).toBe('EXPIRED');
  });

  it('settles to the merchant when the courier wins a dispute, and records the payouts privately', async () => {
    const { orderId, terms } = await driver.disputed();
    await driver.submit('bankA', 'RecordDeposit', orderId, 'buyer', 'lock-buyer-1');
    await driver.submit('bankB', 'RecordDeposit', orderId, 'courier', 'lock-courier-1');
    const resolved = JSON.parse(await driver.submit('platform', 'ResolveDispute', orderId, 'courier', sha256Hex())) as Order;
    expect(resolved.state).toBe('CONFIRMED');
    expect(resolved.dispute!.resolution!.winner).toBe('courier');
    const price = BigInt(terms.price);
    expect(JSON.parse(await driver.evaluate('bankB', 'GetPayouts', orderId))).toEqual({
      courier: (price + price / 2n).toString(),
      buyer: '0',
      platform: (price - price / 2n).toString(),
    });
    expect(JSON.stringify(resolved)).not.toContain(terms.price);
    await driver.recordSettlement('bankB', orderId, JSON.stringify(driver.receipt(orderId, terms)));
    expect((await driver.order(orderId)).state).toBe('SETTLED');
  });

  it('refunds the buyer when the buyer wins a dispute', async () => {
    const { orderId } = await driver.disputed();
    await driver.submit('bankA', 'RecordDeposit', orderId, 'buyer', 'lock-buyer-2');
    await driver.submit('bankB', 'RecordDeposit', orderId, 'courier', 'lock-courier-2');
    const resolved = JSON.parse(await driver.submit('platform', 'ResolveDispute', orderId, 'buyer', sha256Hex())) as Order;
    expect(resolved.state).toBe('REFUNDED');
  });

  it('makes a party that did not deposit by the deadline lose the dispute', async () => {
    const { orderId, terms } = await driver.disputed({ depositMs: short });
    await driver.submit('bankB', 'RecordDeposit', orderId, 'courier', 'lock-courier-3');
    expect(await refusal(driver.submit('platform', 'ResolveDispute', orderId, 'courier', sha256Hex()))).toMatch(/TOO_EARLY/);
    await sleep(pastShort);
    expect(await refusal(driver.submit('bankA', 'RecordDeposit', orderId, 'buyer', 'lock-late'))).toMatch(/DEADLINE_PASSED/);
    expect(await refusal(driver.submit('platform', 'ResolveDispute', orderId, 'buyer', sha256Hex()))).toMatch(
      /the buyer did not deposit and loses by default/,
    );
    await driver.submit('platform', 'ResolveDispute', orderId, 'courier', sha256Hex());
    expect((await driver.order(orderId)).state).toBe('CONFIRMED');
    expect(JSON.parse(await driver.evaluate('platform', 'GetPayouts', orderId))).toEqual({
      courier: terms.price,
      buyer: '0',
      platform: '0',
    });
  });

  it('auto-confirms a buyer silent past the confirmation deadline', async () => {
    const { orderId } = await driver.delivered({ confirmationMs: short });
    expect(await refusal(driver.submit('platform', 'AutoConfirm', orderId))).toMatch(/TOO_EARLY/);
    await sleep(pastShort);
    expect(await refusal(driver.submit('buyer', 'Confirm', orderId))).toMatch(/DEADLINE_PASSED/);
    const order = JSON.parse(await driver.submit('platform', 'AutoConfirm', orderId)) as Order;
    expect(order).toMatchObject({ state: 'CONFIRMED', confirmation: { automatic: true } });
  });

  it('lets the merchant challenge a late settlement, which a valid proof answers', async () => {
    const { orderId, terms } = await driver.delivered({ settlementMs: short });
    await driver.submit('buyer', 'Confirm', orderId);
    expect(await refusal(driver.submit('merchant', 'Challenge', orderId))).toMatch(/TOO_EARLY/);
    await sleep(pastShort);
    expect((JSON.parse(await driver.submit('merchant', 'Challenge', orderId)) as Order).state).toBe('CHALLENGED');
    await driver.recordSettlement('bankB', orderId, JSON.stringify(driver.receipt(orderId, terms)));
    expect((await driver.order(orderId)).state).toBe('SETTLED');
  });

  it('compensates the merchant when the challenged bank brings no proof by the deadline', async () => {
    const { orderId, terms } = await driver.delivered({ settlementMs: short, proofMs: short });
    await driver.submit('buyer', 'Confirm', orderId);
    await sleep(pastShort);
    await driver.submit('merchant', 'Challenge', orderId);
    expect(await refusal(driver.submit('merchant', 'Compensate', orderId))).toMatch(/TOO_EARLY/);
    await sleep(pastShort);
    expect(await refusal(driver.recordSettlement('bankB', orderId, JSON.stringify(driver.receipt(orderId, terms))))).toMatch(
      /DEADLINE_PASSED/,
    );
    expect((JSON.parse(await driver.submit('merchant', 'Compensate', orderId)) as Order).state).toBe('COMPENSATED');
  });

  it('refuses forged or wrong settlement receipts and leaves the order CONFIRMED', async () => {
    const { orderId, terms } = await driver.delivered();
    await driver.submit('buyer', 'Confirm', orderId);
    const forger = generateKeyPairSync('ed25519').privateKey;
    const split = settlementSplit(terms);
    const attempts = [
      [driver.receipt(orderId, terms, {}, forger), /INVALID_PROOF: the receipt's signature does not verify/],
      [
        driver.receipt(orderId, terms, { merchantAmount: (split.merchantAmount + 1n).toString() }),
        /INVALID_PROOF: the receipt's merchant amount/,
      ],
      [driver.receipt(orderId, terms, { merchantWallet: 'w-somebody-else' }), /INVALID_PROOF: the receipt pays another wallet/],
    ] as const;
    for (const [receipt, reason] of attempts) {
      expect(await refusal(driver.recordSettlement('bankB', orderId, JSON.stringify(receipt)))).toMatch(reason);
    }
    expect(await refusal(driver.recordSettlement('bankB', orderId, '{"receipt": 1'))).toMatch(/BAD_ARGUMENT: invalid receipt: not JSON/);
    // The receipt names amounts and a wallet: as a transaction argument (in every block) it is not taken.
    const good = JSON.stringify(driver.receipt(orderId, terms));
    expect(await refusal(driver.submit('bankB', 'RecordSettlement', orderId, good))).toMatch(
      /Expected 1 parameters, but 2 have been supplied/,
    );
    expect(await refusal(driver.submit('bankB', 'RecordSettlement', orderId))).toMatch(
      /BAD_ARGUMENT: the signed receipt must travel in the transient map/,
    );
    expect((await driver.order(orderId)).state).toBe('CONFIRMED');
  });

  it('takes each new order’s deadlines from the channel defaults the platform configures', async () => {
    const windows = { ...defaultWindows, approvalMs: 123_000 };
    expect(await refusal(driver.submit('bankA', 'ConfigureWindows', JSON.stringify(windows)))).toMatch(/WRONG_PARTY/);
    await driver.submit('platform', 'ConfigureWindows', JSON.stringify(windows));
    try {
      const { orderId } = await driver.propose();
      const order = await driver.order(orderId);
      expect(order.approveBy - order.createdAt).toBe(123_000);
    } finally {
      await driver.submit('platform', 'ConfigureWindows', JSON.stringify(defaultWindows));
    }
    expect(await refusal(driver.submit('platform', 'ConfigureWindows', JSON.stringify({ ...defaultWindows, proofMs: 5 })))).toMatch(
      /BAD_ARGUMENT: invalid windows: .*proofMs/,
    );
  });

  it('holds every order’s windows within the bounds the channel configures: a 1-second deposit window is refused', async () => {
    const bounds = { min: { depositMs: 3_600_000 }, max: { deliveryMs: 30 * 86_400_000 } };
    expect(await refusal(driver.submit('bankA', 'ConfigureWindowBounds', JSON.stringify(bounds)))).toMatch(/WRONG_PARTY/);
    await driver.submit('platform', 'ConfigureWindowBounds', JSON.stringify(bounds));
    try {
      expect(JSON.parse(await driver.evaluate('bankB', 'GetWindowBounds'))).toEqual(bounds);
      expect(await refusal(driver.propose({ depositMs: 1_000 }))).toMatch(
        /BAD_ARGUMENT: .*depositMs 1000 is below the channel's minimum of 3600000 ms/,
      );
      expect(await refusal(driver.propose({ deliveryMs: 60 * 86_400_000 }))).toMatch(
        /deliveryMs 5184000000 is above the channel's maximum/,
      );
      expect(
        await refusal(driver.submit('platform', 'ConfigureWindows', JSON.stringify({ ...defaultWindows, depositMs: 60_000 }))),
      ).toMatch(/BAD_ARGUMENT: the default windows must be within the channel's bounds/);
      const { orderId } = await driver.propose({ depositMs: 3_600_000 });
      expect((await driver.order(orderId)).windows.depositMs).toBe(3_600_000);
      // Read again: the refused changes left the defaults as they were.
      expect(JSON.parse(await driver.evaluate('platform', 'GetWindows'))).toEqual(defaultWindows);
    } finally {
      await driver.submit('platform', 'ConfigureWindowBounds', JSON.stringify({ min: {}, max: {} }));
    }
  });

  it('reads many orders with their terms at once, for the parties who may, refusing each other order on its own', async () => {
    const a = await driver.propose();
    const b = await driver.propose();
    const read = async (who: 'bankA' | 'bankB' | 'courier', ids: string[]) =>
      JSON.parse(await driver.evaluate(who, 'GetOrdersWithTerms', JSON.stringify(ids))) as {
        orders: { orderId: string; order?: Order; terms?: { price: string }; code?: string }[];
      };
    const { orders } = await read('bankA', [a.orderId, 'o-unknown', b.orderId]);
    expect(orders.map((o) => [o.orderId, o.order?.orderId ?? o.code])).toEqual([
      [a.orderId, a.orderId],
      ['o-unknown', 'NOT_FOUND'],
      [b.orderId, b.orderId],
    ]);
    expect(orders[0]!.terms!.price).toBe(a.terms.price);
    // A courier may read the public order, not the terms: each order is refused, none shown.
    const courier = await read('courier', [a.orderId, b.orderId]);
    expect(courier.orders.map((o) => o.code)).toEqual(['WRONG_PARTY', 'WRONG_PARTY']);
    expect(courier.orders.some((o) => o.terms)).toBe(false);
    expect(await refusal(driver.evaluate('bankA', 'GetOrdersWithTerms', JSON.stringify([a.orderId, a.orderId])))).toMatch(
      /BAD_ARGUMENT: the order ids must not repeat/,
    );
    expect(await refusal(driver.evaluate('bankA', 'GetOrdersWithTerms', 'not json'))).toMatch(/BAD_ARGUMENT/);
  });
});
