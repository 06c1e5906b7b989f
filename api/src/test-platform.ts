import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type express from 'express';
import { createTestDatabase, startScratchCluster, type ScratchCluster, type TestDatabase } from '@securepay/ledger';
import { testParties } from '@securepay/ledger/src/test-parties';
import pino, { type Logger } from 'pino';
import type pg from 'pg';
import { BankOnboarding } from './bank-onboarding';
import { Keystore } from './keystore';
import { SigningRequests } from './signing-requests';
import { UserRegistry, type PlatformUser, type UserRole } from './user-registry';

/**
 * The platform's side of the API on a scratch ledger cluster of a test's own: a fresh migrated
 * database, the platform's pool, the real keystore and user registry (users who keep their own key,
 * so that registering asks no bank's CA), and the operator tokens. No Fabric.
 */
export interface TestPlatform {
  cluster: ScratchCluster;
  db: TestDatabase;
  pool: pg.Pool;
  users: UserRegistry;
  tokens: { platform: string; BankAMSP: string };
  register(role: UserRole, bank?: string): Promise<{ user: PlatformUser; token: string }>;
  close(): Promise<void>;
}

const unusedDesk = (mspId: string) => ({
  endpoints: {
    mspId,
    channel: 'securepay',
    chaincode: 'securepay',
    peer: { endpoint: '127.0.0.1:1', hostAlias: 'unused', tlsRootCertPath: '/nonexistent' },
    ca: { url: 'https://127.0.0.1:1', caName: 'unused', tlsCertPath: '/nonexistent' },
  },
  onboardingUrl: 'http://127.0.0.1:1',
  token: 'unused'.repeat(6),
});

export async function startTestPlatform(port = 55632): Promise<TestPlatform> {
  const cluster = await startScratchCluster({ parties: testParties, port });
  try {
    const db = await createTestDatabase(cluster.access, { prefix: 'securepay_api_test' });
    const pool = db.pool(db.party('platform'));
    const tokens = { platform: `platform-${randomBytes(24).toString('hex')}`, BankAMSP: `banka-${randomBytes(24).toString('hex')}` };
    const users = new UserRegistry(
      pool,
      await Keystore.open(pool, randomBytes(32).toString('hex')),
      db.platform,
      new BankOnboarding(new Map(['BankAMSP', 'BankBMSP'].map((bank) => [bank, unusedDesk(bank)]))),
      { platform: tokens.platform, banks: new Map([['BankAMSP', tokens.BankAMSP]]) },
      new SigningRequests(),
    );
    return {
      cluster,
      db,
      pool,
      users,
      tokens,
      register: (role, bank = 'BankBMSP') =>
        users.register({ role, bank, displayName: `${role} ${randomBytes(3).toString('hex')}`, custody: 'self' }),
      close: async () => {
        await db.drop();
        await cluster.stop();
      },
    };
  } catch (error) {
    await cluster.stop();
    throw error;
  }
}

/** An app listening on a free port of 127.0.0.1. */
export async function listen(app: express.Express): Promise<{ url: string; close(): Promise<void> }> {
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A logger whose lines the test can read (and search for what must never be logged). */
export function capturedLog(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) });
  return { log, lines };
}
