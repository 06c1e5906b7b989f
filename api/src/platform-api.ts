import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import pg from 'pg';
import type { Logger } from 'pino';
import { orgAdmin, type OrgConnection } from '@securepay/network';
import { CbdcLedger, LedgerError, roleDatabaseUrl } from '@securepay/ledger';
import { createApp } from './app';
import type { ApiConfig } from './config';
import { FabricSessions } from './fabric-sessions';
import { health } from './health';
import { HttpMetrics } from './http-metrics';
import { Keystore } from './keystore';
import { OrderDesk } from './order-desk';
import { routes } from './routes';
import { UserRegistry } from './user-registry';

export interface PlatformApiOptions {
  config: ApiConfig;
  /** The database as its owner: the API's own schema, and the ledger's through the bridge role. */
  databaseUrl: string;
  /** Every org's connection details; the platform's org signs as the platform operator. */
  connections: Map<string, OrgConnection>;
  platformMspId?: string;
  log: Logger;
  version?: string;
}

export interface RunningPlatformApi {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/** Wires the platform API to Fabric, PostgreSQL and Redis and starts listening. */
export async function startPlatformApi(options: PlatformApiOptions): Promise<RunningPlatformApi> {
  const { config, log } = options;
  const platformMspId = options.platformMspId ?? 'PlatformMSP';
  const platformConnection = options.connections.get(platformMspId);
  if (!platformConnection) throw new Error(`no connection details for the platform's org ${platformMspId}`);

  const pool = new pg.Pool({ connectionString: options.databaseUrl, max: 10 });
  const ledgerPool = new pg.Pool({ connectionString: roleDatabaseUrl('securepay_bridge', options.databaseUrl), max: 10 });
  // A restarted PostgreSQL drops idle connections; the pools replace them.
  for (const p of [pool, ledgerPool]) p.on('error', (error) => log.warn({ err: error }, 'database connection lost'));
  const keystore = await Keystore.open(pool, config.SECUREPAY_KEYSTORE_SECRET);
  const ledger = new CbdcLedger(ledgerPool);
  const platformWallet = { id: config.PLATFORM_WALLET, secret: keystore.derive('platform-wallet') };
  await ledger
    .openAccount(`open.${platformWallet.id}`, {
      id: platformWallet.id,
      kind: 'platform',
      bank: platformMspId,
      ownerSecret: platformWallet.secret,
    })
    .catch((error: unknown) => {
      if (!(error instanceof LedgerError && error.code === 'ALREADY_EXISTS')) throw error;
      log.warn({ wallet: platformWallet.id }, 'the platform wallet was opened with another credential; its balance is not readable here');
    });

  const banks = new Map([...options.connections].filter(([mspId]) => mspId !== platformMspId));
  const users = new UserRegistry(pool, keystore, ledger, banks, { platform: config.API_PLATFORM_TOKEN, banks: config.API_BANK_TOKENS });
  const sessions = new FabricSessions(options.connections, orgAdmin(platformConnection), log);
  const desk = new OrderDesk(
    users,
    sessions,
    ledger,
    { currency: config.API_CURRENCY, commissionBps: config.API_COMMISSION_BPS, platformWallet: platformWallet.id },
    log,
  );
  const redis = new Redis(config.REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false });
  redis.on('error', () => undefined);
  await redis.connect().catch((error: unknown) => log.warn({ err: error }, 'Redis is not reachable yet'));

  const app = createApp({
    routes: routes({ users, desk, ledger, platformWallet }),
    users,
    pool,
    metrics: new HttpMetrics(),
    health: () => health({ sessions, pool, redis }),
    log,
    rateLimit: { limit: config.API_RATE_LIMIT, windowMs: config.API_RATE_WINDOW_MS },
    allowIps: config.API_ALLOW_IPS,
    denyIps: config.API_DENY_IPS,
    trustProxy: config.API_TRUST_PROXY || undefined,
    version: options.version ?? '0.1.0',
  });
  const server = await new Promise<Server>((resolve, reject) => {
    const listening = app.listen(config.API_PORT, config.API_HOST, () => resolve(listening));
    listening.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${config.API_HOST}:${port}`;
  log.info({ url }, 'platform API listening');
  return {
    url,
    server,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      sessions.close();
      redis.disconnect();
      await Promise.all([pool.end(), ledgerPool.end()]);
    },
  };
}
