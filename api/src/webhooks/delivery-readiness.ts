import type { DeliveryClaim } from './webhook-store';

/** A job fired this early is put back until its time rather than sent (Redis's and our clocks may differ a little). */
const earlyToleranceMs = 1_000;

export type Readiness = { kind: 'send' } | { kind: 'skip'; reason: string } | { kind: 'wait'; until: Date };

/**
 * Whether the job for attempt `jobAttempts` of a delivery sends it now. A job is only a hint: the
 * database decides. It sends only a pending delivery still at that attempt, of an active
 * subscription, that is the oldest undelivered one of its order (so an order's events arrive in
 * order), once it is due. Anything else is skipped: whoever changes that state queues what follows.
 */
export function readiness(claim: DeliveryClaim | undefined, jobAttempts: number, now: Date): Readiness {
  if (!claim) return { kind: 'skip', reason: 'no such delivery' };
  if (claim.status !== 'pending') return { kind: 'skip', reason: `already ${claim.status}` };
  if (claim.attempts !== jobAttempts) return { kind: 'skip', reason: 'a later attempt owns it' };
  if (claim.subscriptionStatus !== 'active') return { kind: 'skip', reason: `its subscription is ${claim.subscriptionStatus}` };
  if (!claim.isHead) return { kind: 'skip', reason: 'an earlier event of its order is not delivered yet' };
  if (claim.nextAttemptAt.getTime() > now.getTime() + earlyToleranceMs) return { kind: 'wait', until: claim.nextAttemptAt };
  return { kind: 'send' };
}
