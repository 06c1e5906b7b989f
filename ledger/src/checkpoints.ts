import type { EventPosition, FollowerCheckpoints } from '@securepay/client';
import type pg from 'pg';

/**
 * Where a chain follower resumes reading, and which of its jobs have taken effect, kept in the
 * ledger's database: a bank's bridge in `bridge.*` (each bank its own rows, by row-level security),
 * the escrow agent in `agent.*`, the platform API's order listing in `platform.*` (which keeps its
 * position only: it applies each event as it reads it, no jobs, so it never calls the job methods). The checkpoint only ever names an event all of whose jobs have taken
 * effect, so nothing after it is lost whatever crashes (the follower, Redis, PostgreSQL, the peer).
 */
export class PgCheckpoints implements FollowerCheckpoints {
  constructor(
    private readonly pool: pg.Pool,
    private readonly schema: 'bridge' | 'agent' | 'platform',
    private readonly follower: string,
  ) {}

  async load(): Promise<EventPosition | undefined> {
    const { rows } = await this.pool.query<{ block_number: string; tx_id: string }>(
      `select block_number, tx_id from ${this.schema}.checkpoints where follower = $1`,
      [this.follower],
    );
    return rows[0] ? { blockNumber: BigInt(rows[0].block_number), transactionId: rows[0].tx_id } : undefined;
  }

  async save(position: EventPosition): Promise<void> {
    await this.pool.query(
      `insert into ${this.schema}.checkpoints (follower, block_number, tx_id) values ($1, $2, $3)
       on conflict (follower) do update set block_number = excluded.block_number, tx_id = excluded.tx_id, updated_at = now()`,
      [this.follower, position.blockNumber.toString(), position.transactionId],
    );
  }

  async markProcessed(jobIds: string[]): Promise<void> {
    if (jobIds.length === 0) return;
    await this.pool.query(`insert into ${this.schema}.processed (follower, job_id) select $1, unnest($2::text[]) on conflict do nothing`, [
      this.follower,
      jobIds,
    ]);
  }

  async processed(jobIds: string[]): Promise<Set<string>> {
    if (jobIds.length === 0) return new Set();
    const { rows } = await this.pool.query<{ job_id: string }>(
      `select job_id from ${this.schema}.processed where follower = $1 and job_id = any($2)`,
      [this.follower, jobIds],
    );
    return new Set(rows.map((r) => r.job_id));
  }
}
