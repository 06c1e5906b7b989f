import { settlementSplit } from '@securepay/client';
import { connectGateway, orgAdmin, publicTransactions, type PublicTransaction } from '@securepay/network';
import { EscrowDriver, sha256Hex } from './escrow-driver';
import { connectionOf, searchableBytes } from './fixtures';

/**
 * After real orders have gone through every path, read the whole channel from block 0, as any
 * channel member can, and look for what must never be public: prices, wallet ids, enrolled user
 * names, product ids, salts.
 */
describe('privacy of the public channel', () => {
  let driver: EscrowDriver;
  const secrets: string[] = [];
  /** What a settlement receipt names: the merchant's amount and the platform's commission. */
  const settledAmounts: string[] = [];
  let lastBlock = 0n;

  beforeAll(async () => {
    driver = await EscrowDriver.create();
    const track = (terms: { productId: string; salt: string }): void => void secrets.push(terms.productId, terms.salt);

    const settled = await driver.delivered();
    track(settled.terms);
    await driver.submit('buyer', 'Confirm', settled.orderId);
    await driver.recordSettlement('bankB', settled.orderId, JSON.stringify(driver.receipt(settled.orderId, settled.terms)));
    const split = settlementSplit(settled.terms);
    settledAmounts.push(split.merchantAmount.toString(), split.commissionAmount.toString());

    const disputed = await driver.disputed();
    track(disputed.terms);
    await driver.submit('bankA', 'RecordDeposit', disputed.orderId, 'buyer', 'lock-b');
    await driver.submit('bankB', 'RecordDeposit', disputed.orderId, 'courier', 'lock-c');
    await driver.submit('platform', 'ResolveDispute', disputed.orderId, 'courier', sha256Hex());

    const rejected = await driver.propose();
    track(rejected.terms);
    const submitted = await driver.parties.merchant.contract.submitAsync('Reject', { arguments: [rejected.orderId, 'no stock'] });
    lastBlock = (await submitted.getStatus()).blockNumber;
    secrets.push(...driver.prices, ...driver.wallets, ...driver.enrollmentIds);
  });
  afterAll(() => driver?.close());

  it('keeps every price, wallet id, user name, product id and salt out of all public writes and events', async () => {
    const bankA = connectionOf('BankAMSP');
    const reader = connectGateway(bankA, orgAdmin(bankA));
    const transactions: PublicTransaction[] = [];
    const wholeBlocks: Buffer[] = [];
    try {
      const blocks = await reader.gateway.getNetwork(bankA.channel).getBlockEvents({ startBlock: 0n });
      for await (const block of blocks) {
        transactions.push(...publicTransactions(block));
        wholeBlocks.push(searchableBytes(Buffer.from(block.serializeBinary())));
        if (BigInt(block.getHeader()!.getNumber()) >= lastBlock) break;
      }
      blocks.close();
    } finally {
      reader.close();
    }

    const escrowWrites = transactions.flatMap((t) => t.writes).filter((w) => w.namespace === 'securepay');
    const events = transactions.flatMap((t) => t.events);
    expect(escrowWrites.length).toBeGreaterThan(20);
    expect(events.filter((e) => e.name === 'OrdersChanged').length).toBeGreaterThan(10);
    expect(secrets.length).toBeGreaterThan(15);

    for (const secret of secrets) {
      for (const write of escrowWrites) expect(`${write.key} = ${write.value.toString('utf8')}`).not.toContain(secret);
      for (const event of events) expect(event.payload.toString('utf8')).not.toContain(secret);
    }
    // Prices, the amounts a settlement receipt names, and every wallet id appear in no block at all,
    // arguments, headers and certificates included: only the terms' and the receipt's hashes are
    // public, and a certificate commits to its holder's wallet without naming it. (Enrollment ids do
    // appear, in the creators' certificates: random pseudonyms, `<role>-<uuid>` here, `u-<uuid>` from
    // the API.)
    expect(settledAmounts.every((a) => a.length >= 9)).toBe(true);
    expect(driver.wallets.length).toBeGreaterThanOrEqual(4);
    for (const secret of [...driver.prices, ...settledAmounts, ...driver.wallets])
      for (const block of wholeBlocks) expect(block.includes(Buffer.from(secret))).toBe(false);
    for (const id of driver.enrollmentIds) expect(id).toMatch(/^(buyer|merchant|courier)-[0-9a-f-]{36}$/);
    // The search sees inside certificates: the enrollment ids are found there, and so are the
    // attributes beside where a wallet id used to be (the buyer's pseudonymous partyId).
    expect(wholeBlocks.some((b) => b.includes(Buffer.from(driver.enrollmentIds[0]!)))).toBe(true);
    expect(wholeBlocks.some((b) => b.includes(Buffer.from(`"partyId":"${driver.parties.buyer.partyId!}"`)))).toBe(true);
  });
});
