import { ContractRefusal } from '@securepay/client';
import type { ActionResult } from './order-desk';
import type { TimelineStep } from './order-view';
import type { Caller } from './user-registry';

/**
 * The action the contract records in an order's timeline for each step route (`/orders/:id/<route>`).
 * A deposit is not here: the ledger's own idempotency key makes its retry return the same lock.
 */
export const recordedActions: Readonly<Record<string, string>> = {
  approve: 'approve',
  reject: 'reject',
  ship: 'ship',
  deliver: 'deliver',
  confirm: 'confirm',
  'non-receipt': 'declareNonReceipt',
  resolve: 'resolveDispute',
  'resolve-by-default': 'resolveDispute',
  challenge: 'challenge',
  'auto-confirm': 'autoConfirm',
  expire: 'expire',
  compensate: 'compensate',
};

/**
 * The contract's refusals of a step that may already have been taken: by this very request, in an
 * attempt that did not hear back. `REPLAYED`: the batch carrying this request's signed intent was sent
 * again after its commit wait ran out, and the first had committed after all (the intent's nonce is
 * this request's own, so its timeline step, if there, is too).
 */
const refusedAsDone = new Set(['ALREADY_DONE', 'WRONG_STATE', 'ALREADY_EXISTS', 'REPLAYED']);
/** Every endorser refuses a proposal dated further than this from its clock: a step's time is at most this far from the API's. */
export const clockBoundMs = 30_000;

/** Whether a timeline step was taken by this caller: the platform's operator, or this very user. */
function takenBy(step: TimelineStep, caller: Caller): boolean {
  if (caller.kind === 'platform') return step.by.role === 'platform';
  if (caller.kind === 'user') return step.by.mspId === caller.user.bank && step.by.partyId === caller.user.partyId;
  return false;
}

/**
 * The committed step that answers a request the contract refused as already done, if it is this
 * request's own: the order's timeline holds `action`, taken by this caller, no earlier than `since`
 * (when the request — or, for a retry, its Idempotency-Key's first attempt — came in). Then the
 * first attempt did commit and only its answer was lost (a peer, the orderer or the API itself went
 * away after the transaction was sent); the retry answers it as done. A step taken earlier, by another
 * request, stays the contract's refusal. Pure.
 */
export function committedStep(
  order: { orderId: string; timeline: TimelineStep[] },
  caller: Caller,
  action: string,
  since: number,
): ActionResult | undefined {
  const step = [...order.timeline]
    .reverse()
    .find((s) => s.action === action && takenBy(s, caller) && Date.parse(s.at) >= since && s.blockNumber !== null);
  return step ? { orderId: order.orderId, state: step.to, txId: step.txId, blockNumber: step.blockNumber! } : undefined;
}

/**
 * When a request's own steps may have been taken from. A first attempt's transactions are dated by
 * this process after it came in. A retry's first attempt came in at `retriedSince` on the database's
 * clock and may have run in another API process: give or take the chain's clock bound.
 */
export function stepsSince(input: { receivedAt: number; retriedSince?: Date }): number {
  return input.retriedSince ? input.retriedSince.getTime() - clockBoundMs : input.receivedAt;
}

/**
 * Runs a step; when the contract refuses it as already done, looks at the order (`view`) for the
 * caller's own step since `since` and answers that instead. Any other outcome is the step's own.
 */
export async function recovering(
  run: () => Promise<unknown>,
  recover: { view: () => Promise<{ orderId: string; timeline: TimelineStep[] }>; caller: Caller; action: string; since: number },
): Promise<unknown> {
  try {
    return await run();
  } catch (error) {
    if (!(error instanceof ContractRefusal) || !refusedAsDone.has(error.code)) throw error;
    const done = committedStep(await recover.view(), recover.caller, recover.action, recover.since);
    if (!done) throw error;
    return done;
  }
}
