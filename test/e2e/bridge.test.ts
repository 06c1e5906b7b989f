import { settlementSplit } from '@securepay/client';
import { ProcessTable, up, peerProcessName } from '@securepay/network';
import { networkLayout } from './fixtures';
import { sha256Hex, sleep } from './escrow-driver';
import { balanceChanges, MoneyWorld } from './money';

/**
 * Every lifecycle path with real money: the banks' bridges approve, record deposits and settlement
 * receipts, and the central bank's escrow agent pays out, refunds, settles deposits and compensates,
 * on its own, from what it proves on its own peer. After each path, every wallet moved by exactly
 * what it should have, and the ledger's invariant holds.
 */
const short = 2_000;
const pastShort = short + 1_000;

describe('CBDC moves only on on-chain decisions, exactly once', () => {
  let world: MoneyWorld;
  let before: Awaited<ReturnType<MoneyWorld['balances']>>;
  const delta = async (): Promise<Record<string, bigint>> => balanceChanges(before, await world.balances());

  beforeAll(async () => {
    world = await MoneyWorld.create();
  });
  beforeEach(async () => {
    before = await world.balances();
  });
  afterEach(async () => {
    expect(await world.ledger.checkInvariant()).toMatchObject({ ok: true });
    for (const orderId of await world.ledger.ordersWithPending()) {
      expect(['PROPOSED', 'ESCROWED', 'SHIPPED', 'DELIVERED', 'CONFIRMED', 'DISPUTED', 'CHALLENGED']).toContain(
        (await world.driver.order(orderId)).state,
      );
    }
  });
  afterAll(async () => world?.close());

  it('pays the merchant and the platform when the buyer confirms, and records a verified receipt', async () => {
    const { orderId, terms } = await world.delivered();
    await world.driver.submit('buyer', 'Confirm', orderId);
    const settled = await world.until(orderId, 'SETTLED');
    const { merchantAmount, commissionAmount } = settlementSplit(terms);
    expect(await delta()).toEqual({ buyer: -BigInt(terms.price), merchant: merchantAmount, courier: 0n, platform: commissionAmount });
    expect(settled.settlement!.journalPosition).toBeGreaterThan(0);
  });

  it('rejects, through a bank, an order that has no CBDC lock, and moves nothing', async () => {
    const { orderId } = await world.driver.propose();
    const rejected = await world.until(orderId, 'REJECTED');
    // Both banks check the lock; whichever answers first records the rejection.
    const rejections = Object.values(rejected.approvals).filter((a) => a.decision === 'rejected');
    expect(rejections).toEqual([expect.objectContaining({ reason: expect.stringContaining('no matching CBDC lock') })]);
    expect(await delta()).toEqual({ buyer: 0n, merchant: 0n, courier: 0n, platform: 0n });
  });

  it('rejects, through a bank whose policy the windows do not meet, a paid order, and refunds the lock', async () => {
    await world.stopBridge('BankBMSP');
    await world.startBridge('BankBMSP', { minWindows: { depositMs: 3_600_000 } });
    try {
      const { orderId } = await world.paidOrder({ depositMs: 60_000 });
      const rejected = await world.until(orderId, 'REJECTED');
      const rejections = Object.values(rejected.approvals).filter((a) => a.decision === 'rejected');
      expect(rejections).toEqual([
        expect.objectContaining({ reason: "windows too short: depositMs 60000 is below this bank's minimum of 3600000 ms" }),
      ]);
      await world.eventually(async () => (await world.ledger.escrowOf(orderId)).status === 'voided', 'the lock is voided');
      expect(await delta()).toEqual({ buyer: 0n, merchant: 0n, courier: 0n, platform: 0n });
    } finally {
      await world.stopBridge('BankBMSP');
      await world.startBridge('BankBMSP');
    }
  });

  it('refunds the lock when the merchant rejects', async () => {
    const { orderId } = await world.paidOrder();
    expect((await world.ledger.escrowOf(orderId)).status).toBe('locked');
    await world.driver.submit('merchant', 'Reject', orderId, 'out of stock');
    await world.eventually(async () => (await world.ledger.escrowOf(orderId)).status === 'voided', 'the lock is voided');
    expect(await delta()).toEqual({ buyer: 0n, merchant: 0n, courier: 0n, platform: 0n });
  });

  it('refunds the lock when the order expires unapproved', async () => {
    const { orderId } = await world.paidOrder({ approvalMs: short });
    await sleep(pastShort);
    await world.driver.submit('buyer', 'Expire', orderId);
    await world.eventually(async () => (await world.ledger.escrowOf(orderId)).status === 'voided', 'the lock is voided');
    expect(await delta()).toEqual({ buyer: 0n, merchant: 0n, courier: 0n, platform: 0n });
  });

  it('settles a dispute the courier wins: deposits recorded by the banks, the buyer’s split, the order paid out', async () => {
    const { orderId, terms } = await world.disputedWithDeposits();
    await world.driver.submit('platform', 'ResolveDispute', orderId, 'courier', sha256Hex());
    await world.until(orderId, 'SETTLED');
    const price = BigInt(terms.price);
    const { merchantAmount, commissionAmount } = settlementSplit(terms);
    await world.eventually(async () => (await delta()).courier === price / 2n, 'the courier is paid');
    expect(await delta()).toEqual({
      buyer: -2n * price,
      merchant: merchantAmount,
      courier: price / 2n,
      platform: commissionAmount + price - price / 2n,
    });
  });

  it('refunds the buyer and splits the courier’s deposit when the buyer wins', async () => {
    const { orderId, terms } = await world.disputedWithDeposits();
    await world.driver.submit('platform', 'ResolveDispute', orderId, 'buyer', sha256Hex());
    await world.until(orderId, 'REFUNDED');
    const price = BigInt(terms.price);
    await world.eventually(async () => (await delta()).buyer === price / 2n, 'the buyer is refunded and paid');
    expect(await delta()).toEqual({ buyer: price / 2n, merchant: 0n, courier: -price, platform: price - price / 2n });
  });

  it('lets a courier win by default when the buyer never deposits', async () => {
    const { orderId, terms } = await world.delivered({ depositMs: short });
    await world.driver.submit('buyer', 'DeclareNonReceipt', orderId);
    await world.lockDeposit(orderId, 'courier', terms.price);
    await world.eventually(
      async () => (await world.driver.order(orderId)).dispute!.deposits.courier !== undefined,
      'the courier’s deposit is recorded',
    );
    await sleep(pastShort);
    await world.driver.submit('platform', 'ResolveDispute', orderId, 'courier', sha256Hex());
    await world.until(orderId, 'SETTLED');
    const { merchantAmount, commissionAmount } = settlementSplit(terms);
    await world.eventually(async () => (await delta()).courier === 0n, 'the courier has its deposit back');
    expect(await delta()).toEqual({ buyer: -BigInt(terms.price), merchant: merchantAmount, courier: 0n, platform: commissionAmount });
  });

  it('pays out an auto-confirmed order', async () => {
    const { orderId, terms } = await world.delivered({ confirmationMs: short });
    await sleep(pastShort);
    await world.driver.submit('platform', 'AutoConfirm', orderId);
    await world.until(orderId, 'SETTLED');
    expect((await delta()).merchant).toBe(settlementSplit(terms).merchantAmount);
  });

  it('answers a challenge with proof when the merchant’s bank was down past the settlement deadline', async () => {
    const { orderId, terms } = await world.delivered({ settlementMs: short });
    await world.stopBridge('BankBMSP');
    await world.driver.submit('buyer', 'Confirm', orderId);
    await sleep(pastShort);
    await world.driver.submit('merchant', 'Challenge', orderId);
    await world.startBridge('BankBMSP');
    await world.until(orderId, 'SETTLED');
    expect((await delta()).merchant).toBe(settlementSplit(terms).merchantAmount);
  });

  it('compensates the merchant, with a penalty its bank’s reserve pays, when the bank never proves settlement', async () => {
    const { orderId, terms } = await world.delivered({ settlementMs: short, proofMs: short });
    const reserveBefore = await world.ledger.balanceOf('reserve-BankBMSP');
    await world.stopBridge('BankBMSP');
    await world.driver.submit('buyer', 'Confirm', orderId);
    await sleep(pastShort);
    await world.driver.submit('merchant', 'Challenge', orderId);
    await sleep(pastShort);
    await world.driver.submit('merchant', 'Compensate', orderId);
    await world.startBridge('BankBMSP');
    await world.until(orderId, 'COMPENSATED');
    const { merchantAmount, commissionAmount } = settlementSplit(terms);
    const penaltyBps = BigInt((await world.driver.order(orderId)).penaltyBps!);
    const penalty = (BigInt(terms.price) * penaltyBps) / 10_000n;
    expect(penalty).toBeGreaterThan(0n);
    await world.eventually(async () => (await delta()).merchant === merchantAmount + penalty, 'the merchant is compensated');
    // The buyer is charged the price once; the bank that failed to prove settlement pays the penalty.
    expect(await delta()).toEqual({
      buyer: -BigInt(terms.price),
      merchant: merchantAmount + penalty,
      courier: 0n,
      platform: commissionAmount,
    });
    expect(await world.ledger.balanceOf('reserve-BankBMSP')).toBe(reserveBefore - penalty);
  });

  it('keeps reading events after its bank’s peer goes away and comes back', async () => {
    const layout = networkLayout();
    const bankB = layout.network.orgs.find((o) => o.mspId === 'BankBMSP')!;
    await new ProcessTable(layout.pidDir).stop(peerProcessName(bankB));
    await sleep(2_000);
    await up(layout.network); // restarts the stopped peer, touches nothing else
    const { orderId, terms } = await world.delivered();
    await world.driver.submit('buyer', 'Confirm', orderId);
    await world.until(orderId, 'SETTLED');
    expect((await delta()).merchant).toBe(settlementSplit(terms).merchantAmount);
  });
});
