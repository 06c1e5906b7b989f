import type { Contract, ProposalOptions } from '@hyperledger/fabric-gateway';
import { ContractRefusal, EscrowClient } from '@securepay/client';
import { endorseRefusal, fakeContract, type Outcome } from '@securepay/client/src/fake-contract';
import { orderIn, signedReceipt } from '@securepay/chaincode/src/order/test-fixtures';
import pino from 'pino';
import { BankSteps } from './bank-steps';
import { BridgeMetrics } from './metrics';

const log = pino({ enabled: false });
const window = { windowMs: 5, maxOrders: 10 };
const refused = [
  { orderId: 'o-2', code: 'ALREADY_DONE', reason: 'BankAMSP already approved order o-2' },
  { orderId: 'o-3', code: 'DEADLINE_PASSED', reason: 'the approvals were due by …' },
];
const nothingDone = (refusals: object[]): Outcome => ({
  error: endorseRefusal('BAD_ARGUMENT', `no order in the batch could be done: ${JSON.stringify(refusals)}`),
});

function bankSteps(outcomes: Outcome[]) {
  const fake = fakeContract(outcomes);
  const metrics = new BridgeMetrics();
  return { steps: new BankSteps(new EscrowClient(fake.contract, { attempts: 1 }), log, metrics, window), calls: fake.calls, metrics };
}
const statuses = (settled: PromiseSettledResult<unknown>[]) => settled.map((s) => s.status);

describe('BankSteps approvals', () => {
  it('sends the approvals as one ActBatch, settling each order by its own refusal', async () => {
    const result = JSON.stringify({ done: [{ orderId: 'o-1', state: 'ESCROWED' }], refused });
    const { steps, calls } = bankSteps([{ result }]);
    const settled = await Promise.allSettled(['o-1', 'o-2', 'o-3'].map((id) => steps.approve(id)));
    const approve = (orderId: string) => ({ orderId, step: { type: 'approve' } });
    expect(calls).toEqual([{ name: 'ActBatch', args: [JSON.stringify(['o-1', 'o-2', 'o-3'].map(approve))], transient: {} }]);
    // ALREADY_DONE (and WRONG_STATE) mean there is nothing left to approve: done.
    expect(statuses(settled)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
    const reason = (settled[2] as PromiseRejectedResult).reason as unknown;
    expect(reason).toBeInstanceOf(ContractRefusal);
    expect(reason).toMatchObject({ code: 'DEADLINE_PASSED', message: refused[1]!.reason });
  });

  it('sends a second approval of the same order in the next batch, where the refusal ALREADY_DONE counts as done', async () => {
    const first = JSON.stringify({ done: ['o-1', 'o-2'].map((orderId) => ({ orderId, state: 'PROPOSED' })), refused: [] });
    const { steps, calls } = bankSteps([{ result: first }, nothingDone([{ ...refused[0], orderId: 'o-1' }])]);
    const settled = await Promise.allSettled(['o-1', 'o-2', 'o-1'].map((id) => steps.approve(id)));
    expect(calls.map((c) => (JSON.parse(c.args[0]!) as { orderId: string }[]).map((s) => s.orderId))).toEqual([['o-1', 'o-2'], ['o-1']]);
    expect(statuses(settled)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
  });

  it('holds a second step for an order until its first is answered, so that it is never endorsed on the old state', async () => {
    const first = JSON.stringify({ done: [{ orderId: 'o-1', state: 'PROPOSED' }], refused: [] });
    const fake = fakeContract([{ result: first }, nothingDone([{ ...refused[0], orderId: 'o-1' }])]);
    // Each endorsement takes 30 ms, six windows: without the hold the second batch would be proposed meanwhile.
    let proposals = 0;
    const slow = {
      newProposal: (name: string, options: ProposalOptions) => {
        proposals += 1;
        const proposal = fake.contract.newProposal(name, options);
        return { endorse: async () => new Promise((resolve) => setTimeout(resolve, 30)).then(() => proposal.endorse()) };
      },
    } as unknown as Contract;
    const steps = new BankSteps(new EscrowClient(slow, { attempts: 1 }), log, new BridgeMetrics(), window);
    const proposalsWhenAnswered = steps.approve('o-1').then(() => proposals);
    await steps.approve('o-1');
    expect(await proposalsWhenAnswered).toBe(1);
    expect(fake.calls).toHaveLength(2);
  });

  it('settles each order the same way when none of them could be approved', async () => {
    const { steps } = bankSteps([nothingDone(refused)]);
    const settled = await Promise.allSettled(['o-2', 'o-3'].map((id) => steps.approve(id)));
    expect(statuses(settled)).toEqual(['fulfilled', 'rejected']);
    expect((settled[1] as PromiseRejectedResult).reason).toMatchObject({ code: 'DEADLINE_PASSED' });
  });

  it('fails every waiting step when the batch itself fails', async () => {
    const { steps } = bankSteps([{ error: new Error('the peer is gone') }]);
    const settled = await Promise.allSettled([steps.approve('o-1'), steps.recordDeposit('o-2', 'buyer', 'lock-2')]);
    expect(settled.map((s) => (s.status === 'rejected' ? String(s.reason) : s.status))).toEqual([
      'Error: the peer is gone',
      'Error: the peer is gone',
    ]);
  });
});

describe('BankSteps of every kind', () => {
  it('carries rejections, deposits and settlement receipts in one ActBatch, the receipts in transient "receipts" by order', async () => {
    const receipt = signedReceipt(orderIn('CONFIRMED'));
    const result = JSON.stringify({
      done: [
        { orderId: 'o-1', state: 'REJECTED' },
        { orderId: 'o-3', state: 'SETTLED' },
      ],
      refused: [{ orderId: 'o-2', code: 'ALREADY_DONE', reason: 'the buyer’s deposit is already recorded' }],
    });
    const { steps, calls, metrics } = bankSteps([{ result }]);
    const [rejected, deposit, settlement] = await Promise.allSettled([
      steps.reject('o-1', 'no matching CBDC lock: the escrow lock is none'),
      steps.recordDeposit('o-2', 'buyer', 'lock-2'),
      steps.recordSettlement('o-3', receipt),
    ]);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.name).toBe('ActBatch');
    expect(JSON.parse(calls[0]!.args[0]!)).toEqual([
      { orderId: 'o-1', step: { type: 'reject', reason: 'no matching CBDC lock: the escrow lock is none' } },
      { orderId: 'o-2', step: { type: 'recordDeposit', party: 'buyer', lockRef: 'lock-2' } },
      { orderId: 'o-3', step: { type: 'recordSettlement' } },
    ]);
    // The receipt names amounts and the merchant's wallet: never in the batch's arguments.
    expect(calls[0]!.args[0]).not.toContain(receipt.signature);
    expect(JSON.parse(calls[0]!.transient.receipts!)).toEqual({ 'o-3': receipt });
    expect(rejected).toMatchObject({ status: 'fulfilled', value: { orderId: 'o-1', state: 'REJECTED', txId: 'tx-1' } });
    expect(settlement).toMatchObject({ status: 'fulfilled', value: { orderId: 'o-3', state: 'SETTLED' } });
    // Only an approval's refusal is settled here; the duties judge a deposit's refusal, as they did a single call's.
    expect(deposit.status).toBe('rejected');
    expect((deposit as PromiseRejectedResult).reason).toMatchObject({ code: 'ALREADY_DONE' });

    const counted = await metrics.registry.getSingleMetricAsString('securepay_bridge_batched_steps_total');
    expect(counted).toContain('kind="recordDeposit",outcome="refused"} 1');
    expect(counted).toContain('kind="recordSettlement",outcome="done"} 1');
    expect(await metrics.registry.getSingleMetricAsString('securepay_bridge_batch_orders')).toContain(
      'securepay_bridge_batch_orders_sum 3',
    );
  });

  it('sends no transient data when the batch carries no settlement', async () => {
    const { steps, calls } = bankSteps([{ result: JSON.stringify({ done: [{ orderId: 'o-1', state: 'DISPUTED' }], refused: [] }) }]);
    await steps.recordDeposit('o-1', 'courier', 'lock-1');
    expect(calls[0]!.transient).toEqual({});
  });
});
