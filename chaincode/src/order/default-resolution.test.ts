import type { OrderAction } from './actions';
import { defaultWinner } from './dispute';
import type { Order } from './order';
import { OrderRefused } from './refusal';
import { act, actors, orderIn, type ActorName } from './test-fixtures';

const h = 'e'.repeat(64);

function refusalCode(run: () => unknown): string | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    if (error instanceof OrderRefused) return error.code;
    throw error;
  }
}

/** A dispute with the deposits asked for, opened after delivery or, when `delivered` is false, on overdue goods. */
function dispute(deposits: ('buyer' | 'courier')[], delivered = true): Order {
  let order = delivered ? orderIn('DISPUTED', { deposits: false }) : orderIn('SHIPPED');
  if (!delivered) order = act(order, { type: 'declareNonReceipt' }, actors.buyer, order.deliverBy + 1).order;
  const at = order.dispute!.at + 1;
  if (deposits.includes('buyer'))
    order = act(order, { type: 'recordDeposit', party: 'buyer', lockRef: 'lock-b' }, actors.buyerBank, at).order;
  if (deposits.includes('courier'))
    order = act(order, { type: 'recordDeposit', party: 'courier', lockRef: 'lock-c' }, actors.courierBank, at).order;
  return order;
}

describe('a dispute the platform leaves open', () => {
  const resolve: OrderAction = { type: 'resolveDispute', winner: 'buyer', evidenceHash: h };

  it('has a resolveBy: the deposit deadline plus the resolution window', () => {
    const order = dispute([]);
    expect(order.dispute!.resolveBy).toBe(order.dispute!.depositBy + order.windows.resolutionMs);
  });

  it('the platform may resolve up to resolveBy, not after it', () => {
    const order = dispute(['buyer', 'courier']);
    expect(act(order, resolve, actors.platform, order.dispute!.resolveBy).order.state).toBe('REFUNDED');
    expect(refusalCode(() => act(order, resolve, actors.platform, order.dispute!.resolveBy + 1))).toBe('DEADLINE_PASSED');
  });

  it.each(Object.keys(actors) as ActorName[])('%s may resolve by default after resolveBy, and not before', (who) => {
    const order = dispute(['buyer', 'courier']);
    expect(refusalCode(() => act(order, { type: 'resolveByDefault' }, actors[who], order.dispute!.resolveBy))).toBe('TOO_EARLY');
    const resolved = act(order, { type: 'resolveByDefault' }, actors[who], order.dispute!.resolveBy + 1);
    expect(resolved.order.dispute!.resolution).toMatchObject({ winner: 'courier', byDefault: true });
    expect(resolved.change).toMatchObject({ action: 'resolveDispute', winner: 'courier' });
  });

  it.each([
    [['buyer', 'courier'], true, 'courier', 'CONFIRMED'],
    [['buyer'], true, 'buyer', 'REFUNDED'],
    [['courier'], true, 'courier', 'CONFIRMED'],
    [[], true, 'courier', 'CONFIRMED'],
    [['buyer', 'courier'], false, 'buyer', 'REFUNDED'],
    [['courier'], false, 'courier', 'CONFIRMED'],
    [[], false, 'buyer', 'REFUNDED'],
  ] as const)('deposits %j, delivery signed %s: the %s wins, the order goes %s', (deposits, delivered, winner, state) => {
    const order = dispute([...deposits], delivered);
    expect(defaultWinner(order)).toBe(winner);
    const resolved = act(order, { type: 'resolveByDefault' }, actors.merchant, order.dispute!.resolveBy + 1);
    expect(resolved.order.state).toBe(state);
    expect(resolved.payouts).toBeDefined();
  });

  it('is final once resolved: neither the platform nor the default rule resolves it again', () => {
    const order = dispute(['buyer']);
    const resolved = act(order, { type: 'resolveByDefault' }, actors.buyer, order.dispute!.resolveBy + 1).order;
    expect(refusalCode(() => act(resolved, { type: 'resolveByDefault' }, actors.buyer, order.dispute!.resolveBy + 2))).toBe('WRONG_STATE');
  });
});
