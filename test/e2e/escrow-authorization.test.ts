import { generateKeyPairSync } from 'node:crypto';
import { defaultWindows } from '@securepay/client';
import { EscrowDriver, refusal, sha256Hex, type Who } from './escrow-driver';

const everyone: Who[] = ['platform', 'bankA', 'bankB', 'buyer', 'merchant', 'courier', 'stranger'];
const allBut = (...allowed: Who[]): Who[] => everyone.filter((w) => !allowed.includes(w));

/**
 * For every transaction that names who may call it, a call by each other identity is refused by the
 * peers (WRONG_PARTY) and the order is exactly as it was. The buyer banks at BankA; the merchant and
 * the courier at BankB; the stranger is another buyer at BankA.
 */
describe('who may call what, on the real network', () => {
  let driver: EscrowDriver;
  const orders: Record<string, string> = {};
  beforeAll(async () => {
    driver = await EscrowDriver.create();
    orders.proposed = (await driver.propose()).orderId;
    orders.escrowed = (await driver.propose()).orderId;
    await driver.approveAll(orders.escrowed);
    const shipped = await driver.propose();
    await driver.approveAll(shipped.orderId);
    await driver.submit('merchant', 'Ship', shipped.orderId, '');
    orders.shipped = shipped.orderId;
    orders.delivered = (await driver.delivered()).orderId;
    orders.disputed = (await driver.disputed()).orderId;
    const confirmed = await driver.delivered();
    await driver.submit('buyer', 'Confirm', confirmed.orderId);
    orders.confirmed = confirmed.orderId;
    orders.confirmedTerms = JSON.stringify(confirmed.terms);
    const settled = await driver.delivered();
    await driver.submit('buyer', 'Confirm', settled.orderId);
    await driver.recordSettlement('bankB', settled.orderId, JSON.stringify(driver.receipt(settled.orderId, settled.terms)));
    orders.settled = settled.orderId;
  });
  afterAll(() => driver?.close());

  const cases: [string, keyof typeof orders, Who[], (o: string) => string[]][] = [
    ['Approve', 'proposed', allBut('platform', 'merchant', 'bankA', 'bankB'), (o) => [o]],
    ['Reject', 'proposed', allBut('platform', 'merchant', 'bankA', 'bankB'), (o) => [o, 'because']],
    ['ApproveBatch', 'proposed', allBut('platform', 'merchant', 'bankA', 'bankB'), (o) => [JSON.stringify([o])]],
    ['Ship', 'escrowed', allBut('merchant'), (o) => [o, '']],
    ['Deliver', 'shipped', allBut('courier'), (o) => [o, 'c'.repeat(64)]],
    ['Confirm', 'delivered', allBut('buyer'), (o) => [o]],
    ['DeclareNonReceipt', 'delivered', allBut('buyer'), (o) => [o]],
    ['RecordDeposit', 'disputed', allBut('bankA'), (o) => [o, 'buyer', 'lock-x']],
    ['RecordDeposit', 'disputed', allBut('bankB'), (o) => [o, 'courier', 'lock-y']],
    ['ResolveDispute', 'disputed', allBut('platform'), (o) => [o, 'courier', 'e'.repeat(64)]],
    ['Challenge', 'confirmed', allBut('merchant'), (o) => [o]],
  ];

  it.each(cases.map(([name, state, wrong, args]) => [name, state, wrong.join(', '), wrong, args] as const))(
    '%s on a %s order is refused for %s, changing nothing',
    async (name, state, _, wrong, args) => {
      const orderId = orders[state]!;
      const before = await driver.order(orderId);
      for (const who of wrong) {
        expect(`${who}: ${await refusal(driver.submit(who, name, ...args(orderId)))}`).toMatch(new RegExp(`^${who}: [\\s\\S]*WRONG_PARTY`));
      }
      expect(await driver.order(orderId)).toEqual(before);
    },
  );

  it('RecordSettlement on a confirmed order is refused for everyone but the merchant’s bank, changing nothing', async () => {
    const orderId = orders.confirmed!;
    const receipt = JSON.stringify(driver.receipt(orderId, JSON.parse(orders.confirmedTerms!)));
    const before = await driver.order(orderId);
    for (const who of allBut('bankB')) expect(await refusal(driver.recordSettlement(who, orderId, receipt))).toMatch(/WRONG_PARTY/);
    expect(await driver.order(orderId)).toEqual(before);
  });

  it('Propose is refused for every identity that is not a buyer', async () => {
    for (const who of ['platform', 'bankA', 'bankB', 'merchant', 'courier'] as const) {
      expect(await refusal(driver.propose({}, who))).toMatch(/WRONG_PARTY/);
    }
  });

  it('RegisterLedgerKey is refused for everyone but a bank’s admin, and ConfigureWindows for everyone but the platform', async () => {
    const key = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const bankBKey = await driver.evaluate('platform', 'GetLedgerKey', 'BankBMSP');
    for (const who of allBut('bankA', 'bankB')) expect(await refusal(driver.submit(who, 'RegisterLedgerKey', key))).toMatch(/WRONG_PARTY/);
    expect(await refusal(driver.evaluate('platform', 'GetLedgerKey', 'PlatformMSP'))).toMatch(/NOT_FOUND/);
    expect(await driver.evaluate('platform', 'GetLedgerKey', 'BankBMSP')).toBe(bankBKey);

    const windows = await driver.evaluate('bankA', 'GetWindows');
    for (const who of allBut('platform')) {
      expect(await refusal(driver.submit(who, 'ConfigureWindows', JSON.stringify({ ...defaultWindows, approvalMs: 1_000 })))).toMatch(
        /WRONG_PARTY/,
      );
    }
    expect(await driver.evaluate('bankA', 'GetWindows')).toBe(windows);

    const bounds = await driver.evaluate('bankA', 'GetWindowBounds');
    for (const who of allBut('platform')) {
      expect(await refusal(driver.submit(who, 'ConfigureWindowBounds', JSON.stringify({ min: {}, max: { depositMs: 1_000 } })))).toMatch(
        /WRONG_PARTY/,
      );
    }
    expect(await driver.evaluate('bankA', 'GetWindowBounds')).toBe(bounds);
  });

  it('shows a settlement receipt only to the platform, the order’s banks and its merchant', async () => {
    const orderId = orders.settled!;
    const receipt = JSON.parse(await driver.evaluate('platform', 'GetSettlementReceipt', orderId)) as { receipt: { orderId: string } };
    expect(receipt.receipt.orderId).toBe(orderId);
    for (const who of ['bankA', 'bankB', 'merchant'] as const)
      expect(JSON.parse(await driver.evaluate(who, 'GetSettlementReceipt', orderId))).toEqual(receipt);
    for (const who of ['buyer', 'courier', 'stranger'] as const)
      expect(await refusal(driver.evaluate(who, 'GetSettlementReceipt', orderId))).toMatch(/WRONG_PARTY/);
  });

  it('shows an order’s private terms only to the platform, its banks, its buyer and its merchant', async () => {
    const orderId = orders.confirmed!;
    for (const who of ['platform', 'bankA', 'bankB', 'buyer', 'merchant'] as const) {
      expect(JSON.parse(await driver.evaluate(who, 'GetOrderTerms', orderId))).toEqual(JSON.parse(orders.confirmedTerms!));
    }
    for (const who of ['courier', 'stranger'] as const)
      expect(await refusal(driver.evaluate(who, 'GetOrderTerms', orderId))).toMatch(/WRONG_PARTY/);
  });

  it('refuses a bad hash from the right party just as firmly', async () => {
    expect(await refusal(driver.submit('courier', 'Deliver', orders.shipped!, sha256Hex().toUpperCase()))).toMatch(
      /BAD_ARGUMENT: proofHash/,
    );
  });
});
