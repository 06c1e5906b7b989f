import { agentFollower } from '@securepay/escrow-agent';
import type { Aging, BankExposure, ChainOrderRow, JournalCheck, Supply, SupervisionLedger } from '@securepay/ledger';
import type { ChainScan, ScanProgress } from './chain-scan';
import { decisionsToCheck, reconcile, verdict, type ChainSide, type Reconciliation } from './reconciliation';

/** Where the chain view stood when a report was made: every block below `scannedTo` is in it. */
export interface ChainPosition {
  scannedTo: string;
  height: string;
}

export interface SupplyReport {
  asOf: string;
  supply: Supply;
  journal: JournalCheck;
}

export interface ReconciliationReport extends Reconciliation {
  asOf: string;
  chain: ChainPosition;
  /** The escrow agent's checkpoint block, if it has one. */
  agentCheckpoint: string | null;
  verdict: string;
}

/** What the demo prints and the page opens with: supply, exposure per bank, the reconciliation's count. */
export interface SupervisionSummary {
  asOf: string;
  chain: ChainPosition;
  supply: Supply;
  journal: JournalCheck;
  exposure: BankExposure[];
  reconciliation: {
    orders: number;
    agreeing: number;
    discrepancies: number;
    awaiting: number;
    byKind: Record<string, number>;
    verdict: string;
  };
  aging: { locksPastExpiry: number; ordersPastDeadline: number };
}

export const defaultAgingBands: readonly number[] = [60, 600, 3600, 86_400];

const chainSide = (row: ChainOrderRow): ChainSide => ({
  orderId: row.orderId,
  state: row.state,
  txId: row.txId,
  blockNumber: BigInt(row.blockNumber),
  txIndex: row.txIndex,
  transitions: row.transitions,
});

const position = (p: ScanProgress): ChainPosition => ({ scannedTo: p.nextBlock.toString(), height: p.height.toString() });

/**
 * The central bank's supervision: its own ledger login's read-only functions and its own view of the
 * chain, caught up before every report so that each speaks of the chain as the central bank's peer
 * holds it now.
 */
export class Supervisor {
  constructor(
    private readonly ledger: SupervisionLedger,
    private readonly scan: ChainScan,
    private readonly options: { agingBands?: readonly number[]; now?: () => Date } = {},
  ) {}

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }

  async supply(): Promise<SupplyReport> {
    const [supply, journal] = await Promise.all([this.ledger.supply(), this.ledger.verifyJournal()]);
    return { asOf: this.now().toISOString(), supply, journal };
  }

  async exposure(): Promise<{ asOf: string; chain: ChainPosition; banks: BankExposure[] }> {
    const progress = await this.scan.catchUp();
    return { asOf: this.now().toISOString(), chain: position(progress), banks: await this.ledger.exposure() };
  }

  async aging(
    bands: readonly number[] = this.options.agingBands ?? defaultAgingBands,
    limit = 100,
  ): Promise<Aging & { chain: ChainPosition }> {
    const progress = await this.scan.catchUp();
    return { ...(await this.ledger.aging(bands, limit)), chain: position(progress) };
  }

  async reconciliation(): Promise<ReconciliationReport> {
    const progress = await this.scan.catchUp();
    // The ledger is read after the chain: a lock made since is at worst "not on the chain yet".
    const chain = (await this.ledger.allChainOrders()).map(chainSide);
    const ledger = await this.ledger.allEscrowLocks();
    const agent = await this.ledger.agentProgress(agentFollower, decisionsToCheck(chain, ledger));
    const now = this.now();
    const result = reconcile({
      chain,
      ledger,
      agent: {
        checkpointBlock: agent.checkpoint ? BigInt(agent.checkpoint.blockNumber) : undefined,
        processed: new Set(agent.processed),
      },
      now,
    });
    return {
      asOf: now.toISOString(),
      chain: position(progress),
      agentCheckpoint: agent.checkpoint?.blockNumber ?? null,
      ...result,
      verdict: verdict(result),
    };
  }

  async summary(): Promise<SupervisionSummary> {
    const reconciliation = await this.reconciliation();
    const [{ supply, journal }, exposure, aging] = await Promise.all([
      this.supply(),
      this.ledger.exposure(),
      this.ledger.aging(this.options.agingBands ?? defaultAgingBands, 0),
    ]);
    const byKind: Record<string, number> = {};
    for (const d of reconciliation.discrepancies) byKind[d.kind] = (byKind[d.kind] ?? 0) + 1;
    return {
      asOf: reconciliation.asOf,
      chain: reconciliation.chain,
      supply,
      journal,
      exposure,
      reconciliation: {
        orders: reconciliation.orders,
        agreeing: reconciliation.agreeing,
        discrepancies: reconciliation.discrepancies.length,
        awaiting: reconciliation.awaiting.length,
        byKind,
        verdict: reconciliation.verdict,
      },
      aging: { locksPastExpiry: aging.pastExpiry.locks, ordersPastDeadline: aging.pastDeadline.orders },
    };
  }
}
