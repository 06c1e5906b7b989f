import type { OrderAction } from './actions';
import type { Order, OrderState } from './order';
import { OrderRefused } from './refusal';
import { act, actors, orderIn, type ActorName } from './test-fixtures';

/** Each deadline, one millisecond either side: deadlines are inclusive for the party who must act. */
interface DeadlineCase {
  name: string;
  state: OrderState;
  deposits?: boolean;
  action: OrderAction;
  who: ActorName;
  deadline: (o: Order) => number;
  /** 'by': allowed at the deadline, refused just after. 'after': refused at the deadline, allowed just after. */
  kind: 'by' | 'after';
}

const h = 'a'.repeat(64);
const cases: DeadlineCase[] = [
  {
    name: 'approve by the approval deadline',
    state: 'PROPOSED',
    action: { type: 'approve' },
    who: 'platform',
    deadline: (o) => o.approveBy,
    kind: 'by',
  },
  {
    name: 'reject by the approval deadline',
    state: 'PROPOSED',
    action: { type: 'reject', reason: 'late' },
    who: 'merchant',
    deadline: (o) => o.approveBy,
    kind: 'by',
  },
  {
    name: 'expire an unapproved order after the approval deadline',
    state: 'PROPOSED',
    action: { type: 'expire' },
    who: 'buyer',
    deadline: (o) => o.approveBy,
    kind: 'after',
  },
  {
    name: 'ship by the delivery deadline',
    state: 'ESCROWED',
    action: { type: 'ship' },
    who: 'merchant',
    deadline: (o) => o.deliverBy,
    kind: 'by',
  },
  {
    name: 'expire an unshipped order after the delivery deadline',
    state: 'ESCROWED',
    action: { type: 'expire' },
    who: 'buyer',
    deadline: (o) => o.deliverBy,
    kind: 'after',
  },
  {
    name: 'declare an overdue shipment not received after the delivery deadline',
    state: 'SHIPPED',
    action: { type: 'declareNonReceipt' },
    who: 'buyer',
    deadline: (o) => o.deliverBy,
    kind: 'after',
  },
  {
    name: 'confirm by the confirmation deadline',
    state: 'DELIVERED',
    action: { type: 'confirm' },
    who: 'buyer',
    deadline: (o) => o.confirmBy!,
    kind: 'by',
  },
  {
    name: 'declare non-receipt by the confirmation deadline',
    state: 'DELIVERED',
    action: { type: 'declareNonReceipt' },
    who: 'buyer',
    deadline: (o) => o.confirmBy!,
    kind: 'by',
  },
  {
    name: 'auto-confirm after the confirmation deadline',
    state: 'DELIVERED',
    action: { type: 'autoConfirm' },
    who: 'otherBank',
    deadline: (o) => o.confirmBy!,
    kind: 'after',
  },
  {
    name: 'record a deposit by the deposit deadline',
    state: 'DISPUTED',
    deposits: false,
    action: { type: 'recordDeposit', party: 'buyer', lockRef: 'l1' },
    who: 'buyerBank',
    deadline: (o) => o.dispute!.depositBy,
    kind: 'by',
  },
  {
    name: 'resolve a dispute missing deposits after the deposit deadline',
    state: 'DISPUTED',
    deposits: false,
    action: { type: 'resolveDispute', winner: 'buyer', evidenceHash: h },
    who: 'platform',
    deadline: (o) => o.dispute!.depositBy,
    kind: 'after',
  },
  {
    name: 'challenge after the settlement deadline',
    state: 'CONFIRMED',
    action: { type: 'challenge' },
    who: 'merchant',
    deadline: (o) => o.settleBy!,
    kind: 'after',
  },
  {
    name: 'compensate after the proof deadline',
    state: 'CHALLENGED',
    action: { type: 'compensate' },
    who: 'merchant',
    deadline: (o) => o.proofBy!,
    kind: 'after',
  },
];

function codeOf(run: () => unknown): string {
  try {
    run();
    return 'allowed';
  } catch (error) {
    if (error instanceof OrderRefused) return error.code;
    throw error;
  }
}

describe('deadlines', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_, c) => {
    const order = orderIn(c.state, { deposits: c.deposits ?? true });
    const at = (now: number): string => codeOf(() => act(order, c.action, actors[c.who], now));
    const deadline = c.deadline(order);
    if (c.kind === 'by') {
      expect(at(deadline)).toBe('allowed');
      expect(at(deadline + 1)).toBe('DEADLINE_PASSED');
    } else {
      expect(at(deadline)).toBe('TOO_EARLY');
      expect(at(deadline + 1)).toBe('allowed');
    }
  });

  it('answers a challenge with proof by the proof deadline, not after', () => {
    const order = orderIn('CHALLENGED');
    expect(order.proofBy).toBe(order.challenge!.proofBy);
    // The receipt itself is checked in the settlement tests; here only its timing.
    const late = (): unknown =>
      act(order, { type: 'recordSettlement', receipt: { receipt: {} as never, signature: '' } }, actors.merchantBank, order.proofBy! + 1);
    expect(codeOf(late)).toBe('DEADLINE_PASSED');
  });

  it('fixes each deadline from the windows the order was created with, when its phase starts', () => {
    const delivered = orderIn('DELIVERED');
    expect(delivered.approveBy - delivered.createdAt).toBe(delivered.windows.approvalMs);
    expect(delivered.deliverBy - delivered.createdAt).toBe(delivered.windows.deliveryMs);
    expect(delivered.confirmBy! - delivered.delivery!.at).toBe(delivered.windows.confirmationMs);
    const disputed = orderIn('DISPUTED');
    expect(disputed.dispute!.depositBy - disputed.dispute!.at).toBe(disputed.windows.depositMs);
    const confirmed = orderIn('CONFIRMED');
    expect(confirmed.settleBy! - confirmed.confirmation!.at).toBe(confirmed.windows.settlementMs);
  });
});
