import { randomBytes } from 'node:crypto';
import { loginClient, loginPool, type DatabaseLogin } from './credentials';
import { dropDatabase } from './database';
import { startScratchCluster, type ScratchCluster } from './scratch-cluster';
import { testParties } from './test-parties';

/** Against a real PostgreSQL cluster of the test's own, as the database owner (who may create databases). */
let cluster: ScratchCluster;
let owner: DatabaseLogin;
beforeAll(async () => {
  cluster = await startScratchCluster({ parties: testParties, port: 55542 });
  owner = cluster.access.owner;
}, 60_000);
afterAll(async () => cluster?.stop());

/** A scratch database per test. */
async function scratchDatabase(): Promise<{ name: string }> {
  const name = `securepay_droptest_${randomBytes(4).toString('hex')}`;
  const server = loginClient(owner, 'postgres');
  await server.connect();
  await server.query(`create database ${name}`);
  await server.end();
  return { name };
}

async function exists(name: string): Promise<boolean> {
  const server = loginClient(owner, 'postgres');
  await server.connect();
  const { rowCount } = await server.query('select 1 from pg_database where datname = $1', [name]);
  await server.end();
  return rowCount === 1;
}

describe('dropDatabase', () => {
  it('lets a connection still in use finish its work, and drops once its pool has closed', async () => {
    const { name } = await scratchDatabase();
    const pool = loginPool(owner, { database: name, max: 2 });
    const errors: Error[] = [];
    pool.on('error', (error) => errors.push(error));
    const held = await pool.connect();
    held.on('error', (error) => errors.push(error));
    const closing = pool.end(); // resolves once `held` is back and every connection has been told to close
    const dropping = dropDatabase(owner, name);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await expect(held.query('select 1 as still_here')).resolves.toMatchObject({ rows: [{ still_here: 1 }] });
    held.release();
    await closing;
    await dropping;
    expect(await exists(name)).toBe(false);
    expect(errors).toEqual([]);
  });

  it('closes a connection that never lets go, after PostgreSQL’s own five-second wait', async () => {
    const { name } = await scratchDatabase();
    // Another party's session, which the owner may end (pg_signal_backend).
    const client = loginClient({ ...cluster.access.parties[0]!.login }, name);
    client.on('error', () => undefined);
    await client.connect();
    const started = Date.now();
    await dropDatabase(owner, name);
    expect(await exists(name)).toBe(false);
    expect(Date.now() - started).toBeGreaterThanOrEqual(4_900);
    await expect(client.query('select 1')).rejects.toThrow();
  });

  it('is harmless for a database that is not there', async () => {
    await expect(dropDatabase(owner, `securepay_droptest_${randomBytes(4).toString('hex')}`)).resolves.toBeUndefined();
  });
});
