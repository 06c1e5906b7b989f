import { orderIn } from '@securepay/chaincode/src/order/test-fixtures';
import type { Approval, ApprovalSlot, Order } from '@securepay/client';
import { approvalTurn } from './approval-turn';

const proposed = orderIn('PROPOSED');
const approved = (by: string): Approval => ({ decision: 'approved', at: 1, txId: 'ab'.repeat(32), by });
function withApprovals(order: Order, slots: ApprovalSlot[]): Order {
  return { ...order, approvals: Object.fromEntries(slots.map((slot) => [slot, approved(slot)])) };
}
const buyerBank = proposed.buyer.mspId;
const merchantBank = proposed.merchant.mspId;

describe('the banks take their turn to approve', () => {
  it('waits for the platform and the merchant before the buyer’s bank approves', () => {
    expect(approvalTurn(proposed, buyerBank)).toEqual({ approve: false, why: 'waiting for the approval of platform, merchant' });
    expect(approvalTurn(withApprovals(proposed, ['platform']), buyerBank)).toEqual({
      approve: false,
      why: 'waiting for the approval of merchant',
    });
    expect(approvalTurn(withApprovals(proposed, ['platform', 'merchant']), buyerBank)).toEqual({ approve: true });
  });

  it('lets the merchant’s bank approve only after the buyer’s bank', () => {
    expect(approvalTurn(withApprovals(proposed, ['platform', 'merchant']), merchantBank)).toEqual({
      approve: false,
      why: 'waiting for the approval of buyerBank',
    });
    expect(approvalTurn(withApprovals(proposed, ['platform', 'merchant', 'buyerBank']), merchantBank)).toEqual({ approve: true });
  });

  it('has a bank that is both the buyer’s and the merchant’s approve both at once, after the platform and merchant', () => {
    const oneBank = { ...proposed, merchant: { ...proposed.merchant, mspId: buyerBank } };
    expect(approvalTurn(withApprovals(oneBank, ['platform']), buyerBank).approve).toBe(false);
    expect(approvalTurn(withApprovals(oneBank, ['platform', 'merchant']), buyerBank)).toEqual({ approve: true });
  });

  it('asks nothing of a bank that has decided, or of a bank that is not the order’s', () => {
    expect(approvalTurn(withApprovals(proposed, ['platform', 'merchant', 'buyerBank']), buyerBank)).toEqual({
      approve: false,
      why: `${buyerBank} has decided already`,
    });
    expect(approvalTurn(withApprovals(proposed, ['platform', 'merchant']), 'BankZMSP').approve).toBe(false);
  });

  it('never counts a rejection as an approval it waits for', () => {
    const rejected = {
      ...withApprovals(proposed, ['platform']),
      approvals: { platform: approved('p'), merchant: { ...approved('m'), decision: 'rejected' as const } },
    };
    expect(approvalTurn(rejected, buyerBank).approve).toBe(false);
  });
});
