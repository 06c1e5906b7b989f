import type pg from 'pg';
import { z } from 'zod';
import { LedgerError } from './ledger-error';

/*
 * The central bank's supervision functions (migration 012), as its own login reaches them. Every
 * answer is checked against its schema as it is read: these figures are what the money issuer acts
 * on. None of them carries a wallet id, an owner credential or a name: order ids, bank MSP ids, totals.
 */

const amount = z.string().regex(/^\d+$/);
const signedAmount = z.string().regex(/^-?\d+$/);
const blockNumber = z.string().regex(/^\d+$/);
const count = z.number().int().nonnegative();
const timestamp = z.string().min(1);

export const supplySchema = z.object({
  minted: amount,
  redeemed: amount,
  /** minted − redeemed */
  outstanding: signedAmount,
  /** Every account's balance but the issuance account's. */
  balances: amount,
  /** Every open pending transfer: escrow locks and dispute deposits. */
  locked: amount,
  /** balances + locked − outstanding: zero when the books hold. */
  difference: signedAmount,
  /** The issuance account, which mirrors what is outstanding (its negative). */
  issuance: signedAmount,
  ok: z.boolean(),
  balancesByKind: z.record(z.string(), amount),
  lockedByKind: z.record(z.string(), amount),
});
export type Supply = z.infer<typeof supplySchema>;

export const journalCheckSchema = z.object({
  ok: z.boolean(),
  entries: count,
  headPosition: count,
  /** The first position where the hash chain does not hold. */
  firstBreak: z.number().int().positive().nullable(),
  reason: z.string().nullable(),
});
export type JournalCheck = z.infer<typeof journalCheckSchema>;

export const bankExposureSchema = z.object({
  bank: z.string(),
  customerWallets: count,
  customerBalances: amount,
  bankAccount: amount,
  reserve: amount,
  /** Escrow locked from its customers' wallets: orders where it is the buyer's bank. */
  escrowLocked: amount,
  escrowOrders: count,
  depositsLocked: amount,
  deposits: count,
  compensationsPaid: amount,
  compensations: count,
  /** Orders of its merchants confirmed past the settlement deadline, or challenged for the proof. */
  settlementProofsLate: count,
  challenged: count,
  challengesOverdue: count,
  compensatedOrders: count,
});
export type BankExposure = z.infer<typeof bankExposureSchema>;

export const lockStatuses = ['locked', 'posted', 'voided', 'mixed'] as const;
export type LockStatus = (typeof lockStatuses)[number];

export const escrowLockRowSchema = z.object({
  orderId: z.string(),
  /** `mixed`: one leg resolved one way and the other another (or not at all). */
  status: z.enum(lockStatuses),
  merchantAmount: amount,
  commissionAmount: amount,
  buyerBank: z.string().nullable(),
  merchantBank: z.string().nullable(),
  lockedAt: timestamp,
  /** Null once the escrow agent has seen the order on the chain (its lock then follows the chain). */
  expiresAt: timestamp.nullable(),
  resolvedAt: timestamp.nullable(),
  /** The on-chain transactions the resolving rows name (`orphan@<height>` for an orphan returned). */
  decisionTxs: z.array(z.string()),
  /** Where the payment of a posted lock is in the journal. */
  journalPositions: z.array(z.number().int().positive()),
  /** What the escrow agent last proved of the order (`ledger.chain_orders`). */
  agentSaw: z.object({ state: z.string(), txId: z.string(), blockNumber }).nullable(),
  /** Decisions about the order the agent refused to act on. */
  refusals: z.array(z.object({ txId: z.string(), code: z.string() })),
});
export type EscrowLockRow = z.infer<typeof escrowLockRowSchema>;

export const agingSchema = z.object({
  asOf: timestamp,
  bands: z.array(
    z.object({
      fromSeconds: count,
      toSeconds: count.nullable(),
      escrowOrders: count,
      escrowAmount: amount,
      deposits: count,
      depositAmount: amount,
    }),
  ),
  pastExpiry: z.object({
    locks: count,
    amount,
    list: z.array(z.object({ orderId: z.string(), purpose: z.string(), amount, expiresAt: timestamp, agentSaw: z.string().nullable() })),
  }),
  pastDeadline: z.object({
    orders: count,
    list: z.array(
      z.object({
        orderId: z.string(),
        state: z.string(),
        deadlineName: z.string(),
        deadline: timestamp,
        overdueSeconds: count,
        txId: z.string(),
        blockNumber,
      }),
    ),
  }),
});
export type Aging = z.infer<typeof agingSchema>;

export const agentProgressSchema = z.object({
  checkpoint: z.object({ blockNumber, txId: z.string(), updatedAt: timestamp }).nullable(),
  processed: z.array(z.string()),
});
export type AgentProgress = z.infer<typeof agentProgressSchema>;

export const chainScanPositionSchema = z
  .object({ nextBlock: blockNumber, lastBlockHash: z.string().nullable(), updatedAt: timestamp })
  .nullable();
export type ChainScanPosition = NonNullable<z.infer<typeof chainScanPositionSchema>>;

export const chainTransitionSchema = z.object({ txId: z.string(), to: z.string(), action: z.string() });
export type ChainTransition = z.infer<typeof chainTransitionSchema>;

/** One order as a VALID transaction on the central bank's peer wrote it: what the scan records. */
export interface ChainOrderRecord {
  orderId: string;
  state: string;
  buyerBank: string;
  merchantBank: string;
  /** Epoch milliseconds. */
  createdAt: number;
  /** The deadline of the state it is in (`approveBy`, `settleBy`, …), none once final. */
  deadlineName: string | null;
  deadline: number | null;
  txId: string;
  blockNumber: bigint;
  /** The transaction's place among the block's transactions. */
  txIndex: number;
  writtenAt: number;
  transitions: ChainTransition[];
}

export const chainOrderRowSchema = z.object({
  orderId: z.string(),
  state: z.string(),
  buyerBank: z.string(),
  merchantBank: z.string(),
  createdAt: timestamp,
  deadlineName: z.string().nullable(),
  deadline: timestamp.nullable(),
  txId: z.string(),
  blockNumber,
  txIndex: count,
  writtenAt: timestamp,
  firstBlock: blockNumber,
  transitions: z.array(chainTransitionSchema),
});
export type ChainOrderRow = z.infer<typeof chainOrderRowSchema>;

/** Keyset pages by order id: `next` is the last order id of a full page. */
const locksPageSchema = z.object({ locks: z.array(escrowLockRowSchema), next: z.string().nullable() });
const chainPageSchema = z.object({ orders: z.array(chainOrderRowSchema), next: z.string().nullable() });

/**
 * The supervision functions over the central bank's own pool. The ledger refuses them to every
 * other party (`FORBIDDEN`), whatever it sends.
 */
export class SupervisionLedger {
  constructor(private readonly pool: pg.Pool) {}

  private async call<T>(schema: z.ZodType<T>, fn: string, ...args: unknown[]): Promise<T> {
    const params = args.map((_, i) => `$${i + 1}`).join(', ');
    let result: unknown;
    try {
      const { rows } = await this.pool.query<{ result: unknown }>(`select supervision.${fn}(${params}) as result`, args);
      result = rows[0]!.result;
    } catch (error) {
      throw LedgerError.from(error);
    }
    const parsed = schema.safeParse(result);
    if (!parsed.success) throw new Error(`supervision.${fn} answered what this code does not expect: ${z.prettifyError(parsed.error)}`);
    return parsed.data;
  }

  /** minted − redeemed = balances + locked, to the minor unit. */
  supply(): Promise<Supply> {
    return this.call(supplySchema, 'supply');
  }

  /** The journal's hash chain, from its first entry; the first break's position if there is one. */
  verifyJournal(): Promise<JournalCheck> {
    return this.call(journalCheckSchema, 'verify_journal');
  }

  exposure(): Promise<BankExposure[]> {
    return this.call(z.array(bankExposureSchema), 'exposure');
  }

  escrowLocks(after: string | null = null, limit = 1000): Promise<{ locks: EscrowLockRow[]; next: string | null }> {
    return this.call(locksPageSchema, 'escrow_locks', after, limit);
  }

  /** Every order's escrow lock, page by page. */
  async allEscrowLocks(): Promise<EscrowLockRow[]> {
    const all: EscrowLockRow[] = [];
    for (let after: string | null = null; ;) {
      const page = await this.escrowLocks(after, 5000);
      all.push(...page.locks);
      if (!page.next) return all;
      after = page.next;
    }
  }

  /** `bands`: the age bands' lower bounds in seconds after the first (0); `limit`: how many locks and orders to list. */
  aging(bands: readonly number[], limit = 100): Promise<Aging> {
    return this.call(agingSchema, 'aging', [...bands], limit);
  }

  /** The agent's checkpoint, and which of the jobs (`<txId>.<orderId>`) have taken effect. */
  agentProgress(follower: string, jobs: readonly string[]): Promise<AgentProgress> {
    return this.call(agentProgressSchema, 'agent_progress', follower, [...jobs]);
  }

  async chainScanPosition(): Promise<ChainScanPosition | undefined> {
    return (await this.call(chainScanPositionSchema, 'chain_scan_position')) ?? undefined;
  }

  /** Records the orders blocks [from, to) wrote and moves the scan to `to`, at once; `SCAN_CONFLICT` if the scan is not at `from`. */
  async recordChainScan(from: bigint, to: bigint, lastBlockHash: string | null, orders: readonly ChainOrderRecord[]): Promise<void> {
    const rows = orders.map((o) => ({ ...o, blockNumber: o.blockNumber.toString() }));
    await this.call(z.unknown(), 'record_chain_scan', from.toString(), to.toString(), lastBlockHash, JSON.stringify(rows));
  }

  chainView(after: string | null = null, limit = 1000): Promise<{ orders: ChainOrderRow[]; next: string | null }> {
    return this.call(chainPageSchema, 'chain_view', after, limit);
  }

  async allChainOrders(): Promise<ChainOrderRow[]> {
    const all: ChainOrderRow[] = [];
    for (let after: string | null = null; ;) {
      const page = await this.chainView(after, 5000);
      all.push(...page.orders);
      if (!page.next) return all;
      after = page.next;
    }
  }
}
