import { ContractRefusal, EscrowClient, NotYet, type Order } from '@securepay/client';
import { endorseRefusal, fakeContract, type Outcome } from '@securepay/client/src/fake-contract';
import { canonicalJson } from '@securepay/chaincode/src/canonical-json';
import { orderIn, signedReceipt, terms } from '@securepay/chaincode/src/order/test-fixtures';
import { LedgerError, type CbdcLedger } from '@securepay/ledger';
import pino from 'pino';
import { BankDuties } from './bank-duties';
import { BankSteps } from './bank-steps';
import { BridgeMetrics } from './metrics';
import type { OrderJob } from './order-job';

/**
 * A refusal of one order inside a batch must be judged as the single call's refusal was: these run
 * the duties against a fake chain whose batch refuses the order, and a ledger that has what they need.
 */
const log = pino({ enabled: false });
const txId = 'ab'.repeat(32);
const refusedBatch = (orderId: string, code: string): Outcome => ({
  error: endorseRefusal('BAD_ARGUMENT', `no order in the batch could be done: ${JSON.stringify([{ orderId, code, reason: code }])}`),
});

const disputed = ((): Order => {
  const order = orderIn('DISPUTED', { deposits: false });
  return { ...order, dispute: { ...order.dispute!, depositBy: Date.now() + 60_000 } };
})();
const confirmed = orderIn('CONFIRMED');
const receipt = signedReceipt(confirmed);

const ledger = {
  depositOf: async () => ({ status: 'locked', lockRef: 'lock-b', amount: terms.price }),
  receiptOf: async () => receipt,
} as unknown as CbdcLedger;

/** Duties for BankAMSP (the buyer's) or BankBMSP (the merchant's), on a chain that reads `orders` in turn. */
function duties(bank: string, outcomes: Outcome[], orders: Order[], books: CbdcLedger = ledger) {
  const states = [...orders];
  const fake = fakeContract(outcomes, (name) => {
    if (name === 'GetOrderTerms') return canonicalJson(terms);
    return canonicalJson(states.length > 1 ? states.shift()! : states[0]!);
  });
  const escrow = new EscrowClient(fake.contract, { attempts: 1 });
  const steps = new BankSteps(escrow, log, new BridgeMetrics(), { windowMs: 1, maxOrders: 10 });
  return { duties: new BankDuties({ bank, platformWallet: 'platform-fees' }, books, escrow, steps, log), calls: fake.calls };
}
const job = (order: Order, to: string, depositOf?: 'buyer'): OrderJob => ({
  change: { orderId: order.orderId, action: 'x', from: null, to, buyerBank: 'BankAMSP', merchantBank: 'BankBMSP', courierBank: 'BankCMSP' },
  txId,
  readAt: 0,
  ...(depositOf ? { depositOf } : {}),
});

describe('BankDuties with batched steps', () => {
  it('records a deposit through ActBatch', async () => {
    const result = JSON.stringify({ done: [{ orderId: disputed.orderId, state: 'DISPUTED' }], refused: [] });
    const { duties: bankA, calls } = duties('BankAMSP', [{ result }], [disputed]);
    expect(await bankA.handle(job(disputed, 'DISPUTED', 'buyer'))).toBe("recorded the buyer's deposit");
    expect(calls.filter((c) => c.name === 'ActBatch').map((c) => c.args[0])).toEqual([
      JSON.stringify([{ orderId: disputed.orderId, step: { type: 'recordDeposit', party: 'buyer', lockRef: 'lock-b' } }]),
    ]);
  });

  it.each(['ALREADY_DONE', 'WRONG_STATE', 'DEADLINE_PASSED'])('counts a deposit refused %s in its batch as nothing to do', async (code) => {
    const { duties: bankA } = duties('BankAMSP', [refusedBatch(disputed.orderId, code)], [disputed]);
    expect(await bankA.handle(job(disputed, 'DISPUTED', 'buyer'))).toBe(`nothing: ${code}`);
  });

  it('fails the deposit job on any other refusal, for it to be retried', async () => {
    const { duties: bankA } = duties('BankAMSP', [refusedBatch(disputed.orderId, 'WRONG_PARTY')], [disputed]);
    await expect(bankA.handle(job(disputed, 'DISPUTED', 'buyer'))).rejects.toMatchObject({ code: 'WRONG_PARTY' });
  });

  it('counts a refused settlement receipt as recorded when the order has been settled meanwhile', async () => {
    const { duties: bankB, calls } = duties('BankBMSP', [refusedBatch(confirmed.orderId, 'WRONG_STATE')], [confirmed, orderIn('SETTLED')]);
    expect(await bankB.handle(job(confirmed, 'CONFIRMED'))).toBe("recorded the ledger's settlement receipt");
    expect(JSON.parse(calls.find((c) => c.name === 'ActBatch')!.transient.receipts!)).toEqual({ [confirmed.orderId]: receipt });
  });

  it('fails the settlement job when the receipt is refused and the order is not settled', async () => {
    const { duties: bankB } = duties('BankBMSP', [refusedBatch(confirmed.orderId, 'INVALID_PROOF')], [confirmed]);
    const error = await bankB.handle(job(confirmed, 'CONFIRMED')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContractRefusal);
    expect(error).toMatchObject({ code: 'INVALID_PROOF' });
  });

  it('asks again soon, sending nothing, while the escrow agent has not seen the order (NOT_SEEN)', async () => {
    const behind = { receiptOf: async () => Promise.reject(new LedgerError('NOT_SEEN', 'not yet')) } as unknown as CbdcLedger;
    const { duties: bankB, calls } = duties('BankBMSP', [], [confirmed], behind);
    await expect(bankB.handle(job(confirmed, 'CONFIRMED'))).rejects.toBeInstanceOf(NotYet);
    expect(calls.filter((c) => c.name === 'ActBatch')).toEqual([]);
  });
});
