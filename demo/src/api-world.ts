import {
  loadApiConfig,
  SecurePayClient,
  startPlatformApi,
  type ActionResult,
  type ApiConfig,
  type PlatformUser,
  type RunningPlatformApi,
} from '@securepay/api';
import { BridgeMetrics, startBridge, type RunningBridge } from '@securepay/bridge';
import { createTestDatabase, roleDatabaseUrl, type TestDatabase } from '@securepay/ledger';
import { Layout, loadNetworkConfig, orgAdmin, readConnection, runningProfile, type OrgConnection } from '@securepay/network';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';

const banks = ['BankAMSP', 'BankBMSP'] as const;
const log = pino({ level: process.env.LOG_LEVEL ?? 'warn' }, pino.destination(2));

/** Every org's connection to the network that is up (or the profile SECUREPAY_PROFILE names). */
function runningConnections(): Map<string, OrgConnection> {
  const layout = new Layout(loadNetworkConfig({ profile: process.env.SECUREPAY_PROFILE ?? runningProfile() }));
  return new Map(layout.network.orgs.map((org) => [org.mspId, readConnection(layout, org.mspId)]));
}

export interface RegisteredUser {
  user: PlatformUser;
  token: string;
}

/**
 * SecurePay as a platform's backend sees it: the real network, a fresh ledger database, both banks'
 * bridges and the platform API listening on a free port, with operator tokens of its own. The demo's
 * services in one process, for the end-to-end API tests and the settlement-latency benchmark.
 */
export class ApiWorld {
  readonly tokens = {
    platform: `platform-${randomBytes(24).toString('hex')}`,
    BankAMSP: `banka-${randomBytes(24).toString('hex')}`,
    BankBMSP: `bankb-${randomBytes(24).toString('hex')}`,
  };
  readonly keystoreSecret = randomBytes(32).toString('hex');
  private readonly bridges: RunningBridge[] = [];
  private readonly apis: RunningPlatformApi[] = [];
  client!: SecurePayClient;

  private constructor(readonly db: TestDatabase) {}

  /** `apiOverrides`: API settings for this world's API (a benchmark lifts the rate limit, say). */
  static async create(apiOverrides: Record<string, string> = {}): Promise<ApiWorld> {
    const world = new ApiWorld(await createTestDatabase());
    const { centralBank } = world.db;
    for (const bank of banks) {
      await centralBank.openAccount(`open-bank-${bank}`, { id: `bank-${bank}`, kind: 'bank', bank });
      await centralBank.openAccount(`open-reserve-${bank}`, { id: `reserve-${bank}`, kind: 'reserve', bank });
      await centralBank.mint(`mint-${bank}`, `bank-${bank}`, 10n ** 15n);
      await centralBank.mint(`mint-reserve-${bank}`, `reserve-${bank}`, 10n ** 15n);
    }
    const api = await world.startApi(apiOverrides);
    world.client = new SecurePayClient(api.url);
    const startBlock = await world.client.chainHeight();
    const queuePrefix = `api-${randomBytes(4).toString('hex')}`;
    const keyDir = path.join(tmpdir(), `securepay-keys-${randomBytes(4).toString('hex')}`);
    const connections = runningConnections();
    for (const bank of banks) {
      const connection = connections.get(bank)!;
      world.bridges.push(
        await startBridge({
          bank,
          platformWallet: 'platform-fees',
          reserveAccount: `reserve-${bank}`,
          connection,
          identity: orgAdmin(connection),
          databaseUrl: roleDatabaseUrl('securepay_bridge', world.db.adminUrl),
          redisUrl: 'redis://127.0.0.1:6379',
          keyDir,
          queuePrefix,
          startBlock,
          log: log.child({ bank }),
          metrics: new BridgeMetrics(),
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
      ...overrides,
    });
  }

  /** Another API process's worth of app on the same database: for rate limits and address lists. */
  async startApi(overrides: Record<string, string> = {}): Promise<RunningPlatformApi> {
    const api = await startPlatformApi({
      config: this.config(overrides),
      databaseUrl: this.db.adminUrl,
      connections: runningConnections(),
      log,
    });
    this.apis.push(api);
    return api;
  }

  async close(): Promise<void> {
    for (const bridge of this.bridges) await bridge.stop();
    for (const api of this.apis) await api.close();
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
