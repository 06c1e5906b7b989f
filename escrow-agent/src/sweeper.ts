import type { RunningFollower } from '@securepay/client';
import type { CbdcLedger } from '@securepay/ledger';
import type { Logger } from 'pino';
import type { DecisionJob } from './agent';
import type { OwnPeer } from './own-peer';

const finalStates = ['SETTLED', 'REFUNDED', 'REJECTED', 'EXPIRED', 'COMPENSATED'];

export interface SweeperOptions {
  ledger: CbdcLedger;
  peer: OwnPeer;
  chaincode: string;
  /** Whether the agent has read and applied every event its peer holds: orphans are judged only then. */
  follower: Pick<RunningFollower, 'outstanding' | 'lastRead'>;
  /** Proves a decision again and applies it (idempotently) under the given key prefix. */
  act(job: DecisionJob, keyPrefix: string): Promise<string>;
  everyMs: number;
  log: Logger;
}

/**
 * Nothing stays locked for ever. Every pending lock has an expiry; past it:
 * - an escrow lock whose order the agent never saw on the chain is an orphan (its proposal never
 *   committed): it goes back to the buyer. Should the proposal commit later anyway, the banks find no
 *   lock and reject the order, so the buyer's money is never both returned and owed;
 * - a lock whose order is final on the chain gets that final decision applied again, under a fresh key:
 *   a deposit locked in the moment the dispute was resolved, say, goes back to its owner.
 * A lock whose order is still live is left to the chain, whose deadlines always end it.
 */
export function startSweeper(options: SweeperOptions): { stop(): Promise<void> } {
  const { ledger, log } = options;
  let running: Promise<void> | undefined;
  let round = 0;
  const sweep = async (): Promise<void> => {
    round += 1;
    const expired = await ledger.expiredPending(100);
    const orders = new Map(expired.map((e) => [e.orderId, e]));
    let caughtUpAt: bigint | undefined;
    for (const lock of orders.values()) {
      if (lock.chainState === null) {
        if (!lock.purpose.startsWith('escrow:')) continue;
        caughtUpAt ??= await caughtUp();
        // Behind the chain, "never seen" proves nothing: the order may be in a block not read yet.
        if (caughtUpAt === undefined) return;
        const height = caughtUpAt;
        await ledger.voidOrphanedEscrow(`orphan.${lock.orderId}`, lock.orderId, height);
        log.warn(
          { orderId: lock.orderId, chainHeight: height.toString() },
          'an escrow lock whose order never reached the chain went back to the buyer',
        );
      } else if (finalStates.includes(lock.chainState) && lock.chainTx) {
        const effect = await options.act({ txId: lock.chainTx, orderIds: [lock.orderId] }, `sweep-${Date.now()}-${round}`);
        log.warn({ orderId: lock.orderId, state: lock.chainState, effect }, 'a lock past its expiry was resolved from the chain');
      }
    }
  };
  /** The peer's height, if the agent has applied every event below it; undefined otherwise. */
  const caughtUp = async (): Promise<bigint | undefined> => {
    if (options.follower.outstanding() > 0) return undefined;
    const height = await options.peer.height();
    const after = options.follower.lastRead()?.blockNumber ?? -1n;
    return (await options.peer.hasEventsBetween(options.chaincode, after, height)) ? undefined : height;
  };
  const timer = setInterval(() => {
    if (running) return;
    running = sweep()
      .catch((error: Error) => log.warn({ err: error.message }, 'sweep failed; will retry'))
      .finally(() => (running = undefined));
  }, options.everyMs);
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
