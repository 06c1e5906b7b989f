import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';

const migrationsDir = path.resolve(__dirname, '..', 'migrations');

/** The ledger's database as its owner sees it (migrations); defaults to the machine's local server. */
export const adminDatabaseUrl = (): string => process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/securepay';

/** The same database as a role that may only call the ledger's functions. */
export function roleDatabaseUrl(role: LedgerRole, adminUrl = adminDatabaseUrl()): string {
  const url = new URL(adminUrl);
  url.username = role;
  url.password = '';
  return url.toString();
}

export type LedgerRole = 'securepay_bridge' | 'securepay_central_bank';
const roles: LedgerRole[] = ['securepay_bridge', 'securepay_central_bank'];

/**
 * Creates the database if it is missing, the login roles, and applies every migration not yet
 * applied, each in its own transaction, under an advisory lock so two starting services cannot race.
 */
export async function migrate(adminUrl = adminDatabaseUrl()): Promise<string[]> {
  const url = new URL(adminUrl);
  const database = decodeURIComponent(url.pathname.slice(1));
  if (!/^[a-z_][a-z0-9_]*$/.test(database)) throw new Error(`database name "${database}" must be a plain lower-case identifier`);
  const maintenance = new URL(adminUrl);
  maintenance.pathname = '/postgres';
  const server = new pg.Client({ connectionString: maintenance.toString() });
  await server.connect();
  try {
    const exists = await server.query('select 1 from pg_database where datname = $1', [database]);
    if (exists.rowCount === 0) await server.query(`create database ${database}`).catch(ignoreDuplicate);
    for (const role of roles) {
      const found = await server.query('select 1 from pg_roles where rolname = $1', [role]);
      if (found.rowCount === 0) await server.query(`create role ${role} login`).catch(ignoreDuplicate);
    }
  } finally {
    await server.end();
  }

  const client = new pg.Client({ connectionString: adminUrl });
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
  } finally {
    await client.query('select pg_advisory_unlock(4242001)').catch(() => undefined);
    await client.end();
  }
  return applied;
}

/**
 * Drops the database `adminUrl` names. A pool's `end()` resolves before its connections have
 * closed, so the drop first goes without force — PostgreSQL itself waits up to five seconds for
 * other sessions to leave — because a forced drop would cut them off and their pool would raise an
 * error nobody listens to any more. Whatever is still connected after that is closed by force.
 */
export async function dropDatabase(adminUrl: string): Promise<void> {
  const server = new URL(adminUrl);
  const name = decodeURIComponent(server.pathname.slice(1));
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`database name "${name}" must be a plain lower-case identifier`);
  server.pathname = '/postgres';
  const client = new pg.Client({ connectionString: server.toString() });
  await client.connect();
  try {
    await client.query(`drop database if exists ${name}`).catch(async (error: { code?: string }) => {
      // 55006 object_in_use: sessions still connected after PostgreSQL's own wait.
      if (error.code !== '55006') throw error;
      await client.query(`drop database if exists ${name} with (force)`);
    });
  } finally {
    await client.end();
  }
}

function ignoreDuplicate(error: { code?: string }): void {
  // Another process created it between our check and our create.
  if (error.code !== '42P04' && error.code !== '42710' && error.code !== '23505') throw error;
}
