import { refuse } from './order';

/** How far a proposal's timestamp may stray from the endorsing peer's clock when nothing else is configured. */
export const defaultClockBoundMs = 30_000;

/**
 * The bound this endorser applies, from its chaincode server's environment (`SECUREPAY_CLOCK_BOUND_MS`,
 * set for every org from `network.yaml`). Each org sets its own: colluders can loosen only their own
 * peers' check, and every order step also needs an honest org's endorsement.
 */
export function clockBoundMs(env: NodeJS.ProcessEnv = process.env): number {
  const text = env.SECUREPAY_CLOCK_BOUND_MS;
  if (text === undefined || text === '') return defaultClockBoundMs;
  const bound = Number(text);
  if (!Number.isInteger(bound) || bound < 1_000 || bound > 600_000)
    throw new Error(`SECUREPAY_CLOCK_BOUND_MS must be an integer from 1000 to 600000 (ms), not "${text}"`);
  return bound;
}

/**
 * Every deadline is judged on the transaction's own timestamp, which the submitter writes and Fabric
 * does not check. So the endorser checks it against its own clock: a proposal dated past a deadline
 * (or before one) that has not arrived here is refused, and changes nothing.
 */
export function checkProposalTime(proposedAtMs: number, nowMs: number, boundMs: number): void {
  const skewMs = proposedAtMs - nowMs;
  if (Math.abs(skewMs) <= boundMs) return;
  const seconds = (Math.abs(skewMs) / 1000).toFixed(1);
  refuse(
    'CLOCK_SKEW',
    `the proposal is dated ${seconds} s ${skewMs > 0 ? 'ahead of' : 'behind'} this endorsing peer's clock; at most ${boundMs / 1000} s is accepted`,
  );
}
