import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { adminDatabaseUrl, dropDatabase } from './database';

/** The server's maintenance database, for creating and inspecting the scratch ones. */
function serverUrl(): string {
  const url = new URL(adminDatabaseUrl());
  url.pathname = '/postgres';
  return url.toString();
}

/** Against the real PostgreSQL server: a scratch database per test. */
async function scratchDatabase(): Promise<{ url: string; name: string }> {
  const name = `securepay_droptest_${randomBytes(4).toString('hex')}`;
  const server = new pg.Client({ connectionString: serverUrl() });
  await server.connect();
  await server.query(`create database ${name}`);
  await server.end();
  const url = new URL(adminDatabaseUrl());
  url.pathname = `/${name}`;
  return { url: url.toString(), name };
}

async function exists(name: string): Promise<boolean> {
  const server = new pg.Client({ connectionString: serverUrl() });
  await server.connect();
  const { rowCount } = await server.query('select 1 from pg_database where datname = $1', [name]);
  await server.end();
  return rowCount === 1;
}

describe('dropDatabase', () => {
  it('lets a connection still in use finish its work, and drops once its pool has closed', async () => {
    const { url, name } = await scratchDatabase();
    const pool = new pg.Pool({ connectionString: url, max: 2 });
    const errors: Error[] = [];
    pool.on('error', (error) => errors.push(error));
    const held = await pool.connect();
    held.on('error', (error) => errors.push(error));
    const closing = pool.end(); // resolves once `held` is back and every connection has been told to close
    const dropping = dropDatabase(url);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await expect(held.query('select 1 as still_here')).resolves.toMatchObject({ rows: [{ still_here: 1 }] });
    held.release();
    await closing;
    await dropping;
    expect(await exists(name)).toBe(false);
    expect(errors).toEqual([]);
  });

  it('closes a connection that never lets go, after PostgreSQL’s own five-second wait', async () => {
    const { url, name } = await scratchDatabase();
    const client = new pg.Client({ connectionString: url });
    client.on('error', () => undefined);
    await client.connect();
    const started = Date.now();
    await dropDatabase(url);
    expect(await exists(name)).toBe(false);
    expect(Date.now() - started).toBeGreaterThanOrEqual(4_900);
    await expect(client.query('select 1')).rejects.toThrow();
  });

  it('is harmless for a database that is not there', async () => {
    const url = new URL(adminDatabaseUrl());
    url.pathname = `/securepay_droptest_${randomBytes(4).toString('hex')}`;
    await expect(dropDatabase(url.toString())).resolves.toBeUndefined();
  });
});
