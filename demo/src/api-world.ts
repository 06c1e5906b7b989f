import {
  loadApiConfig,
  SecurePayClient,
  startPlatformApi,
  type ActionResult,
  type ApiConfig,
  type PlatformUser,
  type RunningPlatformApi,
} from '@securepay/api';
import type { BatchWindow } from '@securepay/client';
import { BridgeMetrics, startBridge, startCustomerOnboarding, type RunningBridge, type RunningOnboarding } from '@securepay/bridge';
import { startAgentOnNetwork, type RunningAgent } from '@securepay/escrow-agent';
import { createTestDatabase, type TestDatabase } from '@securepay/ledger';
import {
  findParty,
  Layout,
  ledgerAccess,
  loadNetworkConfig,
  orgAdmin,
  partyCredentials,
  readConnection,
  readEndpoints,
  runningProfile,
  type OrgConnection,
} from '@securepay/network';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';

const banks = ['BankAMSP', 'BankBMSP'] as const;
const log = pino({ level: process.env.LOG_LEVEL ?? 'warn' }, pino.destination(2));

/** The network that is up (or the profile SECUREPAY_PROFILE names). */
const runningLayout = (): Layout => new Layout(loadNetworkConfig({ profile: process.env.SECUREPAY_PROFILE ?? runningProfile() }));

/** Every org's connection to the running network. */
function runningConnections(layout = runningLayout()): Map<string, OrgConnection> {
  return new Map(layout.network.orgs.map((org) => [org.mspId, readConnection(layout, org.mspId)]));
}

export interface RegisteredUser {
  user: PlatformUser;
  token: string;
}

/**
 * SecurePay as a platform's backend sees it: the real network, a fresh database on the network's own
 * ledger cluster, the central bank's escrow agent, both banks' bridges and the platform API listening on a free port, with operator
 * tokens of its own. The demo's services in one process, for the end-to-end API tests and the
 * settlement-latency benchmark. It plays every party, each with its own credentials: the API logs in
 * as the platform, each bridge as its bank (queues in a namespace of this world's under the bank's
 * own prefix), and the API funds a bank's customers with that bank's ledger (see api/src/routes.ts).
 */
export class ApiWorld {
  readonly tokens = {
    platform: `platform-${randomBytes(24).toString('hex')}`,
    BankAMSP: `banka-${randomBytes(24).toString('hex')}`,
    BankBMSP: `bankb-${randomBytes(24).toString('hex')}`,
  };
  /** The platform's token at each bank's customer onboarding. */
  readonly onboardingTokens = Object.fromEntries(banks.map((bank) => [bank, `onboard-${randomBytes(24).toString('hex')}`]));
  readonly keystoreSecret = randomBytes(32).toString('hex');
  /** The fee wallet's owner credential: the central bank opens the wallet with it, the API holds it. */
  readonly platformWalletSecret = randomBytes(24).toString('hex');
  /** The API's queues (webhook deliveries) under the platform's prefix: this world's alone, the same across its APIs. */
  readonly apiQueueNamespace = `api-${randomBytes(4).toString('hex')}`;
  private readonly layout = runningLayout();
  private readonly bridges: RunningBridge[] = [];
  private readonly onboardings = new Map<string, RunningOnboarding>();
  private agent: RunningAgent | undefined;
  private readonly apis: RunningPlatformApi[] = [];
  client!: SecurePayClient;

  private constructor(readonly db: TestDatabase) {}

  /**
   * `apiOverrides`: API settings for this world's API (a benchmark lifts the rate limit, say);
   * `bridges.batchWindow`: how the banks' bridges batch their steps (their default otherwise).
   */
  static async create(apiOverrides: Record<string, string> = {}, bridges: { batchWindow?: BatchWindow } = {}): Promise<ApiWorld> {
    const world = new ApiWorld(await createTestDatabase(ledgerAccess(runningLayout())));
    const { centralBank } = world.db;
    await centralBank.openAccount('open-platform-fees', {
      id: 'platform-fees',
      kind: 'platform',
      bank: 'PlatformMSP',
      ownerSecret: world.platformWalletSecret,
    });
    for (const bank of banks) {
      await centralBank.openAccount(`open-bank-${bank}`, { id: `bank-${bank}`, kind: 'bank', bank });
      await centralBank.openAccount(`open-reserve-${bank}`, { id: `reserve-${bank}`, kind: 'reserve', bank });
      await centralBank.mint(`mint-${bank}`, `bank-${bank}`, 10n ** 15n);
      await centralBank.mint(`mint-reserve-${bank}`, `reserve-${bank}`, 10n ** 15n);
    }
    const connections = runningConnections(world.layout);
    // Each bank's own onboarding, with its own customer registrar: the platform holds none of it.
    for (const bank of banks) {
      world.onboardings.set(
        bank,
        await startCustomerOnboarding({
          connection: connections.get(bank)!,
          platformToken: world.onboardingTokens[bank]!,
          log: log.child({ bank }),
        }),
      );
    }
    const api = await world.startApi(apiOverrides);
    world.client = new SecurePayClient(api.url);
    const startBlock = await world.client.chainHeight();
    const queueNamespace = `api-${randomBytes(4).toString('hex')}`;
    const keyDir = path.join(tmpdir(), `securepay-keys-${randomBytes(4).toString('hex')}`);
    world.agent = await startAgentOnNetwork(world.layout, {
      database: world.db.login(findParty(world.layout.network, { kind: 'escrowAgent' })),
      keyDir,
      queueNamespace,
      startBlock,
      log: log.child({ service: 'escrow-agent' }),
    });
    for (const bank of banks) {
      const connection = connections.get(bank)!;
      const party = findParty(world.layout.network, { kind: 'bank', mspId: bank });
      world.bridges.push(
        await startBridge({
          bank,
          platformWallet: 'platform-fees',
          connection,
          identity: orgAdmin(connection),
          database: world.db.login(party),
          queues: partyCredentials(world.layout, party, {}).queues,
          queueNamespace,
          startBlock,
          log: log.child({ bank }),
          metrics: new BridgeMetrics(),
          ...(bridges.batchWindow ? { batchWindow: bridges.batchWindow } : {}),
        }),
      );
    }
    return world;
  }

  config(overrides: Record<string, string> = {}): ApiConfig {
    return loadApiConfig({
      API_PORT: '0',
      SECUREPAY_KEYSTORE_SECRET: this.keystoreSecret,
      API_PLATFORM_TOKEN: this.tokens.platform,
      API_BANK_TOKENS: `BankAMSP=${this.tokens.BankAMSP},BankBMSP=${this.tokens.BankBMSP}`,
      API_ONBOARDING_URLS: [...this.onboardings].map(([bank, o]) => `${bank}=${o.url}`).join(','),
      API_ONBOARDING_TOKENS: [...this.onboardings].map(([bank]) => `${bank}=${this.onboardingTokens[bank]}`).join(','),
      API_QUEUE_NAMESPACE: this.apiQueueNamespace,
      ...overrides,
    });
  }

  /** Another API process's worth of app on the same database: for rate limits and address lists. */
  async startApi(overrides: Record<string, string> = {}): Promise<RunningPlatformApi> {
    const platform = findParty(this.layout.network, { kind: 'platform' });
    const api = await startPlatformApi({
      config: this.config(overrides),
      database: this.db.login(platform),
      queues: partyCredentials(this.layout, platform, {}).queues,
      platformWalletSecret: this.platformWalletSecret,
      bankLedgers: new Map(banks.map((bank) => [bank, this.db.bank(bank)])),
      platformConnection: readConnection(this.layout, platform.mspId),
      endpoints: new Map(
        this.layout.network.orgs.filter((o) => o.mspId !== platform.mspId).map((o) => [o.mspId, readEndpoints(this.layout, o.mspId)]),
      ),
      log,
    });
    this.apis.push(api);
    return api;
  }

  /**
   * The API `client` talks to stopped (as its process would be) and a new one started on the same
   * database and queues with `overrides`; `client` then talks to the new one.
   */
  async restartApi(overrides: Record<string, string> = {}): Promise<RunningPlatformApi> {
    const current = this.apis.findIndex((api) => api.url === this.client.baseUrl);
    if (current >= 0) await this.apis.splice(current, 1)[0]!.close();
    const api = await this.startApi(overrides);
    this.client = new SecurePayClient(api.url);
    return api;
  }

  async close(): Promise<void> {
    for (const bridge of this.bridges) await bridge.stop();
    await this.agent?.stop();
    for (const api of this.apis) await api.close();
    for (const onboarding of this.onboardings.values()) await onboarding.close();
    await this.db.drop();
  }

  async register(
    role: 'buyer' | 'merchant' | 'courier',
    bank: string,
    displayName = `${role} ${randomBytes(3).toString('hex')}`,
  ): Promise<RegisteredUser> {
    return this.client.post<RegisteredUser>('/users', this.tokens.platform, { role, bank, displayName });
  }

  async fund(user: RegisteredUser, amount: bigint): Promise<void> {
    await this.client.post(`/wallets/${user.user.wallet}/fund`, this.tokens[user.user.bank as 'BankAMSP' | 'BankBMSP'], {
      amount: amount.toString(),
    });
  }

  /**
   * A new order from `buyer`, approved by the platform and the merchant, once both banks' bridges
   * have approved it too (ESCROWED). Returns what its creation did.
   */
  async escrowed(
    parties: { buyer: RegisteredUser; merchant: RegisteredUser; courier: RegisteredUser },
    price: string,
    productId = 'sku-1',
  ): Promise<ActionResult> {
    const created = await this.client.post<ActionResult>('/orders', parties.buyer.token, {
      merchantId: parties.merchant.user.userId,
      courierId: parties.courier.user.userId,
      productId,
      price,
    });
    await this.client.post(`/orders/${created.orderId}/approve`, this.tokens.platform);
    await this.client.post(`/orders/${created.orderId}/approve`, parties.merchant.token);
    await this.client.waitForState(created.orderId, 'ESCROWED');
    return created;
  }

  async available(user: RegisteredUser | string): Promise<bigint> {
    const token = typeof user === 'string' ? user : user.token;
    return BigInt((await this.client.get<{ available: string }>('/wallet', token)).available);
  }
}
