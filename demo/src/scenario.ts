import { setTimeout as sleep } from 'node:timers/promises';
import { randomBytes } from 'node:crypto';
import type { ActionResult, OrderView, PlatformUser, SecurePayClient } from '@securepay/api';

export interface Person {
  name: string;
  user: PlatformUser;
  token: string;
}

export interface DemoOrder {
  label: string;
  orderId: string;
  buyer: Person;
  merchant: Person;
  price: bigint;
  expected: string;
}

type Say = (line: string) => void;

/** What the banks do outside the platform's API: run their bridges, and fund their customers as themselves. */
export interface Banks {
  stopBridge(bank: string): Promise<void>;
  startBridge(bank: string): void;
  /** The bank credits its customer's wallet from its own account, logged in to the ledger as that bank. */
  fund(bank: string, wallet: string, amount: bigint): Promise<void>;
}
const proof = (): string => randomBytes(32).toString('hex');
export const money = (minor: bigint): string => `${minor / 100n}.${(minor % 100n).toString().padStart(2, '0')}`;

/**
 * SecurePay's story, told through the platform API only, as an e-commerce backend would drive it:
 * orders that settle, one the merchant rejects, a dispute the courier wins, one the buyer wins, and
 * a settlement the merchant has to challenge because its bank was down.
 */
export class Scenario {
  readonly people: Person[] = [];
  readonly orders: DemoOrder[] = [];

  constructor(
    private readonly api: SecurePayClient,
    private readonly tokens: { platform: string },
    private readonly say: Say,
    private readonly banks: Banks,
  ) {}

  private async register(name: string, role: 'buyer' | 'merchant' | 'courier', bank: string, funds: bigint): Promise<Person> {
    const { user, token } = await this.api.post<{ user: PlatformUser; token: string }>('/users', this.tokens.platform, {
      role,
      bank,
      displayName: name,
    });
    if (funds > 0n) await this.banks.fund(bank, user.wallet, funds);
    const person = { name, user, token };
    this.people.push(person);
    this.say(`  ${name.padEnd(20)} ${role.padEnd(8)} at ${bank}  party ${user.partyId}${funds > 0n ? `, funded ${money(funds)}` : ''}`);
    return person;
  }

  private async step(order: DemoOrder, who: Person | 'platform', path: string, body: object = {}): Promise<ActionResult> {
    const token = who === 'platform' ? this.tokens.platform : who.token;
    const result = await this.api.post<ActionResult>(`/orders/${order.orderId}/${path}`, token, body);
    this.say(
      `    ${(who === 'platform' ? 'platform' : who.name).padEnd(20)} ${path.padEnd(12)} → ${result.state.padEnd(10)} block ${result.blockNumber}`,
    );
    return result;
  }

  /** A deposit is a lock in the party's own wallet; its bank then records it on-chain. */
  private async deposit(order: DemoOrder, who: Person): Promise<void> {
    const { lockRef } = await this.api.post<{ lockRef: string }>(`/orders/${order.orderId}/deposit`, who.token);
    this.say(`    ${who.name.padEnd(20)} ${'deposit'.padEnd(12)} → locked ${money(order.price)} in its wallet (${lockRef})`);
  }

  /** Waits for what the banks' bridges and the central bank's escrow agent do on their own. */
  private async wait(order: DemoOrder, state: string, why: string): Promise<void> {
    await this.api.waitForState(order.orderId, state);
    this.say(`    ${'(banks, agent)'.padEnd(20)} ${why.padEnd(12)} → ${state}`);
  }

  private async create(
    label: string,
    buyer: Person,
    merchant: Person,
    courier: Person,
    price: bigint,
    expected: string,
    windows?: object,
  ): Promise<DemoOrder> {
    const created = await this.api.post<ActionResult>('/orders', buyer.token, {
      merchantId: merchant.user.userId,
      courierId: courier.user.userId,
      productId: label,
      price: price.toString(),
      ...(windows ? { windows } : {}),
    });
    const order = { label, orderId: created.orderId, buyer, merchant, price, expected };
    this.orders.push(order);
    this.say(
      `\n  #${this.orders.length} ${label}: ${buyer.name} buys from ${merchant.name} for ${money(price)} (order ${created.orderId})`,
    );
    this.say(
      `    ${buyer.name.padEnd(20)} ${'create'.padEnd(12)} → ${created.state.padEnd(10)} block ${created.blockNumber} (price locked in the buyer's wallet)`,
    );
    return order;
  }

  private async escrow(order: DemoOrder): Promise<void> {
    await this.step(order, 'platform', 'approve');
    await this.step(order, order.merchant, 'approve');
    await this.wait(order, 'ESCROWED', 'banks check');
  }

  private async deliver(order: DemoOrder, courier: Person): Promise<void> {
    await this.escrow(order);
    await this.step(order, order.merchant, 'ship');
    await this.step(order, courier, 'deliver', { proofHash: proof() });
  }

  async run(): Promise<void> {
    this.say("Registering people (each enrolled at its bank's Fabric CA under a pseudonym; keys in the encrypted keystore):");
    const alice = await this.register('Alice', 'buyer', 'BankAMSP', 2_000_000n);
    const dan = await this.register('Dan', 'buyer', 'BankBMSP', 2_000_000n);
    const books = await this.register("Bob's Books", 'merchant', 'BankBMSP', 0n);
    const gadgets = await this.register("Erin's Electronics", 'merchant', 'BankAMSP', 0n);
    const carol = await this.register('Carol Couriers', 'courier', 'BankBMSP', 500_000n);
    const frank = await this.register('Frank Freight', 'courier', 'BankAMSP', 500_000n);

    this.say('\nOrders:');
    const book = await this.create('a novel', alice, books, carol, 4_500n, 'SETTLED');
    await this.deliver(book, carol);
    await this.step(book, alice, 'confirm');
    await this.wait(book, 'SETTLED', 'settle');

    const phones = await this.create('headphones', dan, gadgets, frank, 129_900n, 'SETTLED');
    await this.deliver(phones, frank);
    await this.step(phones, dan, 'confirm');
    await this.wait(phones, 'SETTLED', 'settle');

    const phone = await this.create('a phone', alice, gadgets, frank, 399_900n, 'REJECTED');
    await this.step(phone, 'platform', 'approve');
    await this.step(phone, gadgets, 'reject', { reason: 'out of stock' });

    const parcel = await this.create('a board game', dan, books, carol, 25_000n, 'SETTLED');
    await this.deliver(parcel, carol);
    await this.step(parcel, dan, 'non-receipt');
    await this.deposit(parcel, dan);
    await this.deposit(parcel, carol);
    await this.untilDeposits(parcel);
    await this.step(parcel, 'platform', 'resolve', { winner: 'courier', evidenceHash: proof() });
    await this.wait(parcel, 'SETTLED', 'settle');

    const lamp = await this.create('a lamp', alice, gadgets, frank, 60_000n, 'REFUNDED');
    await this.deliver(lamp, frank);
    await this.step(lamp, alice, 'non-receipt');
    await this.deposit(lamp, alice);
    await this.deposit(lamp, frank);
    await this.untilDeposits(lamp);
    await this.step(lamp, 'platform', 'resolve', { winner: 'buyer', evidenceHash: proof() });

    const atlas = await this.create('an atlas', alice, books, carol, 8_800n, 'SETTLED', { settlementMs: 3_000 });
    await this.deliver(atlas, carol);
    this.say(`    ${'(BankBMSP bridge)'.padEnd(20)} stopped: the merchant's bank goes silent (the escrow agent still pays)`);
    await this.banks.stopBridge('BankBMSP');
    await this.step(atlas, alice, 'confirm');
    await sleep(3_500);
    await this.step(atlas, books, 'challenge');
    this.banks.startBridge('BankBMSP');
    this.say(`    ${'(BankBMSP bridge)'.padEnd(20)} back: it records the receipt of the escrow agent's payment`);
    await this.wait(atlas, 'SETTLED', 'prove');
  }

  private async untilDeposits(order: DemoOrder): Promise<void> {
    const deadline = Date.now() + 60_000;
    while (Object.keys((await this.api.get<OrderView>(`/orders/${order.orderId}`)).dispute?.deposits ?? {}).length < 2) {
      if (Date.now() > deadline) throw new Error(`the banks did not record both deposits of ${order.orderId}`);
      await sleep(150);
    }
    this.say(`    ${'(bridges)'.padEnd(20)} ${'deposits'.padEnd(12)} → recorded on-chain by both banks`);
  }
}
