import { ContractRefusal, EscrowClient } from '@securepay/client';
import { endorseRefusal, fakeContract, type Outcome } from '@securepay/client/src/fake-contract';
import pino from 'pino';
import { ApprovalBatcher } from './approval-batcher';

const log = pino({ enabled: false });
const refused = [
  { orderId: 'o-2', code: 'ALREADY_DONE', reason: 'BankAMSP already approved order o-2' },
  { orderId: 'o-3', code: 'DEADLINE_PASSED', reason: 'the approvals were due by …' },
];

/** Asks for approvals of `orderIds` together, and says how each ended. */
async function approveAll(outcome: Outcome, orderIds: string[]) {
  const fake = fakeContract([outcome]);
  const batcher = new ApprovalBatcher(new EscrowClient(fake.contract), log, 10, 5);
  const settled = await Promise.allSettled(orderIds.map((id) => batcher.approve(id)));
  return { calls: fake.calls, settled };
}

describe('ApprovalBatcher', () => {
  it('sends the approvals as one ApproveBatch, settling each order by its own refusal', async () => {
    const result = JSON.stringify({ approved: [{ orderId: 'o-1', state: 'ESCROWED' }], refused });
    const { calls, settled } = await approveAll({ result }, ['o-1', 'o-2', 'o-3', 'o-1']);
    expect(calls.map((c) => [c.name, ...c.args])).toEqual([['ApproveBatch', '["o-1","o-2","o-3"]']]);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    const reason = (settled[2] as PromiseRejectedResult).reason as unknown;
    expect(reason).toBeInstanceOf(ContractRefusal);
    expect(reason).toMatchObject({ code: 'DEADLINE_PASSED', message: refused[1]!.reason });
  });

  it('settles each order the same way when none of them could be approved', async () => {
    const words = `no order in the batch could be approved: ${JSON.stringify(refused)}`;
    const { settled } = await approveAll({ error: endorseRefusal('BAD_ARGUMENT', words) }, ['o-2', 'o-3']);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected']);
  });

  it('fails every waiting approval when the batch itself fails', async () => {
    const { settled } = await approveAll({ error: new Error('the peer is gone') }, ['o-1', 'o-2']);
    expect(settled.map((s) => (s.status === 'rejected' ? String(s.reason) : s.status))).toEqual([
      'Error: the peer is gone',
      'Error: the peer is gone',
    ]);
  });
});
