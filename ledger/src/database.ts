import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import { loginClient, type DatabaseLogin } from './credentials';
import type { Party } from './parties';

const migrationsDir = path.resolve(__dirname, '..', 'migrations');

const plainName = (name: string): string => {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`database name "${name}" must be a plain lower-case identifier`);
  return name;
};

/**
 * The migration step, with the database owner's credentials (the only thing that uses them): creates
 * the database if it is missing, applies every migration not yet applied, each in its own
 * transaction, under an advisory lock so two runs cannot race, then records who the parties are
 * (`ledger.parties`: login role → kind and bank), which every function's rights are decided from.
 * `database` picks another database than the login's (a test's throw-away one).
 */
export async function migrate(owner: DatabaseLogin, parties: readonly Party[], database = owner.database): Promise<string[]> {
  const server = loginClient(owner, 'postgres');
  await server.connect();
  try {
    const exists = await server.query('select 1 from pg_database where datname = $1', [database]);
    if (exists.rowCount === 0) await server.query(`create database ${plainName(database)}`).catch(ignoreDuplicate);
  } finally {
    await server.end();
  }

  const client = loginClient(owner, database);
  await client.connect();
  const applied: string[] = [];
  try {
    await client.query('select pg_advisory_lock(4242001)');
    await client.query(
      'create table if not exists public.securepay_migrations (version text primary key, applied_at timestamptz not null default now())',
    );
    const done = new Set(
      (await client.query<{ version: string }>('select version from public.securepay_migrations')).rows.map((r) => r.version),
    );
    for (const file of readdirSync(migrationsDir)
      .filter((f) => f.endsWith('.sql'))
      .sort()) {
      if (done.has(file)) continue;
      await client.query('begin');
      try {
        await client.query(readFileSync(path.join(migrationsDir, file), 'utf8'));
        await client.query('insert into public.securepay_migrations (version) values ($1)', [file]);
        await client.query('commit');
        applied.push(file);
      } catch (error) {
        await client.query('rollback');
        throw new Error(`migration ${file} failed: ${(error as Error).message}`);
      }
    }
    await registerParties(client, parties);
  } finally {
    await client.query('select pg_advisory_unlock(4242001)').catch(() => undefined);
    await client.end();
  }
  return applied;
}

/** The network's parties, and no others: a party no longer in the network loses every right at once. */
async function registerParties(client: pg.Client, parties: readonly Party[]): Promise<void> {
  await client.query('begin');
  try {
    await client.query('delete from ledger.parties where role <> all($1::text[])', [parties.map((p) => p.role)]);
    for (const p of parties) {
      await client.query(
        `insert into ledger.parties (role, kind, bank) values ($1, $2, $3)
         on conflict (role) do update set kind = excluded.kind, bank = excluded.bank`,
        [p.role, p.kind, p.mspId],
      );
    }
    await client.query('commit');
  } catch (error) {
    await client.query('rollback');
    throw error;
  }
}

/**
 * Drops a database, as its owner. A pool's `end()` resolves before its connections have closed, so
 * the drop first goes without force — PostgreSQL itself waits up to five seconds for other sessions
 * to leave — because a forced drop would cut them off and their pool would raise an error nobody
 * listens to any more. Whatever is still connected after that is closed by force.
 */
export async function dropDatabase(owner: DatabaseLogin, database: string): Promise<void> {
  const client = loginClient(owner, 'postgres');
  await client.connect();
  try {
    await client.query(`drop database if exists ${plainName(database)}`).catch(async (error: { code?: string }) => {
      // 55006 object_in_use: sessions still connected after PostgreSQL's own wait.
      if (error.code !== '55006') throw error;
      await client.query(`drop database if exists ${plainName(database)} with (force)`);
    });
  } finally {
    await client.end();
  }
}

function ignoreDuplicate(error: { code?: string }): void {
  // Another process created it between our check and our create.
  if (error.code !== '42P04' && error.code !== '23505') throw error;
}
