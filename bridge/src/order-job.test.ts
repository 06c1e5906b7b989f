import type { OrderChange } from '@securepay/client';
import { dutiesOf, dutyId, jobFor } from './order-job';

const txId = 'cd'.repeat(32);
const change = (to: string, action: string, banks: Partial<OrderChange> = {}): OrderChange => ({
  orderId: 'o-1',
  action,
  from: null,
  to,
  buyerBank: 'BankAMSP',
  merchantBank: 'BankBMSP',
  courierBank: 'BankBMSP',
  ...banks,
});

describe('what a change asks of a bank', () => {
  it('asks both of the order’s banks to consider approving on the proposal and on every approval', () => {
    for (const action of ['propose', 'approve']) {
      expect(dutiesOf('BankAMSP', change('PROPOSED', action))).toEqual(['approve']);
      expect(dutiesOf('BankBMSP', change('PROPOSED', action))).toEqual(['approve']);
      expect(dutiesOf('BankCMSP', change('PROPOSED', action))).toEqual([]);
    }
  });

  it('asks the merchant’s bank alone for the settlement receipt', () => {
    for (const to of ['CONFIRMED', 'CHALLENGED']) {
      expect(dutiesOf('BankBMSP', change(to, 'x'))).toEqual(['recordSettlement']);
      expect(dutiesOf('BankAMSP', change(to, 'x'))).toEqual([]);
    }
  });

  it('asks each disputing customer’s bank for its deposit record, both of one bank', () => {
    expect(dutiesOf('BankAMSP', change('DISPUTED', 'declareNonReceipt'))).toEqual(['deposit-buyer']);
    expect(dutiesOf('BankBMSP', change('DISPUTED', 'declareNonReceipt'))).toEqual(['deposit-courier']);
    expect(dutiesOf('BankAMSP', change('DISPUTED', 'declareNonReceipt', { courierBank: 'BankAMSP' }))).toEqual([
      'deposit-buyer',
      'deposit-courier',
    ]);
    expect(dutiesOf('BankAMSP', change('DISPUTED', 'recordDeposit'))).toEqual([]);
  });

  it.each(['ESCROWED', 'SHIPPED', 'DELIVERED', 'SETTLED', 'REJECTED', 'REFUNDED'])('asks nothing for %s', (to) => {
    expect(dutiesOf('BankAMSP', change(to, 'x'))).toEqual([]);
    expect(dutiesOf('BankBMSP', change(to, 'x'))).toEqual([]);
  });
});

describe('the job a transaction asks of a bank', () => {
  it('is one job named by the transaction, one duty per order and kind', () => {
    const changes = [change('PROPOSED', 'propose'), change('PROPOSED', 'approve'), change('PROPOSED', 'propose', { orderId: 'o-2' })];
    const [job, ...more] = jobFor('BankAMSP', txId, changes, 5);
    expect(more).toEqual([]);
    expect(job!.id).toBe(txId);
    expect(job!.data.duties.map((d) => [d.change.orderId, d.kind])).toEqual([
      ['o-1', 'approve'],
      ['o-2', 'approve'],
    ]);
    expect(job!.data.readAt).toBe(5);
  });

  it('is no job at all when nothing concerns the bank', () => {
    expect(jobFor('BankCMSP', txId, [change('PROPOSED', 'propose')], 0)).toEqual([]);
  });

  it('names each duty apart, the two deposits of one order too', () => {
    const c = change('DISPUTED', 'declareNonReceipt');
    expect(new Set([dutyId(txId, { change: c, kind: 'deposit-buyer' }), dutyId(txId, { change: c, kind: 'deposit-courier' })]).size).toBe(
      2,
    );
  });
});
