import { randomUUID } from 'node:crypto';
import { EscrowDriver, refusal } from './escrow-driver';

/** Bad input gets a clear error from the peers and changes nothing. */
describe('bad input to the escrow contract', () => {
  let driver: EscrowDriver;
  beforeAll(async () => {
    driver = await EscrowDriver.create();
  });
  afterAll(() => driver?.close());

  const proposalFor = (orderId: string) =>
    JSON.stringify({ orderId, merchant: { mspId: 'BankBMSP', partyId: driver.parties.merchant.partyId } });
  const propose = (proposal: string, terms?: unknown) =>
    driver.parties.buyer.contract.submit('Propose', {
      arguments: [proposal],
      transientData: terms === undefined ? {} : { terms: typeof terms === 'string' ? terms : JSON.stringify(terms) },
    });

  it.each([
    ['terms missing from the transient map', undefined, /BAD_ARGUMENT: the terms must travel in the transient map/],
    ['terms that are not JSON', '{price', /BAD_ARGUMENT: invalid terms: not JSON/],
    ['a negative price', { price: '-5' }, /BAD_ARGUMENT: invalid terms: .*price/],
    ['a fractional price', { price: '10.50' }, /BAD_ARGUMENT: invalid terms: .*price/],
    ['a price given as a JSON number', { price: 1050 }, /BAD_ARGUMENT: invalid terms: .*price/],
    ['a price beyond 10^18', { price: '1000000000000000000' }, /BAD_ARGUMENT: invalid terms: .*price/],
    ['a commission over 100 %', { commissionBps: 10_001 }, /BAD_ARGUMENT: invalid terms: .*commissionBps/],
    ['an unknown field', { discount: '5' }, /BAD_ARGUMENT: invalid terms: .*discount/],
  ])('refuses a proposal with %s', async (_, change, reason) => {
    const orderId = `o-${randomUUID()}`;
    const terms = change === undefined || typeof change === 'string' ? change : { ...driver.newTerms(), ...change };
    expect(await refusal(propose(proposalFor(orderId), terms))).toMatch(reason);
    expect(await refusal(driver.order(orderId))).toMatch(/NOT_FOUND/);
  });

  it.each([
    ['not JSON', 'orderId=1', /BAD_ARGUMENT: invalid proposal: not JSON/],
    [
      'an order id with spaces',
      JSON.stringify({ orderId: 'an order', merchant: { mspId: 'BankBMSP', partyId: 'x' } }),
      /BAD_ARGUMENT: invalid proposal: .*orderId/,
    ],
    ['no merchant', JSON.stringify({ orderId: 'o-no-merchant' }), /BAD_ARGUMENT: invalid proposal: .*merchant/],
    [
      'a window of 5 ms',
      JSON.stringify({ orderId: 'o-short', merchant: { mspId: 'BankBMSP', partyId: 'x' }, windows: { approvalMs: 5 } }),
      /BAD_ARGUMENT: invalid proposal: .*approvalMs/,
    ],
  ])('refuses a proposal that is %s', async (_, proposal, reason) => {
    expect(await refusal(propose(proposal, driver.newTerms()))).toMatch(reason);
  });

  it('refuses a replayed proposal: the order id is taken, the first order unchanged', async () => {
    const { orderId } = await driver.propose();
    const before = await driver.order(orderId);
    expect(await refusal(propose(proposalFor(orderId), driver.newTerms()))).toMatch(/ALREADY_EXISTS/);
    expect(await driver.order(orderId)).toEqual(before);
  });

  it('names unknown orders and malformed arguments', async () => {
    expect(await refusal(driver.submit('platform', 'Approve', 'o-does-not-exist'))).toMatch(
      /NOT_FOUND: order o-does-not-exist does not exist/,
    );
    expect(await refusal(driver.submit('platform', 'Approve', '../../etc'))).toMatch(/BAD_ARGUMENT: an order id/);
    expect(await refusal(driver.submit('bankA', 'RecordDeposit', 'o-x', 'merchant', 'lock'))).toMatch(/BAD_ARGUMENT: party must be/);
    expect(await refusal(driver.submit('platform', 'ResolveDispute', 'o-x', 'platform', 'e'.repeat(64)))).toMatch(
      /BAD_ARGUMENT: the winner must be/,
    );
    expect(await refusal(driver.submit('bankA', 'RegisterLedgerKey', 'not a key'))).toMatch(
      /BAD_ARGUMENT: the ledger key must be a PEM public key/,
    );
    expect(await refusal(driver.submit('platform', 'ApproveBatch', '[]'))).toMatch(/BAD_ARGUMENT: invalid order ids/);
    expect(await refusal(driver.submit('platform', 'ApproveBatch', '["a","a"]'))).toMatch(/BAD_ARGUMENT: the order ids must not repeat/);
  });
});
