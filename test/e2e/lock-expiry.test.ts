import { settlementSplit, type OrderTerms } from '@securepay/client';
import { chainHeight } from '@securepay/network';
import { sha256Hex, sleep, type Party } from './escrow-driver';
import { MoneyWorld, platformWallet } from './money';

/**
 * Nothing stays locked for ever, and nothing is given back twice. The central bank's escrow agent
 * sweeps (every second in this world) for locks past their expiry: an escrow lock whose order never
 * reached the chain goes back to the buyer once `escrow_orphan_after` has passed; a lock whose order
 * is on the chain follows the chain's decisions alone, however old; and an order proposed after its
 * lock went back is rejected by the banks, so the buyer is never both refunded and charged.
 */
const orphanAfterMs = 3_000;

interface Transfer {
  id: string;
  kind: string;
  purpose: string;
  decision_tx: string | null;
}

describe('escrow locks whose order never reaches the chain', () => {
  let world: MoneyWorld;
  /** Each test's own buyer (at BankA), so that no other test's lock, given back late or never, touches its wallet. */
  let buyer: Party;

  beforeAll(async () => {
    world = await MoneyWorld.create();
    // `escrow_orphan_after` is the central bank's own setting for its ledger (default 10 minutes).
    // This is the test's throw-away database, on which the test stands in for the central bank's
    // operators: a few seconds lets the sweeper's deadline pass within the test.
    const { rowCount } = await world.db.owner.query(`update ledger.settings set value = $1 where name = 'escrow_orphan_after'`, [
      `${orphanAfterMs / 1000} seconds`,
    ]);
    expect(rowCount).toBe(1);
  });
  beforeEach(async () => {
    buyer = await world.newCustomer('BankAMSP', 'buyer');
  });
  afterEach(async () => {
    expect(await world.ledger.checkInvariant()).toMatchObject({ ok: true });
  });
  afterAll(async () => world?.close());

  const buyerAvailable = (): Promise<bigint> => world.available(buyer.wallet!);
  /** The price locked from this test's buyer, for an order not (yet) proposed. */
  const locked = (): Promise<{ orderId: string; terms: OrderTerms }> => world.lockedOnly(undefined, { buyer });
  /** This test's buyer proposes the order of its lock; the world's merchant and courier (BankB) are named. */
  const propose = (order: { orderId: string; terms: OrderTerms }): Promise<{ orderId: string; terms: OrderTerms }> =>
    world.driver.proposeTerms(order.orderId, order.terms, {}, 'buyer', { buyer });
  const statusOf = async (orderId: string): Promise<string> => (await world.ledger.escrowOf(orderId)).status;
  /** Every row of the order's money in the ledger's own table, as the database owner reads it. */
  const transfersOf = async (orderId: string): Promise<Transfer[]> =>
    (
      await world.db.owner.query<Transfer>(
        'select id, kind, purpose, decision_tx from ledger.transfers where order_id = $1 order by id collate "C"',
        [orderId],
      )
    ).rows;
  const untilVoided = (orderId: string): Promise<void> =>
    world.eventually(async () => (await statusOf(orderId)) === 'voided', `the sweeper gives back the lock of ${orderId}`, 30_000);
  /** A lock of the stranger's (another buyer), never proposed: once it is voided, the sweeper has swept past its expiry. */
  const orphanOfStranger = (): Promise<{ orderId: string; terms: OrderTerms }> =>
    world.lockedOnly(undefined, { buyer: world.driver.parties.stranger });

  it('gives an orphaned lock back to the buyer once escrow_orphan_after has passed, and a second sweep changes nothing', async () => {
    const before = await buyerAvailable();
    const lockedAt = Date.now();
    const { orderId, terms } = await locked();
    const price = BigInt(terms.price);
    expect(await buyerAvailable()).toBe(before - price);
    expect(await statusOf(orderId)).toBe('locked');
    // The chain never heard of it.
    await expect(world.driver.order(orderId)).rejects.toThrow();

    await untilVoided(orderId);
    expect(Date.now() - lockedAt).toBeGreaterThanOrEqual(orphanAfterMs);
    expect(await buyerAvailable()).toBe(before);
    const transfers = await transfersOf(orderId);
    // Both legs (merchant and commission) locked, and both given back by the orphan sweep, nothing else.
    expect(transfers.map((t) => [t.kind, t.purpose])).toEqual([
      ['pending', 'escrow:commission'],
      ['void', 'escrow:commission'],
      ['pending', 'escrow:merchant'],
      ['void', 'escrow:merchant'],
    ]);
    for (const t of transfers.filter((row) => row.kind === 'void')) expect(t.decision_tx).toMatch(/^orphan@\d+$/);

    // Another orphan, locked after the first was given back, given back in turn: the sweeper has swept again since.
    const later = await orphanOfStranger();
    await untilVoided(later.orderId);
    expect(await transfersOf(orderId)).toEqual(transfers);
    expect(await buyerAvailable()).toBe(before);

    // The escrow agent asking again, under a fresh key, as a sweep would: nothing is left to give back.
    const height = await chainHeight(world.driver.parties.platform.network);
    expect(await world.db.escrowAgent.voidOrphanedEscrow(`orphan-again.${orderId}`, orderId, height)).toMatchObject({ voidedLegs: 0 });
    expect(await transfersOf(orderId)).toEqual(transfers);
    expect(await buyerAvailable()).toBe(before);
  });

  it('leaves alone a lock whose order reached the chain, however old, and settles it when the order is confirmed', async () => {
    const merchantWallet = world.wallet('merchant');
    const before = {
      buyer: await buyerAvailable(),
      merchant: await world.available(merchantWallet),
      platform: await world.available(platformWallet),
    };
    const proposed = await propose(await locked()); // on the chain, approved by the banks alone
    const approved = await propose(await locked());
    await world.driver.submit('platform', 'Approve', approved.orderId);
    await world.driver.submit('merchant', 'Approve', approved.orderId);
    await world.until(approved.orderId, 'ESCROWED'); // approved by all four
    const orphan = await orphanOfStranger(); // locked after both, never proposed
    const price = (order: { terms: OrderTerms }): bigint => BigInt(order.terms.price);

    // The sweeper has swept past the orphan's expiry, so past the two older locks' too; and again, twice.
    await untilVoided(orphan.orderId);
    await sleep(2_500);
    expect([await statusOf(proposed.orderId), await statusOf(approved.orderId)]).toEqual(['locked', 'locked']);
    expect((await world.driver.order(proposed.orderId)).state).toBe('PROPOSED');
    expect(await buyerAvailable()).toBe(before.buyer - price(proposed) - price(approved));

    await world.driver.submit('platform', 'Approve', proposed.orderId);
    await world.driver.submit('merchant', 'Approve', proposed.orderId);
    await world.until(proposed.orderId, 'ESCROWED');
    for (const { orderId } of [proposed, approved]) {
      await world.driver.submit('merchant', 'Ship', orderId, '');
      await world.driver.submit('courier', 'Deliver', orderId, sha256Hex());
      await world.driver.submitAs(buyer, 'Confirm', orderId);
      await world.until(orderId, 'SETTLED');
    }
    expect([await statusOf(proposed.orderId), await statusOf(approved.orderId)]).toEqual(['posted', 'posted']);
    const split = [proposed, approved].map((o) => settlementSplit(o.terms));
    expect({
      buyer: (await buyerAvailable()) - before.buyer,
      merchant: (await world.available(merchantWallet)) - before.merchant,
      platform: (await world.available(platformWallet)) - before.platform,
    }).toEqual({
      buyer: -price(proposed) - price(approved),
      merchant: split[0]!.merchantAmount + split[1]!.merchantAmount,
      platform: split[0]!.commissionAmount + split[1]!.commissionAmount,
    });
  });

  it('leaves alone the lock of an order on the chain whose proposal two orgs alone endorsed, while its banks are down past the window', async () => {
    // The chaincode's policy is the platform and one bank: a proposal the gateway had endorsed by the
    // platform and the buyer's bank alone commits VALID, and the order is on the chain. (Every later
    // step needs all three: the order's own state-based policy.)
    const before = await buyerAvailable();
    const order = await locked();
    const { orderId, terms } = order;
    const { merchant, courier } = world.driver.parties;
    await world.stopBridge('BankAMSP');
    await world.stopBridge('BankBMSP');
    try {
      await world.driver.submitProposal(() =>
        buyer.contract.newProposal('Propose', {
          arguments: [
            JSON.stringify({
              orderId,
              merchant: { mspId: 'BankBMSP', partyId: merchant.partyId },
              courier: { mspId: 'BankBMSP', partyId: courier.partyId },
              windows: {},
            }),
          ],
          transientData: { terms: JSON.stringify(terms) },
          endorsingOrganizations: ['PlatformMSP', 'BankAMSP'],
        }),
      );
      expect((await world.driver.order(orderId)).state).toBe('PROPOSED');

      // An orphan locked after it, given back: the sweeper has swept past this lock's expiry; and twice more.
      const orphan = await orphanOfStranger();
      await untilVoided(orphan.orderId);
      await sleep(2_500);
      expect(await statusOf(orderId)).toBe('locked');
      expect(await buyerAvailable()).toBe(before - BigInt(terms.price));
    } finally {
      await world.startBridge('BankAMSP');
      await world.startBridge('BankBMSP');
    }

    // The banks, back, approve; so do the platform and the merchant; the order settles from the lock.
    await world.driver.submit('platform', 'Approve', orderId);
    await world.driver.submit('merchant', 'Approve', orderId);
    await world.until(orderId, 'ESCROWED');
    await world.driver.submit('merchant', 'Ship', orderId, '');
    await world.driver.submit('courier', 'Deliver', orderId, sha256Hex());
    await world.driver.submitAs(buyer, 'Confirm', orderId);
    await world.until(orderId, 'SETTLED');
    expect(await statusOf(orderId)).toBe('posted');
    expect(await buyerAvailable()).toBe(before - BigInt(terms.price));
  });

  it('rejects an order proposed after its lock went back as an orphan: the buyer is never both refunded and charged', async () => {
    const merchantWallet = world.wallet('merchant');
    const before = {
      buyer: await buyerAvailable(),
      merchant: await world.available(merchantWallet),
      platform: await world.available(platformWallet),
    };
    const order = await locked();
    const { orderId } = order;
    expect(await buyerAvailable()).toBe(before.buyer - BigInt(order.terms.price));
    await untilVoided(orderId);
    expect(await buyerAvailable()).toBe(before.buyer);

    // The proposal reaches the chain late: the banks find no lock and reject it.
    await propose(order);
    const rejected = await world.until(orderId, 'REJECTED');
    const rejections = Object.values(rejected.approvals).filter((a) => a.decision === 'rejected');
    expect(rejections).toEqual([expect.objectContaining({ reason: expect.stringContaining('the escrow lock is voided') })]);
    // The escrow agent has proved the rejection too (it voids what is left to void: nothing).
    await world.eventually(
      async () =>
        (await world.db.owner.query<{ state: string }>('select state from ledger.chain_orders where order_id = $1', [orderId])).rows[0]
          ?.state === 'REJECTED',
      'the escrow agent records the rejection',
    );

    expect(await statusOf(orderId)).toBe('voided');
    expect((await transfersOf(orderId)).map((t) => t.kind)).toEqual(['pending', 'void', 'pending', 'void']);
    expect({
      buyer: await buyerAvailable(),
      merchant: await world.available(merchantWallet),
      platform: await world.available(platformWallet),
    }).toEqual(before);
    expect(await world.ledger.ordersWithPending()).not.toContain(orderId);
  });
});
