import { createHash } from 'node:crypto';
import type pg from 'pg';

/**
 * Recomputes the journal's hash chain from the transfers it records. A receipt's journal position and
 * hash can then be checked against it: the ledger cannot rewrite a settled payment unnoticed.
 * Needs a connection that may read the ledger's tables (an auditor's or the owner's).
 */
export async function verifyJournal(client: pg.Pool | pg.Client): Promise<{ ok: boolean; entries: number; brokenAt?: number }> {
  const { rows } = await client.query<{ position: string; prev_hash: string; entry_hash: string; entry: string }>(`
    select j.position, j.prev_hash, j.entry_hash,
           jsonb_build_object('id', t.id, 'kind', t.kind, 'debit', t.debit_account, 'credit', t.credit_account,
                              'amount', t.amount::text, 'order', t.order_id, 'purpose', t.purpose)::text as entry
      from ledger.journal j join ledger.transfers t on t.id = j.transfer_id order by j.position`);
  let previous = '0'.repeat(64);
  for (const row of rows) {
    const expected = createHash('sha256')
      .update(previous + row.entry)
      .digest('hex');
    if (row.prev_hash !== previous || row.entry_hash !== expected)
      return { ok: false, entries: rows.length, brokenAt: Number(row.position) };
    previous = row.entry_hash;
  }
  return { ok: true, entries: rows.length };
}

export async function journalEntry(
  client: pg.Pool | pg.Client,
  position: number,
): Promise<{ entryHash: string; transferId: string } | undefined> {
  const { rows } = await client.query<{ entry_hash: string; transfer_id: string }>(
    'select entry_hash, transfer_id from ledger.journal where position = $1',
    [position],
  );
  return rows[0] ? { entryHash: rows[0].entry_hash, transferId: rows[0].transfer_id } : undefined;
}
