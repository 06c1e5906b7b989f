import { randomBytes, randomUUID } from 'node:crypto';
import pino from 'pino';
import { settlementSplit, type Order, type OrderTerms, type OrderWindows } from '@securepay/client';
import { chainHeight, findParty, ledgerAccess, orgAdmin, partyCredentials, type Layout } from '@securepay/network';
import { BridgeMetrics, startBridge, type BridgeOptions, type RunningBridge } from '@securepay/bridge';
import { startAgentOnNetwork, type RunningAgent } from '@securepay/escrow-agent';
import { createTestDatabase, LedgerError, writeCredentialsFile, type CbdcLedger, type Party, type TestDatabase } from '@securepay/ledger';
import { EscrowDriver, eventually, pollPause, type OrderParties, type Party as DriverParty, type Who } from './escrow-driver';
import { connectionOf, networkLayout } from './fixtures';
import path from 'node:path';
import { tmpdir } from 'node:os';

export const platformWallet = 'platform-fees';
const banks = ['BankAMSP', 'BankBMSP'] as const;
export type Bank = (typeof banks)[number];

/**
 * SecurePay with real money: the real network, a fresh database on the network's own ledger cluster,
 * a queue namespace of its own under each bank's prefix on the network's Redis, and each bank's
 * bridge, every party logged in with its own credentials. Wallets of the enrolled buyer, merchant,
 * courier and stranger are opened by their banks and funded from issued CBDC; the platform locks.
 */
/** The four wallets a money test watches, in minor units. */
export type WalletBalances = Record<'buyer' | 'merchant' | 'courier' | 'platform', bigint>;

/** How much each watched wallet gained (or, negative, lost) from `before` to `after`. */
export function balanceChanges(before: WalletBalances, after: WalletBalances): WalletBalances {
  return {
    buyer: after.buyer - before.buyer,
    merchant: after.merchant - before.merchant,
    courier: after.courier - before.courier,
    platform: after.platform - before.platform,
  };
}

export class MoneyWorld {
  readonly secrets = new Map<string, string>();
  private readonly bridges = new Map<Bank, RunningBridge>();
  private agent: RunningAgent | undefined;
  readonly queueNamespace = `test-${randomBytes(4).toString('hex')}`;
  readonly layout: Layout = networkLayout();
  readonly keyDir = path.join(tmpdir(), `securepay-keys-${randomBytes(4).toString('hex')}`);
  readonly metrics = new Map<Bank, BridgeMetrics>();
  startBlock = 0n;

  private constructor(
    readonly db: TestDatabase,
    readonly driver: EscrowDriver,
  ) {}

  /**
   * `bridges: false` leaves starting the banks' bridges and the central bank's escrow agent to the
   * caller (as processes, say).
   */
  static async create({ bridges = true } = {}): Promise<MoneyWorld> {
    const world = new MoneyWorld(await createTestDatabase(ledgerAccess(networkLayout())), await EscrowDriver.create());
    const { centralBank } = world.db;
    for (const bank of banks) {
      await centralBank.openAccount(`open-bank-${bank}`, { id: `bank-${bank}`, kind: 'bank', bank });
      await centralBank.openAccount(`open-reserve-${bank}`, { id: `reserve-${bank}`, kind: 'reserve', bank });
      await centralBank.mint(`mint-${bank}`, `bank-${bank}`, 10n ** 16n);
      await centralBank.mint(`mint-reserve-${bank}`, `reserve-${bank}`, 10n ** 16n);
    }
    world.secrets.set(platformWallet, randomBytes(16).toString('hex'));
    await centralBank.openAccount('open-platform', {
      id: platformWallet,
      kind: 'platform',
      bank: 'PlatformMSP',
      ownerSecret: world.secrets.get(platformWallet),
    });
    for (const who of ['buyer', 'merchant', 'courier', 'stranger'] as const) {
      const party = world.driver.parties[who];
      const bank = party.identity.mspId as Bank;
      const secret = randomBytes(16).toString('hex');
      world.secrets.set(party.wallet!, secret);
      await world.db.bank(bank).openAccount(`open-${party.wallet}`, { id: party.wallet!, kind: 'user', bank, ownerSecret: secret });
      await world.db.bank(bank).fund(`fund-${party.wallet}`, `bank-${bank}`, party.wallet!, 10n ** 14n);
    }
    world.startBlock = await chainHeight(world.driver.parties.platform.network);
    if (bridges) {
      await world.startAgent();
      for (const bank of banks) await world.startBridge(bank);
    }
    return world;
  }

  /** The ledger as the central bank supervises it: every lock, deposit and the invariant. */
  get ledger(): CbdcLedger {
    return this.db.centralBank;
  }

  private bankParty(bank: Bank): Party {
    return findParty(this.layout.network, { kind: 'bank', mspId: bank });
  }

  /**
   * A credentials file for a bank's bridge or the escrow agent running as its own process
   * (SECUREPAY_CREDENTIALS): the party's own, pointed at this world's database. 0600, in a folder of this world's.
   */
  credentialsFile(bank: Bank | 'escrow-agent'): string {
    const party = bank === 'escrow-agent' ? findParty(this.layout.network, { kind: 'escrowAgent' }) : this.bankParty(bank);
    const file = path.join(this.keyDir, `${party.id}.json`);
    writeCredentialsFile(file, { ...partyCredentials(this.layout, party, {}), database: this.db.login(party) });
    return file;
  }

  async startBridge(
    bank: Bank,
    overrides: Partial<Pick<BridgeOptions, 'jobAttempts' | 'retryDelayMs' | 'minWindows'>> = {},
  ): Promise<void> {
    const connection = connectionOf(bank);
    const metrics = this.metrics.get(bank) ?? new BridgeMetrics();
    this.metrics.set(bank, metrics);
    this.bridges.set(
      bank,
      await startBridge({
        bank,
        platformWallet,
        connection,
        identity: orgAdmin(connection),
        database: this.db.login(this.bankParty(bank)),
        queues: partyCredentials(this.layout, this.bankParty(bank), {}).queues,
        queueNamespace: this.queueNamespace,
        startBlock: this.startBlock,
        log: pino({ level: process.env.LOG_LEVEL ?? 'warn', base: { bank } }, pino.destination(2)),
        metrics,
        ...overrides,
      }),
    );
  }

  /** The central bank's escrow agent, in this process, on this world's database and queue namespace. */
  async startAgent(overrides: { jobAttempts?: number; retryDelayMs?: number } = {}): Promise<void> {
    this.agent = await startAgentOnNetwork(this.layout, {
      ...overrides,
      database: this.db.login(findParty(this.layout.network, { kind: 'escrowAgent' })),
      keyDir: this.keyDir,
      queueNamespace: this.queueNamespace,
      startBlock: this.startBlock,
      sweepEveryMs: 1_000,
      log: pino({ level: process.env.LOG_LEVEL ?? 'warn', base: { service: 'escrow-agent' } }, pino.destination(2)),
    });
  }

  async stopAgent(): Promise<void> {
    await this.agent?.stop();
    this.agent = undefined;
  }

  async stopBridge(bank: Bank): Promise<void> {
    await this.bridges.get(bank)?.stop();
    this.bridges.delete(bank);
  }

  async close(): Promise<void> {
    for (const bank of [...this.bridges.keys()]) await this.stopBridge(bank);
    await this.stopAgent();
    this.driver.close();
    await this.db.drop();
  }

  wallet(who: Who): string {
    return this.driver.parties[who].wallet ?? platformWallet;
  }

  /**
   * A new customer of `bank`, as `create` makes the world's own: enrolled at the bank's CA, its wallet
   * opened and funded by the bank with the bank's own ledger login, its secret kept in `secrets`.
   */
  async newCustomer(bank: Bank, role: 'buyer' | 'merchant' | 'courier', funds = 10n ** 14n): Promise<DriverParty> {
    const party = await this.driver.enroll(bank, role);
    const wallet = party.wallet!;
    const secret = randomBytes(16).toString('hex');
    this.secrets.set(wallet, secret);
    await this.db.bank(bank).openAccount(`open-${wallet}`, { id: wallet, kind: 'user', bank, ownerSecret: secret });
    await this.db.bank(bank).fund(`fund-${wallet}`, `bank-${bank}`, wallet, funds);
    return party;
  }

  async available(wallet: string): Promise<bigint> {
    return BigInt((await this.db.platform.balance(wallet, this.secrets.get(wallet)!)).available);
  }

  async balances(): Promise<WalletBalances> {
    return {
      buyer: await this.available(this.wallet('buyer')),
      merchant: await this.available(this.wallet('merchant')),
      courier: await this.available(this.wallet('courier')),
      platform: await this.available(platformWallet),
    };
  }

  /** The buyer locks the price in its CBDC wallet, then proposes the order on-chain. */
  async paidOrder(windows: Partial<OrderWindows> = {}, price?: bigint): Promise<{ orderId: string; terms: OrderTerms }> {
    const { orderId, terms } = await this.lockedOnly(price);
    return this.driver.proposeTerms(orderId, terms, windows);
  }

  /**
   * The price locked, as the platform does for the buyer, for an order not (yet) proposed; `parties`
   * names a buyer or merchant other than the world's own.
   */
  async lockedOnly(price?: bigint, parties: OrderParties = {}): Promise<{ orderId: string; terms: OrderTerms }> {
    const orderId = `o-${randomUUID()}`;
    const terms = { ...this.driver.newTerms('buyer', parties), ...(price ? { price: price.toString() } : {}) };
    const split = settlementSplit(terms);
    await this.db.platform.lockEscrow(`lock.${orderId}`, {
      orderId,
      buyerWallet: terms.buyerWallet,
      secret: this.secrets.get(terms.buyerWallet)!,
      merchantWallet: terms.merchantWallet,
      platformWallet,
      merchantAmount: split.merchantAmount,
      commissionAmount: split.commissionAmount,
    });
    return { orderId, terms };
  }

  /** Platform and merchant approve; the banks' bridges approve on their own after checking the lock. */
  async escrowed(windows: Partial<OrderWindows> = {}, price?: bigint): Promise<{ orderId: string; terms: OrderTerms }> {
    const order = await this.paidOrder(windows, price);
    await this.driver.submit('platform', 'Approve', order.orderId);
    await this.driver.submit('merchant', 'Approve', order.orderId);
    await this.until(order.orderId, 'ESCROWED');
    return order;
  }

  async delivered(windows: Partial<OrderWindows> = {}, price?: bigint): Promise<{ orderId: string; terms: OrderTerms }> {
    const order = await this.escrowed(windows, price);
    await this.driver.submit('merchant', 'Ship', order.orderId, '');
    await this.driver.submit('courier', 'Deliver', order.orderId, randomBytes(32).toString('hex'));
    return order;
  }

  /** A delivered order the buyer says never arrived, with both deposits locked and recorded by the banks. */
  async disputedWithDeposits(price?: bigint): Promise<{ orderId: string; terms: OrderTerms }> {
    const order = await this.delivered({}, price);
    await this.driver.submit('buyer', 'DeclareNonReceipt', order.orderId);
    await this.lockDeposit(order.orderId, 'buyer', order.terms.price);
    await this.lockDeposit(order.orderId, 'courier', order.terms.price);
    await this.eventually(
      async () => Object.keys((await this.driver.order(order.orderId)).dispute!.deposits).length === 2,
      'both banks record the deposits',
    );
    return order;
  }

  /**
   * As the platform does: once the central bank's escrow agent has seen the dispute (the ledger refuses
   * before). `party` is the order's buyer or courier where it is not the world's own.
   */
  async lockDeposit(orderId: string, who: 'buyer' | 'courier', price: string, party?: DriverParty): Promise<void> {
    const wallet = party?.wallet ?? this.wallet(who);
    const deposit = { orderId, party: who, wallet, secret: this.secrets.get(wallet)!, amount: BigInt(price) };
    await eventually(
      async () => {
        try {
          await this.db.platform.lockDeposit(`deposit.${orderId}.${who}`, deposit);
          return true;
        } catch (error) {
          if (error instanceof LedgerError && error.code === 'WRONG_STATE') return false;
          throw error;
        }
      },
      `the escrow agent sees order ${orderId} in dispute`,
      120_000,
    );
  }

  /** Waits for the order to reach `state` on the platform's peer (bridges act asynchronously). */
  async until(orderId: string, state: string, timeoutMs = 30_000): Promise<Order> {
    const deadline = Date.now() + timeoutMs;
    for (let attempt = 0; ; attempt++) {
      const order = await this.driver.order(orderId);
      if (order.state === state) {
        // Seen on the platform's peer; the next step may be endorsed by another org's.
        await this.driver.syncPeers();
        return order;
      }
      if (Date.now() > deadline) throw new Error(`order ${orderId} is ${order.state}, not ${state}, after ${timeoutMs / 1000}s`);
      await pollPause(attempt);
    }
  }

  /** Waits until `check` holds, then until every peer has caught up: the next step may go to any of them. */
  async eventually(check: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
    await eventually(check, what, timeoutMs);
    await this.driver.syncPeers();
  }
}
