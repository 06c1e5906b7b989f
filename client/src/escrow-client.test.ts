import { CommitError, CommitStatusError, StatusCode } from '@hyperledger/fabric-gateway';
import { canonicalJson } from '@securepay/chaincode/src/canonical-json';
import { orderStates, termsHash } from '@securepay/chaincode/src/order';
import { orderIn, signedReceipt, terms } from '@securepay/chaincode/src/order/test-fixtures';
import { ContractRefusal, TermsMismatch } from './errors';
import { EscrowClient } from './escrow-client';
import { endorseRefusal, fakeContract, type Outcome } from './fake-contract';

const settled = orderIn('SETTLED');
const client = (outcomes: Outcome[], evaluate?: (name: string, args: string[]) => string) => {
  const fake = fakeContract(outcomes, evaluate);
  return { escrow: new EscrowClient(fake.contract, { attempts: 3 }), calls: fake.calls };
};

async function rejection(action: Promise<unknown>): Promise<unknown> {
  try {
    await action;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('EscrowClient reads', () => {
  it.each(orderStates)('reads an order in %s exactly as the contract wrote it', async (state) => {
    const order = orderIn(state);
    const { escrow, calls } = client([], () => canonicalJson(order));
    expect(await escrow.getOrder(order.orderId)).toEqual(order);
    expect(calls).toEqual([{ name: 'GetOrder', args: [order.orderId], transient: {} }]);
  });

  it('keeps a field a newer contract adds, rather than dropping it', async () => {
    const { escrow } = client([], () => canonicalJson({ ...settled, insurance: { at: 1 } }));
    expect(await escrow.getOrder(settled.orderId)).toMatchObject({ insurance: { at: 1 } });
  });

  it('refuses an order of another shape instead of casting it', async () => {
    const { escrow } = client([], () => canonicalJson({ ...settled, state: 'LOST' }));
    expect(String(await rejection(escrow.getOrder(settled.orderId)))).toMatch(
      /the contract's order is not what this client expects.*state/s,
    );
  });

  it('reads the terms, payouts and windows with their arguments encoded', async () => {
    const answers: Record<string, unknown> = {
      GetOrder: { ...settled, termsHash: termsHash(terms) },
      GetOrderTerms: terms,
      GetPayouts: { buyer: '150', courier: '0', platform: '50' },
      GetWindows: settled.windows,
    };
    const { escrow, calls } = client([], (name) => canonicalJson(answers[name]));
    expect(await escrow.getOrderTerms('o-1')).toEqual(terms);
    expect(await escrow.getPayouts('o-1')).toEqual(answers.GetPayouts);
    expect(await escrow.getWindows()).toEqual(settled.windows);
    expect(calls.map((c) => [c.name, ...c.args])).toEqual([
      ['GetOrder', 'o-1'],
      ['GetOrderTerms', 'o-1'],
      ['GetPayouts', 'o-1'],
      ['GetWindows'],
    ]);
  });

  it('reads many orders with their terms in one call, each checked or refused on its own', async () => {
    const good = { ...settled, orderId: 'o-1', termsHash: termsHash(terms) };
    const forged = { ...settled, orderId: 'o-2', termsHash: termsHash(terms) };
    const answer = {
      orders: [
        { orderId: 'o-1', order: good, terms },
        { orderId: 'o-2', order: forged, terms: { ...terms, price: '1' } },
        { orderId: 'o-3', code: 'NOT_FOUND', reason: 'order o-3 does not exist' },
      ],
    };
    const { escrow, calls } = client([], () => canonicalJson(answer));
    const found = await escrow.getOrdersWithTerms(['o-1', 'o-2', 'o-3']);
    expect(found.get('o-1')).toEqual({ order: good, terms });
    expect(found.get('o-2')).toBeInstanceOf(TermsMismatch);
    expect(found.get('o-3')).toBeInstanceOf(ContractRefusal);
    expect((found.get('o-3') as ContractRefusal).code).toBe('NOT_FOUND');
    expect(calls).toEqual([{ name: 'GetOrdersWithTerms', args: [JSON.stringify(['o-1', 'o-2', 'o-3'])], transient: {} }]);
  });

  it('refuses terms that do not hash to the order’s public termsHash', async () => {
    const answers: Record<string, unknown> = {
      GetOrder: { ...settled, termsHash: termsHash(terms) },
      GetOrderTerms: { ...terms, price: '1' },
    };
    const { escrow } = client([], (name) => canonicalJson(answers[name]));
    const error = await rejection(escrow.getOrderTerms('o-1'));
    expect(error).toBeInstanceOf(TermsMismatch);
    expect(error).toMatchObject({ code: 'TERMS_MISMATCH', orderId: 'o-1' });
  });

  it('turns a refusal into a ContractRefusal with the contract’s code and words', async () => {
    const { escrow } = client([], () => {
      throw endorseRefusal('NOT_FOUND', 'order o-9 does not exist');
    });
    const error = await rejection(escrow.getOrder('o-9'));
    expect(error).toBeInstanceOf(ContractRefusal);
    expect(error).toMatchObject({ code: 'NOT_FOUND', message: 'order o-9 does not exist' });
  });
});

describe('EscrowClient submissions', () => {
  it('returns the committed order with its transaction and block', async () => {
    const { escrow, calls } = client([{ result: canonicalJson(settled) }]);
    const receipt = signedReceipt(orderIn('CONFIRMED'));
    const committed = await escrow.recordSettlement(settled.orderId, receipt);
    expect(committed).toEqual({ result: settled, txId: 'tx-1', blockNumber: 11n });
    expect(calls[0]).toEqual({ name: 'RecordSettlement', args: [settled.orderId], transient: { receipt: JSON.stringify(receipt) } });
  });

  it('sends the terms in the transient map only, and prepares once the peers have endorsed', async () => {
    const proposed = orderIn('PROPOSED');
    const { escrow, calls } = client([{ result: canonicalJson(proposed) }]);
    const endorsedFirst: number[] = [];
    const proposal = { orderId: proposed.orderId, merchant: proposed.merchant };
    await escrow.propose(proposal, terms, { beforeSubmit: async () => void endorsedFirst.push(calls.length) });
    expect(calls).toEqual([{ name: 'Propose', args: [JSON.stringify(proposal)], transient: { terms: JSON.stringify(terms) } }]);
    expect(endorsedFirst).toEqual([1]);
  });

  it('ships with or without naming the courier', async () => {
    const shipped = canonicalJson(orderIn('SHIPPED'));
    const { escrow, calls } = client([{ result: shipped }, { result: shipped }]);
    await escrow.ship('o-1');
    await escrow.ship('o-1', { mspId: 'BankCMSP', partyId: 'c-1' });
    expect(calls.map((c) => c.args)).toEqual([
      ['o-1', ''],
      ['o-1', '{"mspId":"BankCMSP","partyId":"c-1"}'],
    ]);
  });

  it('throws a refusal at once, with the refused transaction’s id', async () => {
    const { escrow, calls } = client([{ error: endorseRefusal('WRONG_STATE', 'order o-1 is SETTLED', 'tx-9') }]);
    const error = await rejection(escrow.confirm('o-1'));
    expect(error).toBeInstanceOf(ContractRefusal);
    expect(error).toMatchObject({ code: 'WRONG_STATE', txId: 'tx-9', message: 'order o-1 is SETTLED' });
    expect(calls).toHaveLength(1);
  });

  it('endorses again after a read conflict', async () => {
    const { escrow, calls } = client([{ invalid: StatusCode.MVCC_READ_CONFLICT }, { result: canonicalJson(settled) }]);
    expect((await escrow.approve('o-1')).txId).toBe('tx-2');
    expect(calls).toHaveLength(2);
  });

  it('endorses again when the wait for its commit ran out, however gRPC reported the expiry', async () => {
    // The client's own timer (DEADLINE_EXCEEDED) or the peer's, read first (RST_STREAM CANCEL: CANCELLED).
    type ServiceError = ConstructorParameters<typeof CommitStatusError>[0]['cause'];
    const expired = (code: number) =>
      new CommitStatusError({
        code,
        details: [],
        cause: Object.assign(new Error(`${code}`), { code }) as ServiceError,
        transactionId: 'tx-lost',
      });
    const { escrow, calls } = client([{ error: expired(4) }, { error: expired(1) }, { result: canonicalJson(settled) }]);
    expect((await escrow.approve('o-1')).txId).toBe('tx-3');
    expect(calls).toHaveLength(3);
  });

  it('does not retry a transaction invalidated for another reason, and says which', async () => {
    const { escrow, calls } = client([{ invalid: StatusCode.ENDORSEMENT_POLICY_FAILURE }, { result: canonicalJson(settled) }]);
    const error = await rejection(escrow.approve('o-1'));
    expect(error).toBeInstanceOf(CommitError);
    expect(error).toMatchObject({ code: StatusCode.ENDORSEMENT_POLICY_FAILURE, transactionId: 'tx-1' });
    expect(calls).toHaveLength(1);
  });

  it('registers a ledger key and configures windows, answering where they committed', async () => {
    const { escrow, calls } = client([{ result: '' }, { result: '' }]);
    expect(await escrow.registerLedgerKey('PEM')).toEqual({ txId: 'tx-1', blockNumber: 11n });
    expect(await escrow.configureWindows(settled.windows)).toEqual({ txId: 'tx-2', blockNumber: 12n });
    expect(calls.map((c) => [c.name, ...c.args])).toEqual([
      ['RegisterLedgerKey', 'PEM'],
      ['ConfigureWindows', JSON.stringify(settled.windows)],
    ]);
  });
});

describe('EscrowClient.approveBatch', () => {
  const refused = [{ orderId: 'o-2', code: 'WRONG_STATE', reason: 'order o-2 is REJECTED' }];

  it('returns what was approved and what refused, and where it committed', async () => {
    const result = canonicalJson({ approved: [{ orderId: 'o-1', state: 'ESCROWED' }], refused });
    const { escrow, calls } = client([{ result }]);
    expect(await escrow.approveBatch(['o-1', 'o-2'])).toEqual({
      approved: [{ orderId: 'o-1', state: 'ESCROWED' }],
      refused,
      committed: { txId: 'tx-1', blockNumber: 11n },
    });
    expect(calls[0]).toEqual({ name: 'ApproveBatch', args: ['["o-1","o-2"]'], transient: {} });
  });

  it('reports a batch none of whose orders could be approved as data, with nothing committed', async () => {
    const words = `no order in the batch could be approved: ${JSON.stringify(refused)}`;
    const { escrow } = client([{ error: endorseRefusal('BAD_ARGUMENT', words) }]);
    expect(await escrow.approveBatch(['o-2'])).toEqual({ approved: [], refused });
  });

  it('reads every refusal of such a batch whole, even when a reason holds a semicolon', async () => {
    const wrongState = [{ orderId: 'o-3', code: 'WRONG_STATE', reason: 'approve needs the order to be PROPOSED; order o-3 is ESCROWED' }];
    const words = `no order in the batch could be done: ${JSON.stringify(wrongState)}`;
    const { escrow } = client([{ error: endorseRefusal('BAD_ARGUMENT', words) }]);
    expect(await escrow.actBatch([{ orderId: 'o-3', step: { type: 'approve' } }])).toEqual({ done: [], refused: wrongState });
  });

  it('throws any other refusal', async () => {
    const { escrow } = client([{ error: endorseRefusal('BAD_ARGUMENT', 'the order ids must not repeat') }]);
    expect(await rejection(escrow.approveBatch(['o-1', 'o-1']))).toMatchObject({ code: 'BAD_ARGUMENT' });
  });
});
