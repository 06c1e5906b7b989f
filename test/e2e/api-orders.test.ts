import { randomBytes } from 'node:crypto';
import type { ActionResult, OrderView, Statement } from '@securepay/api';
import { ApiWorld, type RegisteredUser } from '@securepay/demo';
import { chainHeight, connectGateway, orgAdmin } from '@securepay/network';
import { eventually } from './escrow-driver';
import { connectionOf, searchableBytes } from './fixtures';

const proof = (): string => randomBytes(32).toString('hex');

/** Every path of an order driven through the platform API alone, with the money checked to the unit. */
describe('platform API: orders end to end', () => {
  let world: ApiWorld;
  let buyer: RegisteredUser;
  let merchant: RegisteredUser;
  let courier: RegisteredUser;
  /** The orders that settled to the merchant, in order: what its statement must list. */
  const settledOrders: string[] = [];

  beforeAll(async () => {
    world = await ApiWorld.create();
    buyer = await world.register('buyer', 'BankAMSP', 'Alice Buyer');
    merchant = await world.register('merchant', 'BankBMSP', 'Bob Merchant');
    courier = await world.register('courier', 'BankBMSP', 'Carol Courier');
    await world.fund(buyer, 1_000_000n);
    await world.fund(courier, 1_000_000n);
  }, 120_000);
  afterAll(() => world?.close());

  const create = (price: string): Promise<ActionResult> =>
    world.client.post<ActionResult>('/orders', buyer.token, {
      merchantId: merchant.user.userId,
      courierId: courier.user.userId,
      productId: 'sku-1',
      price,
    });

  const escrowed = async (price: string): Promise<string> => (await world.escrowed({ buyer, merchant, courier }, price)).orderId;

  test('an order settles: the merchant gets the price less commission, the platform the commission', async () => {
    const before = {
      buyer: await world.available(buyer),
      merchant: await world.available(merchant),
      platform: await world.available(world.tokens.platform),
    };
    const orderId = await escrowed('10000');
    expect(await world.available(buyer)).toBe(before.buyer - 10_000n);
    await world.client.post(`/orders/${orderId}/ship`, merchant.token);
    await world.client.post(`/orders/${orderId}/deliver`, courier.token, { proofHash: proof() });
    const confirmed = await world.client.post<ActionResult>(`/orders/${orderId}/confirm`, buyer.token);
    expect(confirmed.state).toBe('CONFIRMED');
    const settled = await world.client.waitForState(orderId, 'SETTLED');
    settledOrders.push(orderId);
    await eventually(async () => (await world.available(merchant)) === before.merchant + 9_750n, 'the merchant is paid');
    expect(await world.available(world.tokens.platform)).toBe(before.platform + 250n);
    expect(await world.available(buyer)).toBe(before.buyer - 10_000n);

    expect(settled.timeline.map((s) => s.action)).toEqual(
      expect.arrayContaining(['propose', 'approve', 'ship', 'deliver', 'confirm', 'recordSettlement']),
    );
    expect(settled.approvals.every((a) => a.decision === 'approved')).toBe(true);
    for (const step of settled.timeline) expect(step.blockNumber).toMatch(/^\d+$/);
    // The users' steps are theirs, signed as intents the platform carried in its own transactions.
    for (const [action, user] of [
      ['ship', merchant],
      ['deliver', courier],
      ['confirm', buyer],
    ] as const) {
      const step = settled.timeline.find((s) => s.action === action)!;
      expect(step.by).toMatchObject({ role: user.user.role, partyId: user.user.partyId });
      expect(step.intentHash).toMatch(/^[0-9a-f]{64}$/);
      expect((await world.client.get<{ submittedBy: string }>(`/transactions/${step.txId}`)).submittedBy).toBe('PlatformMSP');
    }

    const tx = await world.client.get<{ changes: { orderId: string; to: string }[]; validationCode: string }>(
      `/transactions/${confirmed.txId}`,
    );
    expect(tx.validationCode).toBe('VALID');
    expect(tx.changes).toEqual([expect.objectContaining({ orderId, action: 'confirm', from: 'DELIVERED', to: 'CONFIRMED' })]);

    // The public views carry no price, wallet or name. An amount is looked for as a number, not inside
    // the hex of a hash or transaction id, where "9750" turns up by chance about once in fifty runs.
    const publicText = JSON.stringify([settled, tx, await world.client.get('/orders')]);
    for (const amount of ['10000', '9750']) expect(publicText).not.toMatch(new RegExp(`(?<![0-9a-fA-F])${amount}(?![0-9a-fA-F])`));
    for (const secret of [buyer.user.wallet, merchant.user.wallet, 'Alice', 'Bob', 'Carol']) expect(publicText).not.toContain(secret);
  });

  test('the merchant rejects: the buyer is refunded', async () => {
    const before = await world.available(buyer);
    const { orderId } = await create('5000');
    expect(await world.available(buyer)).toBe(before - 5_000n);
    const rejected = await world.client.post<ActionResult>(`/orders/${orderId}/reject`, merchant.token, { reason: 'out of stock' });
    expect(rejected.state).toBe('REJECTED');
    await eventually(async () => (await world.available(buyer)) === before, 'the buyer is refunded');
    const view = await world.client.get<OrderView>(`/orders/${orderId}`);
    expect(view.approvals.find((a) => a.slot === 'merchant')).toEqual(
      expect.objectContaining({ decision: 'rejected', reason: 'out of stock' }),
    );
  });

  test('a dispute the courier wins: deposits through the API, the order settles to the merchant', async () => {
    const before = {
      buyer: await world.available(buyer),
      courier: await world.available(courier),
      merchant: await world.available(merchant),
    };
    const orderId = await escrowed('2000');
    await world.client.post(`/orders/${orderId}/ship`, merchant.token);
    await world.client.post(`/orders/${orderId}/deliver`, courier.token, { proofHash: proof() });
    await world.client.post(`/orders/${orderId}/non-receipt`, buyer.token);
    const deposit = await world.client.request('POST', `/orders/${orderId}/deposit`, { token: buyer.token });
    expect(deposit.status).toBe(202);
    await world.client.post(`/orders/${orderId}/deposit`, courier.token);
    await eventually(
      async () => Object.keys((await world.client.get<OrderView>(`/orders/${orderId}`)).dispute!.deposits).length === 2,
      'both banks record the deposits',
    );
    await world.client.post(`/orders/${orderId}/resolve`, world.tokens.platform, { winner: 'courier', evidenceHash: proof() });
    await world.client.waitForState(orderId, 'SETTLED');
    settledOrders.push(orderId);
    // Buyer: price and deposit gone, none back. Courier: its deposit back plus half the buyer's.
    await eventually(async () => (await world.available(courier)) === before.courier + 1_000n, 'the courier is paid');
    expect(await world.available(buyer)).toBe(before.buyer - 4_000n);
    expect(await world.available(merchant)).toBe(before.merchant + 1_950n);
  });

  test("the merchant's statement lists each settled order with its settlement proof; its totals are what the wallet received", async () => {
    const day = (offset: number): string => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
    const path = `/merchants/me/statement?from=${day(-1)}&to=${day(1)}`;
    // The read model takes the settlement from the chain's event a moment after the order's state shows it.
    let statement: Statement | undefined;
    await eventually(async () => {
      statement = await world.client.get<Statement>(path, merchant.token);
      return statement.orders.length === settledOrders.length && statement.orders.every((row) => row.escrow === 'posted');
    }, 'the statement lists both settled orders, paid');
    expect(statement!.orders.map((row) => row.orderId).sort()).toEqual([...settledOrders].sort());
    for (const row of statement!.orders) {
      const view = await world.client.get<OrderView>(`/orders/${row.orderId}`);
      const proofStep = view.timeline.find((step) => step.action === 'recordSettlement')!;
      expect(row).toMatchObject({ state: 'SETTLED', txId: proofStep.txId, blockNumber: proofStep.blockNumber, penalty: '0' });
      expect(BigInt(row.net)).toBe(BigInt(row.gross) - BigInt(row.commission));
    }
    // The merchant was never funded: everything in its wallet came from these orders.
    expect(BigInt(statement!.totals.net)).toBe(await world.available(merchant));
    expect(statement!.totals).toMatchObject({ orders: 2, price: '12000', gross: '12000', commission: '300', net: '11700' });

    const csv = await world.client.request<string>('GET', path, { token: merchant.token, headers: { Accept: 'text/csv' } });
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = csv.body.trim().split(/\r?\n/);
    expect(lines[0]).toMatch(/^order_id,state,settled_at,escrow,price,gross,commission,penalty,net,/);
    for (const orderId of settledOrders) expect(lines.some((line) => line.startsWith(`${orderId},SETTLED,`))).toBe(true);
    expect(lines.at(-1)).toMatch(/^TOTAL,.*,11700,/);

    // A buyer has no statement.
    const asBuyer = await world.client.request<{ error: { code: string } }>('GET', path, { token: buyer.token });
    expect([asBuyer.status, asBuyer.body.error.code]).toEqual([403, 'WRONG_PARTY']);
  });

  test('a deposit outside a dispute, or by someone not in it, is refused and locks nothing', async () => {
    const orderId = await escrowed('1000');
    const before = await world.available(buyer);
    const early = await world.client.request<{ error: { code: string } }>('POST', `/orders/${orderId}/deposit`, { token: buyer.token });
    expect(early.status).toBe(409);
    expect(early.body.error.code).toBe('WRONG_STATE');
    const merchantTries = await world.client.request<{ error: { code: string } }>('POST', `/orders/${orderId}/deposit`, {
      token: merchant.token,
    });
    expect(merchantTries.status).toBe(403);
    expect(await world.available(buyer)).toBe(before);
  });
  test('no display name and no wallet id of its users is in any block from 0: raw bytes and every certificate decoded', async () => {
    const bankA = connectionOf('BankAMSP');
    const reader = connectGateway(bankA, orgAdmin(bankA));
    const blocks: Buffer[] = [];
    try {
      const network = reader.gateway.getNetwork(bankA.channel);
      const last = (await chainHeight(network)) - 1n;
      const events = await network.getBlockEvents({ startBlock: 0n });
      for await (const block of events) {
        blocks.push(searchableBytes(Buffer.from(block.serializeBinary())));
        if (BigInt(block.getHeader()!.getNumber()) >= last) break;
      }
      events.close();
    } finally {
      reader.close();
    }
    expect(blocks.length).toBeGreaterThan(20);
    const users = [buyer, merchant, courier];
    for (const secret of [...users.map((u) => u.user.displayName), ...users.map((u) => u.user.wallet)])
      for (const block of blocks) expect(block.includes(Buffer.from(secret))).toBe(false);
    // What does appear, in the creators' certificates (which the search does see): the enrollment id, the platform's random user id.
    expect(blocks.some((b) => b.includes(Buffer.from(buyer.user.userId)))).toBe(true);
    expect(buyer.user.userId).toMatch(/^u-[0-9a-f-]{36}$/);
  });
});
