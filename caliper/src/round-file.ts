import { z } from 'zod';
import { procSnapshotSchema, type ProcSnapshot } from './cpu-groups';

/** One transaction as a worker saw it: the step, when it was sent and answered, whether it committed. */
export const txRecordSchema = z.object({
  step: z.string(),
  start: z.number(),
  end: z.number(),
  ok: z.boolean(),
  orders: z.number().int().nonnegative(),
  /** Sent during the round's warm-up phase: left out of every figure. */
  warm: z.literal(true).optional(),
});
export type TxRecord = z.infer<typeof txRecordSchema>;

/** How a round's prepared pool fared (flows on prepared orders only), per worker. */
export const poolReportSchema = z.object({
  /** Orders the round asked to have ready, those already in the pool, and those prepared for it. */
  wanted: z.number(),
  available: z.number(),
  prepared: z.number(),
  /** Orders that took at least one step in the round, that finished, that failed, and that are left. */
  touched: z.number(),
  finished: z.number(),
  dropped: z.number(),
  left: z.number(),
  ranDry: z.boolean(),
  ranDryInWarmUp: z.boolean(),
  idleProbes: z.number(),
});
export type PoolReport = z.infer<typeof poolReportSchema>;

/** What `workloads/escrow-flow.js` writes for each round and worker. Older runs wrote the records alone. */
const workerFileSchema = z.union([
  z.array(txRecordSchema).transform((records) => ({ records, phase: undefined, cpu: null, pool: null, inFlightCapped: 0 })),
  z.object({
    records: z.array(txRecordSchema),
    phase: z.object({ firstCall: z.number().nullable(), measureFrom: z.number().nullable() }).optional(),
    cpu: z.object({ start: procSnapshotSchema, end: procSnapshotSchema }).nullable(),
    pool: poolReportSchema.nullable(),
    inFlightCapped: z.number(),
  }),
]);

/** A round as all its workers recorded it. */
export interface RoundOutcome {
  records: TxRecord[];
  /** When worker 0's measured phase began (after its warm-up). */
  measureFrom?: number;
  /** Worker 0's snapshots at the start of the measured phase and at the round's end. */
  cpu?: { start: ProcSnapshot; end: ProcSnapshot };
  pools: PoolReport[];
  /** Times an open-loop round held a transaction back at its in-flight guard. */
  inFlightCapped: number;
}

/** Folds the workers' files of one round (worker 0's first). */
export function roundOutcome(workerFiles: readonly unknown[]): RoundOutcome {
  const files = workerFiles.map((f) => workerFileSchema.parse(f));
  const first = files[0];
  return {
    records: files.flatMap((f) => f.records),
    ...(typeof first?.phase?.measureFrom === 'number' ? { measureFrom: first.phase.measureFrom } : {}),
    ...(first?.cpu ? { cpu: first.cpu } : {}),
    pools: files.flatMap((f) => (f.pool ? [f.pool] : [])),
    inFlightCapped: files.reduce((sum, f) => sum + f.inFlightCapped, 0),
  };
}
