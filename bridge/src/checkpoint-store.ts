import type pg from 'pg';

export interface EventPosition {
  blockNumber: bigint;
  transactionId: string;
}

/**
 * Where a bank's bridge resumes reading, kept in PostgreSQL. It only ever names an event all of
 * whose jobs have taken effect, so nothing after it is lost whatever crashes (bridge, Redis, peer).
 */
export class CheckpointStore {
  constructor(
    private readonly pool: pg.Pool,
    private readonly bank: string,
  ) {}

  async load(): Promise<EventPosition | undefined> {
    const { rows } = await this.pool.query<{ block_number: string; tx_id: string }>(
      'select block_number, tx_id from bridge.checkpoints where bank = $1',
      [this.bank],
    );
    return rows[0] ? { blockNumber: BigInt(rows[0].block_number), transactionId: rows[0].tx_id } : undefined;
  }

  async save(position: EventPosition): Promise<void> {
    await this.pool.query(
      `insert into bridge.checkpoints (bank, block_number, tx_id) values ($1, $2, $3)
       on conflict (bank) do update set block_number = excluded.block_number, tx_id = excluded.tx_id, updated_at = now()`,
      [this.bank, position.blockNumber.toString(), position.transactionId],
    );
  }

  async markProcessed(jobId: string): Promise<void> {
    await this.pool.query('insert into bridge.processed (bank, job_id) values ($1, $2) on conflict do nothing', [this.bank, jobId]);
  }

  async processed(jobIds: string[]): Promise<Set<string>> {
    if (jobIds.length === 0) return new Set();
    const { rows } = await this.pool.query<{ job_id: string }>('select job_id from bridge.processed where bank = $1 and job_id = any($2)', [
      this.bank,
      jobIds,
    ]);
    return new Set(rows.map((r) => r.job_id));
  }
}
