import { applyAction, needsTerms, type OrderAction } from './actions';
import type { Order, OrderState } from './order';
import { orderStates } from './order';
import { OrderRefused, type RefusalCode } from './refusal';
import { act, actors, ctx, facts, orderIn, signedReceipt, type ActorName } from './test-fixtures';

/**
 * Every action, from every state, by every actor: allowed exactly where DESIGN 4.1 says, refused
 * everywhere else with the reason that applies. Timing is chosen so that only state and party decide.
 */
interface Rule {
  action: (order: Order) => OrderAction;
  states: OrderState[];
  actors: ActorName[] | 'anyone';
  /** A transaction time at which the deadline rules allow the action, for an order in an allowed state. */
  time: (order: Order) => number;
  /** Disputes start with no deposit recorded, for the deposit actions. */
  noDeposits?: boolean;
}

const hash = 'f'.repeat(64);
const everyone = Object.keys(actors) as ActorName[];

const rules: Record<string, Rule> = {
  approve: {
    action: () => ({ type: 'approve' }),
    states: ['PROPOSED'],
    actors: ['platform', 'merchant', 'buyerBank', 'merchantBank'],
    time: (o) => o.approveBy,
  },
  reject: {
    action: () => ({ type: 'reject', reason: 'no' }),
    states: ['PROPOSED'],
    actors: ['platform', 'merchant', 'buyerBank', 'merchantBank'],
    time: (o) => o.approveBy,
  },
  expire: {
    action: () => ({ type: 'expire' }),
    states: ['PROPOSED', 'ESCROWED'],
    actors: 'anyone',
    time: (o) => (o.state === 'PROPOSED' ? o.approveBy : o.deliverBy) + 1,
  },
  ship: { action: () => ({ type: 'ship' }), states: ['ESCROWED'], actors: ['merchant'], time: (o) => o.deliverBy },
  deliver: {
    action: () => ({ type: 'deliver', proofHash: hash }),
    states: ['SHIPPED'],
    actors: ['courier'],
    time: (o) => o.createdAt + 10,
  },
  confirm: { action: () => ({ type: 'confirm' }), states: ['DELIVERED'], actors: ['buyer'], time: (o) => o.confirmBy ?? o.createdAt },
  autoConfirm: {
    action: () => ({ type: 'autoConfirm' }),
    states: ['DELIVERED'],
    actors: 'anyone',
    time: (o) => (o.confirmBy ?? o.createdAt) + 1,
  },
  declareNonReceipt: {
    action: () => ({ type: 'declareNonReceipt' }),
    states: ['SHIPPED', 'DELIVERED'],
    actors: ['buyer'],
    time: (o) => (o.state === 'SHIPPED' ? o.deliverBy + 1 : (o.confirmBy ?? o.createdAt)),
  },
  buyerDeposit: {
    action: () => ({ type: 'recordDeposit', party: 'buyer', lockRef: 'lock-x' }),
    states: ['DISPUTED'],
    actors: ['buyerBank'],
    time: (o) => o.dispute?.depositBy ?? o.createdAt,
    noDeposits: true,
  },
  courierDeposit: {
    action: () => ({ type: 'recordDeposit', party: 'courier', lockRef: 'lock-y' }),
    states: ['DISPUTED'],
    actors: ['courierBank'],
    time: (o) => o.dispute?.depositBy ?? o.createdAt,
    noDeposits: true,
  },
  resolveDispute: {
    action: () => ({ type: 'resolveDispute', winner: 'courier', evidenceHash: hash }),
    states: ['DISPUTED'],
    actors: ['platform'],
    time: (o) => o.createdAt + 10,
  },
  resolveByDefault: {
    action: () => ({ type: 'resolveByDefault' }),
    states: ['DISPUTED'],
    actors: 'anyone',
    time: (o) => (o.dispute?.resolveBy ?? o.createdAt) + 1,
  },
  recordSettlement: {
    action: (o) => ({ type: 'recordSettlement', receipt: signedReceipt(o) }),
    states: ['CONFIRMED', 'CHALLENGED'],
    actors: ['merchantBank'],
    time: (o) => o.proofBy ?? o.createdAt + 10,
  },
  challenge: {
    action: () => ({ type: 'challenge' }),
    states: ['CONFIRMED'],
    actors: ['merchant'],
    time: (o) => (o.settleBy ?? o.createdAt) + 1,
  },
  compensate: {
    action: () => ({ type: 'compensate' }),
    states: ['CHALLENGED'],
    actors: 'anyone',
    time: (o) => (o.proofBy ?? o.createdAt) + 1,
  },
};

function outcome(order: Order, rule: Rule, who: ActorName): 'allowed' | RefusalCode {
  try {
    act(order, rule.action(order), actors[who], rule.time(order));
    return 'allowed';
  } catch (error) {
    if (error instanceof OrderRefused) return error.code;
    throw error;
  }
}

/** The outcome when the contract loads the private terms only where `needsTerms` says: the new order, or the refusal. */
function outcomeWithTermsOnDemand(order: Order, rule: Rule, who: ActorName): Order | RefusalCode {
  const action = rule.action(order);
  const actor = actors[who];
  const given = needsTerms(order, action, actor) ? facts : { ledgerKeyPem: facts.ledgerKeyPem };
  try {
    return applyAction(order, action, ctx(actor, rule.time(order)), given).order;
  } catch (error) {
    if (error instanceof OrderRefused) return error.code;
    throw error;
  }
}

const cases = Object.keys(rules).flatMap((name) => orderStates.flatMap((state) => everyone.map((who) => [name, state, who] as const)));

describe('the order state machine, every action × state × actor', () => {
  const fixtures = new Map(orderStates.map((s) => [s, orderIn(s)]));
  const disputeWithoutDeposits = orderIn('DISPUTED', { deposits: false });

  it('builds a fixture in every state through the real transitions', () => {
    for (const state of orderStates) expect(fixtures.get(state)!.state).toBe(state);
  });

  it.each(cases)('%s from %s by %s', (name, state, who) => {
    const rule = rules[name]!;
    const order = rule.noDeposits && state === 'DISPUTED' ? disputeWithoutDeposits : fixtures.get(state)!;
    const allowedState = rule.states.includes(state);
    const allowedActor = rule.actors === 'anyone' || rule.actors.includes(who);
    const expected = !allowedState ? 'WRONG_STATE' : allowedActor ? 'allowed' : 'WRONG_PARTY';
    expect(outcome(order, rule, who)).toBe(expected);
  });

  it.each(cases)('%s from %s by %s: the same outcome when the terms are read only where needed', (name, state, who) => {
    const rule = rules[name]!;
    const order = rule.noDeposits && state === 'DISPUTED' ? disputeWithoutDeposits : fixtures.get(state)!;
    const everything = outcome(order, rule, who);
    const onDemand = outcomeWithTermsOnDemand(order, rule, who);
    if (everything === 'allowed') expect(onDemand).toEqual(act(order, rule.action(order), actors[who], rule.time(order)).order);
    else expect(onDemand).toBe(everything);
  });
});
