import { randomBytes } from 'node:crypto';
import type { ActionResult, OrderView } from '@securepay/api';
import { ApiWorld, type RegisteredUser } from '@securepay/demo';
import { eventually } from './escrow-driver';

interface ListingPage {
  orders: { orderId: string; state: string; createdAt: string; updatedAt: string; txId: string; blockNumber: string }[];
  next: string | null;
  caughtUpTo: { blockNumber: string; txId: string } | null;
}

const proof = (): string => randomBytes(32).toString('hex');

/**
 * The API's order listing is a read model it keeps in PostgreSQL from the chain's events: orders
 * driven through the real API must show up there as the chain has them, once it has caught up.
 */
describe('platform API: the order listing read model', () => {
  let world: ApiWorld;
  let buyer: RegisteredUser;
  let merchant: RegisteredUser;
  let courier: RegisteredUser;
  /** The orders this test made, oldest first. */
  const made: string[] = [];

  beforeAll(async () => {
    world = await ApiWorld.create();
    buyer = await world.register('buyer', 'BankAMSP');
    merchant = await world.register('merchant', 'BankBMSP');
    courier = await world.register('courier', 'BankBMSP');
    await world.fund(buyer, 1_000_000n);

    const parties = { buyer, merchant, courier };
    const create = async (): Promise<string> => {
      const { orderId } = await world.client.post<ActionResult>('/orders', buyer.token, {
        merchantId: merchant.user.userId,
        courierId: courier.user.userId,
        productId: 'sku-listing',
        price: '1500',
      });
      made.push(orderId);
      return orderId;
    };
    // One order in each of several states: settled, rejected, shipped, escrowed, proposed.
    const settled = (await world.escrowed(parties, '1000')).orderId;
    made.push(settled);
    await world.client.post(`/orders/${settled}/ship`, merchant.token);
    await world.client.post(`/orders/${settled}/deliver`, courier.token, { proofHash: proof() });
    await world.client.post(`/orders/${settled}/confirm`, buyer.token);
    await world.client.waitForState(settled, 'SETTLED');
    const rejected = await create();
    await world.client.post(`/orders/${rejected}/reject`, merchant.token, { reason: 'out of stock' });
    const shipped = (await world.escrowed(parties, '1200')).orderId;
    made.push(shipped);
    await world.client.post(`/orders/${shipped}/ship`, merchant.token);
    made.push((await world.escrowed(parties, '1300')).orderId);
    await create();
  }, 300_000);
  afterAll(() => world?.close());

  /** Every page of a listing, following `next`. */
  const allPages = async (query: string): Promise<{ pages: ListingPage[]; orders: ListingPage['orders'] }> => {
    const pages: ListingPage[] = [];
    let next: string | null = null;
    do {
      const cursor: string = next === null ? '' : `&cursor=${encodeURIComponent(next)}`;
      const page: ListingPage = await world.client.get<ListingPage>(`/orders?${query}${cursor}`);
      pages.push(page);
      next = page.next;
    } while (next !== null && pages.length < 50);
    return { pages, orders: pages.flatMap((p) => p.orders) };
  };
  const party = (user: RegisteredUser): string => `mspId=${user.user.bank}&partyId=${user.user.partyId}`;

  test("a party's listing matches the chain once caught up: the same orders, their chain states, newest first", async () => {
    let mismatch = '';
    await eventually(
      async () => {
        // The chain's word, read back through the public view (the platform's peer), and the newest block any step is in.
        const chain = await Promise.all(made.map((id) => world.client.get<OrderView>(`/orders/${id}`)));
        const lastBlock = chain.flatMap((o) => o.timeline.map((s) => BigInt(s.blockNumber ?? 0))).reduce((a, b) => (a > b ? a : b), 0n);
        const { pages, orders } = await allPages(`${party(buyer)}&limit=2`);
        const caughtUpTo = pages[pages.length - 1]!.caughtUpTo;
        const listed = orders.map((o) => `${o.orderId}:${o.state}`);
        const expected = [...chain].reverse().map((o) => `${o.orderId}:${o.state}`);
        mismatch = `listed ${JSON.stringify(listed)}, chain ${JSON.stringify(expected)}, caught up to ${JSON.stringify(caughtUpTo)}, last block ${lastBlock}`;
        return JSON.stringify(listed) === JSON.stringify(expected) && caughtUpTo !== null && BigInt(caughtUpTo.blockNumber) >= lastBlock;
      },
      'the listing catches up with the chain',
      60_000,
    ).catch((error: Error) => {
      throw new Error(`${error.message}: ${mismatch}`);
    });
    const { pages, orders } = await allPages(`${party(buyer)}&limit=2`);
    expect(pages).toHaveLength(Math.ceil(made.length / 2));
    // Each row names where its last change was committed: the chain's last step of that order.
    for (const listed of orders) {
      const view = await world.client.get<OrderView>(`/orders/${listed.orderId}`);
      const last = view.timeline[view.timeline.length - 1]!;
      expect({ txId: listed.txId, blockNumber: listed.blockNumber }).toEqual({ txId: last.txId, blockNumber: last.blockNumber });
      expect(new Date(listed.createdAt).getTime()).toBeLessThanOrEqual(new Date(listed.updatedAt).getTime());
    }
  });

  test('the merchant and the courier see the same orders; a state filter narrows them', async () => {
    const ids = [...made].reverse();
    await eventually(
      async () => (await allPages(`${party(merchant)}&limit=200`)).orders.map((o) => o.orderId).join() === ids.join(),
      "the merchant's listing",
    );
    expect((await allPages(`${party(courier)}&limit=3`)).orders.map((o) => o.orderId)).toEqual(ids);
    const settled = await allPages(`${party(buyer)}&state=SETTLED`);
    expect(settled.orders.map((o) => o.orderId)).toEqual([made[0]]);
    const everySettled = await allPages('state=SETTLED&limit=200');
    expect(everySettled.orders.every((o) => o.state === 'SETTLED')).toBe(true);
  });

  test('the listing is public and carries no price, wallet or name', async () => {
    const text = JSON.stringify(await world.client.get(`/orders?${party(buyer)}`));
    for (const amount of ['1000', '1200', '1300', '1500']) expect(text).not.toMatch(new RegExp(`(?<![0-9a-fA-F])${amount}(?![0-9a-fA-F])`));
    for (const secret of [buyer.user.wallet, merchant.user.wallet, buyer.user.displayName]) expect(text).not.toContain(secret);
  });

  test.each([
    ['a cursor it never gave out', 'cursor=bm90LWEtY3Vyc29y', 'query.cursor'],
    ['a page of 0', 'limit=0', 'query.limit'],
    ['a page above the bound', 'limit=201', 'query.limit'],
    ['a party id without its MSP id', 'partyId=p123', 'query.partyId'],
    ['an unknown state', 'state=LOST', 'query.state'],
    ['an offset', 'offset=20', 'query'],
  ])('%s is a 400 naming the field', async (_name, query, field) => {
    const response = await world.client.request<{ error: { code: string; message: string } }>('GET', `/orders?${query}`);
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('INVALID_REQUEST');
    expect(response.body.error.message).toContain(field);
  });
});
