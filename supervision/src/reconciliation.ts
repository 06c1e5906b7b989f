import type { OrderState } from '@securepay/client';
import type { LockStatus } from '@securepay/ledger';

/*
 * Chain against ledger, order by order: the order's state on the central bank's peer against its
 * escrow's status in the ledger. Pure: the chain side, the ledger side and the escrow agent's
 * progress come in as plain data; what disagrees comes out with both sides' evidence.
 */

/** The ledger status an order's escrow must reach for each state the chain can hold it in. */
export const settledStatus: Record<OrderState, 'locked' | 'posted' | 'voided'> = {
  PROPOSED: 'locked',
  ESCROWED: 'locked',
  SHIPPED: 'locked',
  DELIVERED: 'locked',
  DISPUTED: 'locked',
  // The escrow agent pays the merchant on CONFIRMED (the settlement receipt needs the payment), and
  // on CHALLENGED if it had not: from then on the escrow is posted.
  CONFIRMED: 'posted',
  CHALLENGED: 'posted',
  SETTLED: 'posted',
  COMPENSATED: 'posted',
  REJECTED: 'voided',
  EXPIRED: 'voided',
  REFUNDED: 'voided',
};

/** The chain states whose decision allows a resolution: what a posting or a voiding must name. */
const allows: Record<'posted' | 'voided', readonly string[]> = {
  posted: ['CONFIRMED', 'CHALLENGED', 'SETTLED', 'COMPENSATED'],
  voided: ['REJECTED', 'EXPIRED', 'REFUNDED'],
};

/** How the escrow agent's voids of orphaned locks name their cause instead of a transaction. */
const orphanReturn = /^orphan@\d+$/;

/**
 * The id of the job the escrow agent reads a decision as: one per transaction, whatever number of
 * orders it changed (escrow-agent's `jobsOf`). Its being processed means every order's effect landed.
 */
export const agentJobId = (txId: string): string => txId;

export interface ChainSide {
  orderId: string;
  state: string;
  txId: string;
  blockNumber: bigint;
  txIndex: number;
  /** Every transition the chain recorded for the order: the transactions a resolution may name. */
  transitions: readonly { txId: string; to: string }[];
}

export interface LedgerSide {
  orderId: string;
  status: LockStatus;
  merchantAmount: string;
  commissionAmount: string;
  lockedAt: string;
  /** Null once the escrow agent has seen the order on the chain. */
  expiresAt: string | null;
  decisionTxs: readonly string[];
  journalPositions: readonly number[];
  agentSaw: { state: string; txId: string; blockNumber: string } | null;
  refusals: readonly { txId: string; code: string }[];
}

/** How far the escrow agent has acted: decisions in blocks below its checkpoint, and each job it finished. */
export interface AgentSide {
  checkpointBlock?: bigint;
  processed: ReadonlySet<string>;
}

export type DiscrepancyKind =
  /** The ledger's status is not the one the chain's state calls for, and the agent has acted on that state. */
  | 'STATE_MISMATCH'
  /** An order on the chain with no escrow lock in the ledger. */
  | 'NO_LOCK'
  /** A lock past its orphan window whose order is not on the chain: the sweeper has not returned it. */
  | 'ORPHAN_LOCK'
  /** A lock the escrow agent saw on the chain, whose order the chain view does not hold. */
  | 'LOCK_WITHOUT_ORDER'
  /** Escrow posted or voided with no order on the chain behind it. */
  | 'UNBACKED_RESOLUTION'
  /** A resolution naming a transaction that is no decision of the chain about this order allowing it. */
  | 'RESOLUTION_NOT_ON_CHAIN'
  /** One leg resolved one way and the other another, or not at all. */
  | 'MIXED_LEGS';

export type AwaitingKind =
  /** The chain decided; the escrow agent has not processed that decision yet. */
  | 'AGENT_BEHIND'
  /** A fresh lock whose proposal has not reached the chain (yet): within its orphan window. */
  | 'NOT_ON_CHAIN_YET'
  /** A lock returned as an orphan before its proposal committed after all: the banks will reject the order. */
  | 'ORPHAN_RETURNED';

export interface ChainEvidence {
  state: string;
  txId: string;
  blockNumber: string;
  txIndex: number;
}

export type LedgerEvidence = LedgerSide;

export interface Finding<K extends string> {
  orderId: string;
  kind: K;
  /** What the ledger should show for the chain's state (null: no order on the chain). */
  expected: LockStatus | null;
  chain: ChainEvidence | null;
  ledger: LedgerEvidence | null;
  /** Whether the escrow agent has processed the chain's latest decision about the order (null: no order on the chain). */
  agentProcessed: boolean | null;
  explanation: string;
}
export type Discrepancy = Finding<DiscrepancyKind>;
export type Awaiting = Finding<AwaitingKind>;

export interface Reconciliation {
  /** Orders on the chain or with a lock in the ledger (each once). */
  orders: number;
  chainOrders: number;
  ledgerLocks: number;
  agreeing: number;
  discrepancies: Discrepancy[];
  awaiting: Awaiting[];
}

const isState = (state: string): state is OrderState => Object.hasOwn(settledStatus, state);

const chainEvidence = (c: ChainSide): ChainEvidence => ({
  state: c.state,
  txId: c.txId,
  blockNumber: c.blockNumber.toString(),
  txIndex: c.txIndex,
});

/** Whether the agent has processed the decision the chain side's latest transaction made. */
export function agentProcessed(chain: ChainSide, agent: AgentSide): boolean {
  return agent.processed.has(agentJobId(chain.txId)) || (agent.checkpointBlock !== undefined && chain.blockNumber < agent.checkpointBlock);
}

/**
 * The agent jobs whose progress the reconciliation needs: the orders whose lock has not yet moved to
 * where the chain's state calls for. Everything else is judged without it.
 */
export function decisionsToCheck(chain: readonly ChainSide[], ledger: readonly LedgerSide[]): string[] {
  const locks = new Map(ledger.map((l) => [l.orderId, l]));
  return chain
    .filter((c) => isState(c.state) && settledStatus[c.state] !== 'locked' && locks.get(c.orderId)?.status === 'locked')
    .map((c) => agentJobId(c.txId));
}

/**
 * Every order on either side, judged:
 * - on the chain, with a lock: the lock's status must be the one the state calls for (`settledStatus`);
 *   a lock still `locked` where the chain has decided is the agent not there yet while it has not
 *   processed that decision, a disagreement once it has. A posted or voided lock must name chain
 *   decisions about this order that allow it (an orphan's return, `orphan@<height>`, may stand for a
 *   refusal of an order whose proposal committed after its lock went back);
 * - on the chain without a lock: a disagreement (the order is backed by nothing);
 * - a lock without its order: within its orphan window the proposal may still be on its way; past it, or
 *   resolved by a decision the chain view does not hold, a disagreement; an orphan returned agrees.
 */
export function reconcile(input: {
  chain: readonly ChainSide[];
  ledger: readonly LedgerSide[];
  agent: AgentSide;
  now: Date;
}): Reconciliation {
  const locks = new Map(input.ledger.map((l) => [l.orderId, l]));
  const onChain = new Map(input.chain.map((c) => [c.orderId, c]));
  const discrepancies: Discrepancy[] = [];
  const awaiting: Awaiting[] = [];
  let agreeing = 0;

  for (const c of input.chain) {
    const lock = locks.get(c.orderId);
    const expected = isState(c.state) ? settledStatus[c.state] : null;
    const processed = agentProcessed(c, input.agent);
    const finding = <K extends string>(kind: K, explanation: string): Finding<K> => ({
      orderId: c.orderId,
      kind,
      expected,
      chain: chainEvidence(c),
      ledger: lock ?? null,
      agentProcessed: processed,
      explanation,
    });
    if (!lock) {
      discrepancies.push(finding('NO_LOCK', `the chain has the order ${c.state}, the ledger has no escrow lock for it`));
      continue;
    }
    if (lock.status === 'mixed') {
      discrepancies.push(finding('MIXED_LEGS', `the escrow's legs were resolved apart while the chain has the order ${c.state}`));
      continue;
    }
    if (expected === null) {
      discrepancies.push(finding('STATE_MISMATCH', `the chain holds the order in a state this supervision does not know (${c.state})`));
      continue;
    }
    const orphaned = lock.status === 'voided' && lock.decisionTxs.length > 0 && lock.decisionTxs.every((tx) => orphanReturn.test(tx));
    if (lock.status !== expected) {
      if (lock.status === 'locked' && !processed) {
        awaiting.push(finding('AGENT_BEHIND', `the chain has the order ${c.state}; the escrow agent has not processed that decision yet`));
      } else if (orphaned && c.state === 'PROPOSED') {
        awaiting.push(
          finding('ORPHAN_RETURNED', 'the lock went back as an orphan before the proposal committed; the banks will reject the order'),
        );
      } else {
        discrepancies.push(
          finding(
            'STATE_MISMATCH',
            `the chain has the order ${c.state}, which calls for the escrow ${expected}; the ledger has it ${lock.status}` +
              (lock.status === 'locked' ? ' although the escrow agent has processed the decision' : ''),
          ),
        );
      }
      continue;
    }
    if (lock.status !== 'locked') {
      const decisions = new Map(c.transitions.map((t) => [t.txId, t.to]));
      const allowed = allows[lock.status];
      const unbacked = lock.decisionTxs.filter((tx) => {
        if (orphaned) return !['REJECTED', 'EXPIRED'].includes(c.state);
        const to = decisions.get(tx);
        return to === undefined || !allowed.includes(to);
      });
      if (unbacked.length > 0 || lock.decisionTxs.length === 0) {
        discrepancies.push(
          finding(
            'RESOLUTION_NOT_ON_CHAIN',
            `the escrow was ${lock.status} on ${unbacked.join(', ') || 'no decision at all'}, which is no decision of the chain about this order that allows it`,
          ),
        );
        continue;
      }
    }
    agreeing += 1;
  }

  for (const lock of input.ledger) {
    if (onChain.has(lock.orderId)) continue;
    const finding = <K extends string>(kind: K, explanation: string): Finding<K> => ({
      orderId: lock.orderId,
      kind,
      expected: null,
      chain: null,
      ledger: lock,
      agentProcessed: null,
      explanation,
    });
    if (lock.status === 'mixed') {
      discrepancies.push(finding('MIXED_LEGS', "the escrow's legs were resolved apart, and the chain has no such order"));
    } else if (lock.status === 'locked') {
      if (lock.expiresAt === null) {
        discrepancies.push(
          finding('LOCK_WITHOUT_ORDER', 'the escrow agent saw the order on the chain, the chain view holds no such order'),
        );
      } else if (new Date(lock.expiresAt).getTime() > input.now.getTime()) {
        awaiting.push(
          finding('NOT_ON_CHAIN_YET', `no order on the chain yet; the lock goes back to the buyer at ${lock.expiresAt} if none comes`),
        );
      } else {
        discrepancies.push(
          finding('ORPHAN_LOCK', `no order on the chain, and the lock is past its expiry (${lock.expiresAt}): an orphan not yet returned`),
        );
      }
    } else if (lock.status === 'voided' && lock.decisionTxs.length > 0 && lock.decisionTxs.every((tx) => orphanReturn.test(tx))) {
      agreeing += 1;
    } else {
      discrepancies.push(finding('UNBACKED_RESOLUTION', `the escrow was ${lock.status} with no order on the chain behind it`));
    }
  }

  const byOrder = <T extends { orderId: string }>(a: T, b: T): number => (a.orderId < b.orderId ? -1 : a.orderId > b.orderId ? 1 : 0);
  return {
    orders: new Set([...onChain.keys(), ...locks.keys()]).size,
    chainOrders: onChain.size,
    ledgerLocks: locks.size,
    agreeing,
    discrepancies: discrepancies.sort(byOrder),
    awaiting: awaiting.sort(byOrder),
  };
}

/** "0 discrepancies over 12 orders". */
export const verdict = (r: Pick<Reconciliation, 'discrepancies' | 'orders'>): string =>
  `${r.discrepancies.length} discrepanc${r.discrepancies.length === 1 ? 'y' : 'ies'} over ${r.orders} order${r.orders === 1 ? '' : 's'}`;
