import { ContractRefusal } from '@securepay/client';
import type { TimelineStep } from './order-view';
import { clockBoundMs, committedStep, recovering, stepsSince } from './step-recovery';
import type { Caller, PlatformUser } from './user-registry';

const merchant: PlatformUser = {
  userId: 'u-1',
  role: 'merchant',
  bank: 'BankBMSP',
  displayName: 'M',
  partyId: 'pmerchant',
  wallet: 'w-m',
  custody: 'platform',
};
const asMerchant: Caller = { kind: 'user', scope: 'user:u-1', user: merchant };
const platform: Caller = { kind: 'platform', scope: 'platform' };
const at = (ms: number): string => new Date(ms).toISOString();
const step = (action: string, to: string, ms: number, by: TimelineStep['by'], txId = `tx-${action}-${ms}`): TimelineStep => ({
  action,
  from: 'PROPOSED',
  to,
  at: at(ms),
  txId,
  blockNumber: '12',
  by,
});
const order = {
  orderId: 'o-1',
  timeline: [
    step('propose', 'PROPOSED', 1_000, { role: 'buyer', mspId: 'BankAMSP', partyId: 'pbuyer' }),
    step('approve', 'PROPOSED', 2_000, { role: 'platform', mspId: 'PlatformMSP' }),
    step('approve', 'ESCROWED', 3_000, { role: 'merchant', mspId: 'BankBMSP', partyId: 'pmerchant' }),
  ],
};

describe('committedStep', () => {
  it("finds the caller's own step since the request came in, as the answer the first attempt would have given", () => {
    expect(committedStep(order, asMerchant, 'approve', 2_500)).toEqual({
      orderId: 'o-1',
      state: 'ESCROWED',
      txId: 'tx-approve-3000',
      blockNumber: '12',
    });
    expect(committedStep(order, platform, 'approve', 1_500)).toMatchObject({ txId: 'tx-approve-2000', state: 'PROPOSED' });
  });

  it("is nothing for another party's step, another action, or a step taken before the request", () => {
    const stranger: Caller = { kind: 'user', scope: 'user:u-2', user: { ...merchant, userId: 'u-2', partyId: 'pother' } };
    expect(committedStep(order, stranger, 'approve', 0)).toBeUndefined();
    expect(committedStep(order, asMerchant, 'ship', 0)).toBeUndefined();
    expect(committedStep(order, asMerchant, 'approve', 3_001)).toBeUndefined();
  });

  it("a retry looks back to its key's first attempt, less the chain's clock bound; a first attempt only to itself", () => {
    expect(stepsSince({ receivedAt: 50_000 })).toBe(50_000);
    expect(stepsSince({ receivedAt: 50_000, retriedSince: new Date(40_000) })).toBe(40_000 - clockBoundMs);
  });
});

describe('recovering', () => {
  const view = async () => order;

  it('answers a refusal as already done with the step this request committed', async () => {
    const refused = () => Promise.reject(new ContractRefusal('ALREADY_DONE', 'merchant already decided'));
    await expect(recovering(refused, { view, caller: asMerchant, action: 'approve', since: 2_500 })).resolves.toMatchObject({
      state: 'ESCROWED',
    });
    // Its signed intent sent again, after the first batch carrying it committed unheard.
    const replayed = () => Promise.reject(new ContractRefusal('REPLAYED', 'nonce used before'));
    await expect(recovering(replayed, { view, caller: asMerchant, action: 'approve', since: 2_500 })).resolves.toMatchObject({
      state: 'ESCROWED',
    });
  });

  it('keeps the refusal when the step is not its own, and any other refusal or failure as it is', async () => {
    const done = new ContractRefusal('ALREADY_DONE', 'merchant already decided');
    await expect(recovering(() => Promise.reject(done), { view, caller: asMerchant, action: 'approve', since: 9_000 })).rejects.toBe(done);
    const wrongParty = new ContractRefusal('WRONG_PARTY', 'not yours');
    await expect(recovering(() => Promise.reject(wrongParty), { view, caller: asMerchant, action: 'approve', since: 0 })).rejects.toBe(
      wrongParty,
    );
    const failure = new Error('boom');
    await expect(recovering(() => Promise.reject(failure), { view, caller: asMerchant, action: 'approve', since: 0 })).rejects.toBe(
      failure,
    );
  });
});
