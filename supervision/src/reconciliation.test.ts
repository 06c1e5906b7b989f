import type { LockStatus } from '@securepay/ledger';
import {
  agentJobId,
  agentProcessed,
  decisionsToCheck,
  reconcile,
  verdict,
  type AgentSide,
  type ChainSide,
  type LedgerSide,
} from './reconciliation';

const now = new Date('2026-03-01T12:00:00Z');
const later = '2026-03-01T12:10:00.000Z';
const earlier = '2026-03-01T11:50:00.000Z';
let serial = 0;
const tx = (label: string): string => `${label}-${(serial++).toString(16).padStart(4, '0')}`;

/** The chain has the order in `state`, written by `txId` in block 20; its history ends there. */
function chainAt(orderId: string, state: string, txId = tx(state), history: { txId: string; to: string }[] = []): ChainSide {
  return {
    orderId,
    state,
    txId,
    blockNumber: 20n,
    txIndex: 1,
    transitions: [{ txId: tx('propose'), to: 'PROPOSED' }, ...history, { txId, to: state }],
  };
}

function lockOf(
  orderId: string,
  status: LockStatus | 'none',
  decisionTxs: string[] = [],
  overrides: Partial<LedgerSide> = {},
): LedgerSide[] {
  if (status === 'none') return [];
  return [
    {
      orderId,
      status,
      merchantAmount: '975',
      commissionAmount: '25',
      lockedAt: earlier,
      expiresAt: null,
      decisionTxs,
      journalPositions: status === 'posted' ? [41, 42] : [],
      agentSaw: null,
      refusals: [],
      ...overrides,
    },
  ];
}

const nobody: AgentSide = { processed: new Set() };
const processedAll = (chain: ChainSide[]): AgentSide => ({ processed: new Set(chain.map((c) => agentJobId(c.txId))) });

/** The specification, row by row: each state the chain can hold, and the escrow status it calls for. */
const mapping: [string, LockStatus][] = [
  ['PROPOSED', 'locked'],
  ['ESCROWED', 'locked'],
  ['SHIPPED', 'locked'],
  ['DELIVERED', 'locked'],
  ['DISPUTED', 'locked'],
  ['CONFIRMED', 'posted'],
  ['CHALLENGED', 'posted'],
  ['SETTLED', 'posted'],
  ['COMPENSATED', 'posted'],
  ['REJECTED', 'voided'],
  ['EXPIRED', 'voided'],
  ['REFUNDED', 'voided'],
];
const statuses: LockStatus[] = ['locked', 'posted', 'voided'];

describe('every row of the mapping', () => {
  describe.each(mapping)('%s ⇔ %s', (state, agrees) => {
    const orderId = `o-${state.toLowerCase()}`;

    it(`agrees when the escrow is ${agrees}, naming the chain's decision`, () => {
      const chain = chainAt(orderId, state);
      const result = reconcile({
        chain: [chain],
        ledger: lockOf(orderId, agrees, agrees === 'locked' ? [] : [chain.txId]),
        agent: processedAll([chain]),
        now,
      });
      expect(result).toMatchObject({ orders: 1, agreeing: 1, discrepancies: [], awaiting: [] });
    });

    for (const other of statuses.filter((s) => s !== agrees)) {
      it(`disagrees when the escrow is ${other} and the escrow agent has processed the decision`, () => {
        const chain = chainAt(orderId, state);
        const ledger = lockOf(orderId, other, other === 'locked' ? [] : [tx('decision')]);
        const { discrepancies, awaiting, agreeing } = reconcile({ chain: [chain], ledger, agent: processedAll([chain]), now });
        expect(agreeing).toBe(0);
        expect(awaiting).toEqual([]);
        expect(discrepancies).toEqual([
          {
            orderId,
            kind: 'STATE_MISMATCH',
            expected: agrees,
            chain: { state, txId: chain.txId, blockNumber: '20', txIndex: 1 },
            ledger: ledger[0],
            agentProcessed: true,
            explanation: expect.stringContaining(`calls for the escrow ${agrees}; the ledger has it ${other}`),
          },
        ]);
      });
    }

    if (agrees !== 'locked') {
      it('is the agent not there yet while the escrow is still locked and the decision not processed', () => {
        const chain = chainAt(orderId, state);
        const result = reconcile({ chain: [chain], ledger: lockOf(orderId, 'locked'), agent: nobody, now });
        expect(result.discrepancies).toEqual([]);
        expect(result.awaiting).toEqual([
          expect.objectContaining({ orderId, kind: 'AGENT_BEHIND', expected: agrees, agentProcessed: false }),
        ]);
      });
    } else {
      it('disagrees when the escrow moved before any decision, processed or not', () => {
        for (const moved of ['posted', 'voided'] as const) {
          const chain = chainAt(orderId, state);
          const result = reconcile({ chain: [chain], ledger: lockOf(orderId, moved, [tx('forged')]), agent: nobody, now });
          expect(result.discrepancies).toEqual([
            expect.objectContaining({ kind: 'STATE_MISMATCH', expected: 'locked', agentProcessed: false }),
          ]);
        }
      });
    }

    it('disagrees when the ledger has no lock for it', () => {
      const chain = chainAt(orderId, state);
      expect(reconcile({ chain: [chain], ledger: [], agent: processedAll([chain]), now }).discrepancies).toEqual([
        expect.objectContaining({ orderId, kind: 'NO_LOCK', expected: agrees, ledger: null, chain: expect.objectContaining({ state }) }),
      ]);
    });

    it('disagrees when the legs were resolved apart', () => {
      const chain = chainAt(orderId, state);
      expect(
        reconcile({ chain: [chain], ledger: lockOf(orderId, 'mixed', [tx('d')]), agent: processedAll([chain]), now }).discrepancies,
      ).toEqual([expect.objectContaining({ kind: 'MIXED_LEGS' })]);
    });
  });
});

describe('the decisions a resolution names', () => {
  it('a posting must name a chain decision about the order that allows it', () => {
    const confirm = tx('confirm');
    const chain = chainAt('o-1', 'SETTLED', tx('settle'), [
      { txId: tx('escrow'), to: 'ESCROWED' },
      { txId: confirm, to: 'CONFIRMED' },
    ]);
    const agent = processedAll([chain]);
    expect(reconcile({ chain: [chain], ledger: lockOf('o-1', 'posted', [confirm]), agent, now }).agreeing).toBe(1);
    // A transaction the chain never recorded for this order, one that allows no posting, none at all.
    for (const named of [[tx('elsewhere')], [chain.transitions[1]!.txId], []]) {
      expect(reconcile({ chain: [chain], ledger: lockOf('o-1', 'posted', named), agent, now }).discrepancies).toEqual([
        expect.objectContaining({ kind: 'RESOLUTION_NOT_ON_CHAIN', expected: 'posted' }),
      ]);
    }
  });

  it('a voiding must name a refusal, an expiry or a refund of the order', () => {
    const reject = tx('reject');
    const chain = chainAt('o-2', 'REJECTED', reject);
    expect(reconcile({ chain: [chain], ledger: lockOf('o-2', 'voided', [reject]), agent: nobody, now }).agreeing).toBe(1);
    expect(
      reconcile({ chain: [chain], ledger: lockOf('o-2', 'voided', [chain.transitions[0]!.txId]), agent: nobody, now }).discrepancies,
    ).toEqual([expect.objectContaining({ kind: 'RESOLUTION_NOT_ON_CHAIN' })]);
  });

  it('an orphan returned before its proposal committed: awaiting the refusal while PROPOSED, agreeing once REJECTED or EXPIRED', () => {
    const orphan = ['orphan@118'];
    const proposed = chainAt('o-3', 'PROPOSED');
    expect(
      reconcile({ chain: [proposed], ledger: lockOf('o-3', 'voided', orphan), agent: processedAll([proposed]), now }).awaiting,
    ).toEqual([expect.objectContaining({ kind: 'ORPHAN_RETURNED' })]);
    for (const state of ['REJECTED', 'EXPIRED']) {
      expect(reconcile({ chain: [chainAt('o-3', state)], ledger: lockOf('o-3', 'voided', orphan), agent: nobody, now }).agreeing).toBe(1);
    }
    expect(
      reconcile({ chain: [chainAt('o-3', 'REFUNDED')], ledger: lockOf('o-3', 'voided', orphan), agent: nobody, now }).discrepancies,
    ).toEqual([expect.objectContaining({ kind: 'RESOLUTION_NOT_ON_CHAIN' })]);
    // An orphan's return while the chain has the order escrowed is money gone back behind the chain.
    expect(
      reconcile({ chain: [chainAt('o-3', 'ESCROWED')], ledger: lockOf('o-3', 'voided', orphan), agent: nobody, now }).discrepancies,
    ).toEqual([expect.objectContaining({ kind: 'STATE_MISMATCH' })]);
  });
});

describe('locks with no order on the chain', () => {
  const judge = (ledger: LedgerSide[]) => reconcile({ chain: [], ledger, agent: nobody, now });

  it('within its orphan window: the proposal may still be on its way', () => {
    expect(judge(lockOf('o-fresh', 'locked', [], { expiresAt: later }))).toMatchObject({
      discrepancies: [],
      awaiting: [expect.objectContaining({ kind: 'NOT_ON_CHAIN_YET', chain: null, agentProcessed: null })],
    });
  });

  it('past its expiry: an orphan the sweeper has not returned', () => {
    expect(judge(lockOf('o-old', 'locked', [], { expiresAt: earlier })).discrepancies).toEqual([
      expect.objectContaining({ kind: 'ORPHAN_LOCK', expected: null }),
    ]);
  });

  it('one the escrow agent saw on the chain, which the chain view does not hold', () => {
    const saw = { state: 'ESCROWED', txId: tx('escrow'), blockNumber: '12' };
    expect(judge(lockOf('o-seen', 'locked', [], { expiresAt: null, agentSaw: saw })).discrepancies).toEqual([
      expect.objectContaining({ kind: 'LOCK_WITHOUT_ORDER', ledger: expect.objectContaining({ agentSaw: saw }) }),
    ]);
  });

  it('an orphan returned agrees; any other posting or voiding is unbacked; split legs disagree', () => {
    expect(judge(lockOf('o-returned', 'voided', ['orphan@77'])).agreeing).toBe(1);
    expect(judge(lockOf('o-paid', 'posted', [tx('x')])).discrepancies).toEqual([expect.objectContaining({ kind: 'UNBACKED_RESOLUTION' })]);
    expect(judge(lockOf('o-voided', 'voided', [tx('x')])).discrepancies).toEqual([
      expect.objectContaining({ kind: 'UNBACKED_RESOLUTION' }),
    ]);
    expect(judge(lockOf('o-voided-silently', 'voided', [])).discrepancies).toEqual([
      expect.objectContaining({ kind: 'UNBACKED_RESOLUTION' }),
    ]);
    expect(judge(lockOf('o-split', 'mixed', [tx('x')])).discrepancies).toEqual([expect.objectContaining({ kind: 'MIXED_LEGS' })]);
  });
});

describe("the escrow agent's progress", () => {
  it('a decision is processed when its job took effect, or its block is below the checkpoint', () => {
    const chain = chainAt('o-p', 'CONFIRMED');
    expect(agentProcessed(chain, nobody)).toBe(false);
    expect(agentProcessed(chain, { processed: new Set([agentJobId(chain.txId)]) })).toBe(true);
    expect(agentProcessed(chain, { processed: new Set([agentJobId('ef'.repeat(32))]) })).toBe(false);
    expect(agentProcessed(chain, { checkpointBlock: 21n, processed: new Set() })).toBe(true);
    // The checkpoint's own block may hold events after the checkpoint's: not yet proven processed.
    expect(agentProcessed(chain, { checkpointBlock: 20n, processed: new Set() })).toBe(false);
  });

  it('asks only about orders whose lock has not yet followed a decision', () => {
    const chain = [
      chainAt('o-a', 'CONFIRMED'),
      chainAt('o-b', 'ESCROWED'),
      chainAt('o-c', 'REJECTED'),
      chainAt('o-d', 'SETTLED'),
      chainAt('o-e', 'REFUNDED'),
    ];
    const ledger = [
      ...lockOf('o-a', 'locked'),
      ...lockOf('o-b', 'locked'),
      ...lockOf('o-c', 'locked'),
      ...lockOf('o-d', 'posted', [chain[3]!.txId]),
    ];
    expect(decisionsToCheck(chain, ledger)).toEqual([agentJobId(chain[0]!.txId), agentJobId(chain[2]!.txId)]);
  });
});

describe('the whole', () => {
  it('counts each order once and says so', () => {
    const chain = [chainAt('o-1', 'ESCROWED'), chainAt('o-2', 'CONFIRMED'), chainAt('o-3', 'REJECTED')];
    const ledger = [
      ...lockOf('o-1', 'locked'),
      ...lockOf('o-2', 'posted', [chain[1]!.txId]),
      ...lockOf('o-3', 'voided', [chain[2]!.txId]),
      ...lockOf('o-4', 'locked', [], { expiresAt: later }),
    ];
    const clean = reconcile({ chain, ledger, agent: processedAll(chain), now });
    expect(clean).toMatchObject({ orders: 4, chainOrders: 3, ledgerLocks: 4, agreeing: 3, discrepancies: [] });
    expect(clean.awaiting.map((a) => a.orderId)).toEqual(['o-4']);
    expect(verdict(clean)).toBe('0 discrepancies over 4 orders');

    const dirty = reconcile({
      chain: [chainAt('o-9', 'SHIPPED'), ...chain],
      ledger: [...lockOf('o-9', 'voided', [tx('x')]), ...ledger],
      agent: nobody,
      now,
    });
    expect(dirty.discrepancies.map((d) => d.orderId)).toEqual(['o-9']);
    expect(verdict({ discrepancies: dirty.discrepancies, orders: 1 })).toBe('1 discrepancy over 1 order');
  });
});
