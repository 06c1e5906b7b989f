import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { CbdcLedger } from './ledger';
import { adminDatabaseUrl, dropDatabase, migrate, roleDatabaseUrl } from './database';

/** A fresh, migrated ledger database on the real PostgreSQL server, dropped by `drop()`. */
export interface TestDatabase {
  adminUrl: string;
  admin: pg.Pool;
  /** The ledger as the bridge's role reaches it. */
  bridge: CbdcLedger;
  bridgePool: pg.Pool;
  centralBank: CbdcLedger;
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const url = new URL(adminDatabaseUrl());
  url.pathname = `/securepay_test_${randomBytes(6).toString('hex')}`;
  const adminUrl = url.toString();
  await migrate(adminUrl);
  const admin = new pg.Pool({ connectionString: adminUrl, max: 2 });
  const bridgePool = new pg.Pool({ connectionString: roleDatabaseUrl('securepay_bridge', adminUrl), max: 10 });
  const centralPool = new pg.Pool({ connectionString: roleDatabaseUrl('securepay_central_bank', adminUrl), max: 2 });
  // A restarted server drops idle connections; the pool replaces them, and a test must not die of it.
  for (const pool of [admin, bridgePool, centralPool]) pool.on('error', () => undefined);
  return {
    adminUrl,
    admin,
    bridgePool,
    bridge: new CbdcLedger(bridgePool),
    centralBank: new CbdcLedger(centralPool),
    drop: async () => {
      await Promise.all([admin.end(), bridgePool.end(), centralPool.end()]);
      await dropDatabase(adminUrl);
    },
  };
}
