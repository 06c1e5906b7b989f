import { ContractRefusal, EscrowClient, NotYet, type Order } from '@securepay/client';
import { endorseRefusal, fakeContract, type Outcome } from '@securepay/client/src/fake-contract';
import { canonicalJson } from '@securepay/chaincode/src/canonical-json';
import { orderIn, signedReceipt, terms } from '@securepay/chaincode/src/order/test-fixtures';
import { LedgerError, type CbdcLedger } from '@securepay/ledger';
import pino from 'pino';
import { BankDuties } from './bank-duties';
import { BankSteps } from './bank-steps';
import { BridgeMetrics } from './metrics';
import type { Duty } from './order-job';

/**
 * A refusal of one order inside a batch must be judged as the single call's refusal was: these run
 * the duties against a fake chain whose batch refuses the order, and a ledger that has what they need.
 */
const log = pino({ enabled: false });
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
  receiptsOf: async (orderIds: string[]) => new Map(orderIds.map((id) => [id, receipt])),
} as unknown as CbdcLedger;

/** Duties for BankAMSP (the buyer's) or BankBMSP (the merchant's), on a chain that reads `orders` in turn. */
function duties(bank: string, outcomes: Outcome[], orders: Order[], books: CbdcLedger = ledger) {
  const states = [...orders];
  const next = (): Order => (states.length > 1 ? states.shift()! : states[0]!);
  const fake = fakeContract(outcomes, (name, args) => {
    if (name !== 'GetOrdersWithTerms') return canonicalJson(next());
    const order = next();
    return canonicalJson({ orders: (JSON.parse(args[0]!) as string[]).map((orderId) => ({ orderId, order, terms })) });
  });
  const escrow = new EscrowClient(fake.contract, { attempts: 1 });
  const steps = new BankSteps(escrow, log, new BridgeMetrics(), { windowMs: 1, maxOrders: 10 });
  const bankDuties = new BankDuties({ bank, platformWallet: 'platform-fees' }, books, escrow, steps, log);
  /** Does one duty; its outcome as the job would see it: what it did, or what it threw. */
  const handle = async (duty: Duty, readAt = Date.now()): Promise<string> => {
    const [outcome] = await bankDuties.perform([duty], readAt);
    if (!outcome!.ok) throw outcome!.error;
    return outcome!.value;
  };
  return { duties: { handle }, calls: fake.calls };
}
const job = (order: Order, to: string, kind: Duty['kind']): Duty => ({
  change: { orderId: order.orderId, action: 'x', from: null, to, buyerBank: 'BankAMSP', merchantBank: 'BankBMSP', courierBank: 'BankCMSP' },
  kind,
});

/** BankAMSP's duties, reading the orders `orderOf` gives from a fake peer and their locks from `books`. */
function bankAReading(books: CbdcLedger, orderOf: (orderId: string) => Order | undefined, outcomes: Outcome[] = []) {
  const fake = fakeContract(outcomes, (_name, args) =>
    canonicalJson({ orders: (JSON.parse(args[0]!) as string[]).map((orderId) => ({ orderId, order: orderOf(orderId), terms })) }),
  );
  const escrow = new EscrowClient(fake.contract, { attempts: 1 });
  const steps = new BankSteps(escrow, log, new BridgeMetrics(), { windowMs: 5, maxOrders: 10 });
  return { bankA: new BankDuties({ bank: 'BankAMSP', platformWallet: 'platform-fees' }, books, escrow, steps, log), calls: fake.calls };
}

describe('BankDuties with batched steps', () => {
  it('records a deposit through ActBatch', async () => {
    const result = JSON.stringify({ done: [{ orderId: disputed.orderId, state: 'DISPUTED' }], refused: [] });
    const { duties: bankA, calls } = duties('BankAMSP', [{ result }], [disputed]);
    expect(await bankA.handle(job(disputed, 'DISPUTED', 'deposit-buyer'))).toBe("recorded the buyer's deposit");
    expect(calls.filter((c) => c.name === 'ActBatch').map((c) => c.args[0])).toEqual([
      JSON.stringify([{ orderId: disputed.orderId, step: { type: 'recordDeposit', party: 'buyer', lockRef: 'lock-b' } }]),
    ]);
  });

  it.each(['ALREADY_DONE', 'WRONG_STATE', 'DEADLINE_PASSED'])('counts a deposit refused %s in its batch as nothing to do', async (code) => {
    const { duties: bankA } = duties('BankAMSP', [refusedBatch(disputed.orderId, code)], [disputed]);
    expect(await bankA.handle(job(disputed, 'DISPUTED', 'deposit-buyer'))).toBe(`nothing: ${code}`);
  });

  it('fails the deposit job on any other refusal, for it to be retried', async () => {
    const { duties: bankA } = duties('BankAMSP', [refusedBatch(disputed.orderId, 'WRONG_PARTY')], [disputed]);
    await expect(bankA.handle(job(disputed, 'DISPUTED', 'deposit-buyer'))).rejects.toMatchObject({ code: 'WRONG_PARTY' });
  });

  it('counts a refused settlement receipt as recorded when the order has been settled meanwhile', async () => {
    const { duties: bankB, calls } = duties('BankBMSP', [refusedBatch(confirmed.orderId, 'WRONG_STATE')], [orderIn('SETTLED')]);
    expect(await bankB.handle(job(confirmed, 'CONFIRMED', 'recordSettlement'))).toBe("recorded the ledger's settlement receipt");
    expect(JSON.parse(calls.find((c) => c.name === 'ActBatch')!.transient.receipts!)).toEqual({ [confirmed.orderId]: receipt });
  });

  it('fails the settlement job when the receipt is refused and the order is not settled', async () => {
    const { duties: bankB } = duties('BankBMSP', [refusedBatch(confirmed.orderId, 'INVALID_PROOF')], [confirmed]);
    const error = await bankB.handle(job(confirmed, 'CONFIRMED', 'recordSettlement')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContractRefusal);
    expect(error).toMatchObject({ code: 'INVALID_PROOF' });
  });

  it('asks again soon, asking only the ledger and sending nothing, while the escrow agent has not seen the order', async () => {
    // The ledger leaves out of its answer an order the agent has not seen (NOT_SEEN, for one order).
    const behind = { receiptsOf: async () => new Map() } as unknown as CbdcLedger;
    const { duties: bankB, calls } = duties('BankBMSP', [], [confirmed], behind);
    await expect(bankB.handle(job(confirmed, 'CONFIRMED', 'recordSettlement'))).rejects.toBeInstanceOf(NotYet);
    expect(calls).toEqual([]);
  });

  it('after waiting a while without a receipt, asks the chain and stops waiting for an order no longer owed one', async () => {
    const behind = { receiptsOf: async (orderIds: string[]) => new Map(orderIds.map((id) => [id, null])) } as unknown as CbdcLedger;
    const { duties: bankB, calls } = duties('BankBMSP', [], [orderIn('COMPENSATED')], behind);
    expect(await bankB.handle(job(confirmed, 'CONFIRMED', 'recordSettlement'), Date.now() - 60_000)).toBe(
      'nothing: the order is COMPENSATED',
    );
    expect(calls.map((c) => c.name)).toEqual(['GetOrder']);
  });

  it('asks the ledger once for the receipts of every settlement in a job, and fails only those when it cannot answer', async () => {
    const asked: string[][] = [];
    const books = {
      receiptsOf: async (orderIds: string[]) => {
        asked.push(orderIds);
        return Promise.reject(new LedgerError('UNAUTHORISED', 'not this bank'));
      },
      depositOf: async () => ({ status: 'none' }),
    } as unknown as CbdcLedger;
    const fake = fakeContract([], (_name, args) =>
      canonicalJson({ orders: (JSON.parse(args[0]!) as string[]).map((orderId) => ({ orderId, order: disputed, terms })) }),
    );
    const escrow = new EscrowClient(fake.contract, { attempts: 1 });
    const steps = new BankSteps(escrow, log, new BridgeMetrics(), { windowMs: 1, maxOrders: 10 });
    const bankB = new BankDuties({ bank: 'BankBMSP', platformWallet: 'platform-fees' }, books, escrow, steps, log);
    const settle = (orderId: string): Duty => ({
      kind: 'recordSettlement',
      change: { ...job(confirmed, 'CONFIRMED', 'recordSettlement').change, orderId },
    });
    const outcomes = await bankB.perform([settle('o-1'), settle('o-2'), job(disputed, 'DISPUTED', 'deposit-courier')], Date.now());
    expect(asked).toEqual([['o-1', 'o-2']]);
    const codes = outcomes.map((o) => (o.ok ? o.value : o.error instanceof LedgerError ? o.error.code : (o.error as Error).name));
    // The courier's deposit is judged on its own: not locked yet, so it waits; it did not fail with them.
    expect(codes).toEqual(['UNAUTHORISED', 'UNAUTHORISED', 'NotYet']);
  });

  it('reads every order of a job from the peer in one call, and their locks from the ledger in one call', async () => {
    const proposed = orderIn('PROPOSED');
    const asked: string[][] = [];
    const locked = {
      escrowsOf: async (orderIds: string[]) => {
        asked.push(orderIds);
        // The ledger leaves out none it was asked for; a lock it does not answer for counts as none too.
        return new Map(orderIds.slice(1).map((id) => [id, { order: id, status: 'none' }]));
      },
    } as unknown as CbdcLedger;
    const result = JSON.stringify({ done: ['o-1', 'o-2', 'o-3'].map((orderId) => ({ orderId, state: 'REJECTED' })), refused: [] });
    const { bankA, calls } = bankAReading(locked, (orderId) => ({ ...proposed, orderId }), [{ result }]);
    const outcomes = await bankA.perform(
      ['o-1', 'o-2', 'o-3'].map((orderId) => job({ ...proposed, orderId }, 'PROPOSED', 'approve')),
      Date.now(),
    );
    expect(calls.filter((c) => c.name === 'GetOrdersWithTerms').map((c) => c.args[0])).toEqual([JSON.stringify(['o-1', 'o-2', 'o-3'])]);
    expect(asked).toEqual([['o-1', 'o-2', 'o-3']]);
    // No lock behind any of them: each is rejected, saying why, in one batch.
    expect(outcomes.map((o) => (o.ok ? o.value : String(o.error)))).toEqual(
      Array(3).fill(expect.stringMatching(/^rejected: the escrow lock is none/)),
    );
    expect(calls.filter((c) => c.name === 'ActBatch')).toHaveLength(1);
  });

  it('asks the ledger nothing for an order already decided, and a failed lock read fails only the approvals', async () => {
    const proposed = orderIn('PROPOSED');
    const escrowed = orderIn('ESCROWED');
    const down = new LedgerError('UNAVAILABLE', 'the ledger is restarting');
    const asked: string[][] = [];
    const books = {
      escrowsOf: async (orderIds: string[]) => {
        asked.push(orderIds);
        throw down;
      },
      depositOf: async () => ({ status: 'none' }),
    } as unknown as CbdcLedger;
    const byId: Record<string, Order> = {
      'o-1': { ...proposed, orderId: 'o-1' },
      'o-2': { ...escrowed, orderId: 'o-2' },
      [disputed.orderId]: disputed,
    };
    const { bankA } = bankAReading(books, (orderId) => byId[orderId]);
    const outcomes = await bankA.perform(
      [job(byId['o-1']!, 'PROPOSED', 'approve'), job(byId['o-2']!, 'ESCROWED', 'approve'), job(disputed, 'DISPUTED', 'deposit-buyer')],
      Date.now(),
    );
    expect(asked).toEqual([['o-1']]);
    expect(outcomes.map((o) => (o.ok ? o.value : o.error === down ? 'the ledger error' : (o.error as Error).name))).toEqual([
      'the ledger error',
      'nothing: the order is ESCROWED, decided',
      'NotYet',
    ]);
  });
});
