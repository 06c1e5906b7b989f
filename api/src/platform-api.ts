import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { orgAdmin, type OrgConnection, type OrgEndpoints } from '@securepay/network';
import { CbdcLedger, loginPool, PgCheckpoints, redisOptions, type DatabaseLogin, type QueueLogin } from '@securepay/ledger';
import { createApp } from './app';
import { BankOnboarding } from './bank-onboarding';
import { lockoutPolicyOf, rateLimitsOf, type ApiConfig } from './config';
import { answeringFaults } from './database-faults';
import { MemoryFailureCounters, RedisFailureCounters, ResilientFailureCounters } from './failure-counters';
import type { DependencyEndpoint } from './fault-classifier';
import { MerchantStatements } from './merchant-statements';
import { OrderBatches } from './order-batches';
import { ProposalRules } from './proposal-rules';
import { FabricSessions } from './fabric-sessions';
import { health } from './health';
import { HttpMetrics } from './http-metrics';
import { Keystore } from './keystore';
import { OrderDesk } from './order-desk';
import { OrderListing } from './order-listing';
import { startOrderProjector } from './order-projector';
import { routes } from './routes';
import { SigningRequests } from './signing-requests';
import { UserRegistry } from './user-registry';
import { startWebhooks } from './webhooks/start-webhooks';

export interface PlatformApiOptions {
  config: ApiConfig;
  /** The platform's own ledger login: the API's tables (granted to it alone) and the ledger's platform functions. */
  database: DatabaseLogin;
  /** The platform's Redis user, which `/health` checks. */
  queues: QueueLogin;
  /** The owner credential of the platform's fee wallet, which the central bank opened with it (`walletSecret`). */
  platformWalletSecret: string;
  /** Banks whose operators fund their customers through the API, each ledger logged in as that bank (see routes.ts). */
  bankLedgers?: ReadonlyMap<string, CbdcLedger>;
  /** The platform's own connection: its admin signs as the platform operator. */
  platformConnection: OrgConnection;
  /** Every other org's public endpoints (peers to wait on, banks' peers and CAs for their customers); no secret of theirs. */
  endpoints: Map<string, OrgEndpoints>;
  log: Logger;
  version?: string;
}

export interface RunningPlatformApi {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/** The listing's name in `platform.checkpoints`. */
const orderListingFollower = 'order-listing';

/** Wires the platform API to Fabric, PostgreSQL and Redis and starts listening. */
export async function startPlatformApi(options: PlatformApiOptions): Promise<RunningPlatformApi> {
  const { config, log } = options;
  const { platformConnection } = options;
  const platformMspId = platformConnection.mspId;

  // One login, the platform's: its own tables and the ledger functions a platform may call.
  // A query the database never answered fails as LEDGER_UNAVAILABLE (database-faults.ts).
  const pool = answeringFaults(loginPool(options.database, { max: 20 }));
  // A restarted PostgreSQL drops idle connections; the pool replaces them.
  pool.on('error', (error) => log.warn({ err: error }, 'database connection lost'));
  const keystore = await Keystore.open(pool, config.SECUREPAY_KEYSTORE_SECRET);
  const ledger = new CbdcLedger(pool);
  // The central bank opens the fee wallet (npm run ledger:migrate); the platform only holds its credential.
  const platformWallet = { id: config.PLATFORM_WALLET, secret: options.platformWalletSecret };

  const onboarding = new BankOnboarding(
    new Map(
      [...config.API_ONBOARDING_URLS].map(([bank, onboardingUrl]) => {
        const endpoints = options.endpoints.get(bank);
        const token = config.API_ONBOARDING_TOKENS.get(bank);
        if (!endpoints) throw new Error(`API_ONBOARDING_URLS names ${bank}, which publishes no endpoints on this network`);
        if (!token) throw new Error(`API_ONBOARDING_TOKENS has no token for ${bank}`);
        return [bank, { endpoints, onboardingUrl, token }];
      }),
    ),
  );
  const signing = new SigningRequests();
  const users = new UserRegistry(
    pool,
    keystore,
    ledger,
    onboarding,
    {
      platform: config.API_PLATFORM_TOKEN,
      banks: config.API_BANK_TOKENS,
    },
    signing,
  );
  const peers = new Map<string, OrgEndpoints>([...options.endpoints, [platformMspId, platformConnection]]);
  const sessions = new FabricSessions(peers, orgAdmin(platformConnection), log);
  const desk = new OrderDesk(
    users,
    sessions,
    ledger,
    {
      currency: config.API_CURRENCY,
      commissionBps: config.API_COMMISSION_BPS,
      platformWallet: platformWallet.id,
      platformApprovesProposals: config.API_PLATFORM_APPROVAL === 'on-proposal',
      usersStepsCarried: config.API_USER_STEPS === 'platform',
    },
    log,
    new OrderBatches(sessions.platform(), { windowMs: config.API_BATCH_WINDOW_MS, maxOrders: config.API_BATCH_MAX }),
    new ProposalRules(() => sessions.platform()),
  );
  // The listing follows the platform's own peer from its checkpoint; it serves whatever it has read so far.
  const listingCheckpoints = new PgCheckpoints(pool, 'platform', orderListingFollower);
  const listing = new OrderListing(pool, listingCheckpoints);
  // Each order change the listing applies becomes a webhook event, delivered through the platform's own queue.
  const webhooks = startWebhooks({ config, pool, keystore, queues: options.queues, log: log.child({ component: 'webhooks' }) });
  const projector = await startOrderProjector({
    network: sessions.platformChannel(),
    chaincode: platformConnection.chaincode,
    blockOf: (txId) => sessions.blockOf(txId),
    listing,
    checkpoints: listingCheckpoints,
    afterApplied: (changes) => webhooks.webhooks.record(changes),
    log: log.child({ follower: orderListingFollower }),
  });
  const redis = new Redis({ ...redisOptions(options.queues), lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false });
  redis.on('error', () => undefined);
  await redis.connect().catch((error: unknown) => log.warn({ err: error }, 'Redis is not reachable yet'));
  // Lockouts hold across the platform's API processes: counted in Redis, under the platform's own prefix.
  const authFailures = new ResilientFailureCounters(
    new RedisFailureCounters(redis, options.queues.prefix),
    new MemoryFailureCounters(),
    log,
  );
  const statements = new MerchantStatements(pool, ledger, listingCheckpoints, (user) => users.walletSecret(user));

  const app = createApp({
    routes: routes({
      users,
      desk,
      listing,
      ledger,
      platformWallet,
      bankLedgers: options.bankLedgers,
      signing,
      statements,
      webhooks: webhooks.webhooks,
    }),
    users,
    pool,
    metrics: new HttpMetrics(),
    health: () => health({ sessions, pool, redis }),
    log,
    rateLimits: rateLimitsOf(config),
    authFailures,
    lockout: lockoutPolicyOf(config),
    dependencies: { fabric: sessions.facts, endpoints: dependencyEndpoints(options, config) },
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
      // Before the sessions and the pool it reads and writes through.
      await projector.stop();
      await webhooks.stop();
      sessions.close();
      redis.disconnect();
      await pool.end();
    },
  };
}

/** Each dependency's address as the settings name it, for telling whose socket would not open. */
function dependencyEndpoints(options: PlatformApiOptions, config: ApiConfig): Map<string, DependencyEndpoint> {
  const endpoints = new Map<string, DependencyEndpoint>([
    [`${options.database.host}:${options.database.port}`, { code: 'LEDGER_UNAVAILABLE', subject: 'ledger', what: "the ledger's database" }],
    [`${options.queues.host}:${options.queues.port}`, { code: 'QUEUE_UNAVAILABLE', subject: 'redis', what: 'Redis' }],
  ]);
  for (const [bank, url] of config.API_ONBOARDING_URLS) {
    const { hostname, port, protocol } = new URL(url);
    endpoints.set(`${hostname}:${port || (protocol === 'https:' ? 443 : 80)}`, {
      code: 'BANK_UNAVAILABLE',
      subject: bank,
      what: `${bank}'s customer onboarding`,
    });
  }
  return endpoints;
}
