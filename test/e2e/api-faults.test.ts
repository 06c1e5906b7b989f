import { randomBytes, randomInt } from 'node:crypto';
import type { ActionResult, OrderView } from '@securepay/api';
import { ApiWorld, type RegisteredUser } from '@securepay/demo';
import { peerProcessName, ProcessTable, up } from '@securepay/network';
import { eventually, sleep } from './escrow-driver';
import { networkLayout } from './fixtures';
import { AnswerLog, RetryingApi } from './retrying-api';

/**
 * Faults answered as faults. Orders driven through the platform API by a backend that retries 503s
 * (same Idempotency-Key, after Retry-After) while a bank's peer, and in a second run the orderer,
 * is SIGKILLed for 30 s and then started again by the network's own `up`: no request is answered
 * 500, the outage is answered 503 naming what is down, every order reaches its final state after
 * recovery with each step taken once, and every wallet holds exactly what the outcomes say.
 */
const orders = Number(process.env.API_FAULT_ORDERS ?? 60);
const outageMs = 30_000;
const lanes = 12;
const layout = networkLayout();

describe('platform API under faults', () => {
  let world: ApiWorld;
  let buyers: RegisteredUser[];
  let merchants: RegisteredUser[];
  let courier: RegisteredUser;

  beforeAll(async () => {
    world = await ApiWorld.create();
    buyers = [await world.register('buyer', 'BankAMSP'), await world.register('buyer', 'BankAMSP')];
    // Every order's merchant banks at BankB: each of its steps needs BankB's peer to endorse.
    merchants = [await world.register('merchant', 'BankBMSP'), await world.register('merchant', 'BankBMSP')];
    courier = await world.register('courier', 'BankBMSP');
    for (const buyer of buyers) await world.fund(buyer, 10n ** 10n);
  }, 180_000);
  afterAll(async () => {
    // Whatever happened, leave every node running for the tests after this one.
    await up(layout.network);
    await world?.close();
  });

  const processes = (): ProcessTable => new ProcessTable(layout.pidDir);
  const sigkill = (name: string): void => {
    const record = processes().read(name);
    if (!record) throw new Error(`no process record for ${name}`);
    process.kill(record.pid, 'SIGKILL');
  };

  /**
   * `orders` orders, `lanes` at a time: most settle, every fifth the merchant rejects. `fault` runs
   * once the first orders are under way; it may start one more order (`probe`) whenever it likes, to
   * be sure a request arrives while something is down (the lanes may all be waiting then). Returns
   * what the backend was answered, and checks the rest.
   */
  async function runOrders(fault: (probe: () => Promise<void>) => Promise<void>): Promise<AnswerLog> {
    const answers = new AnswerLog();
    const api = new RetryingApi(world.client, answers);
    const platform = world.tokens.platform;
    const before = {
      buyers: await Promise.all(buyers.map((b) => world.available(b))),
      merchants: await Promise.all(merchants.map((m) => world.available(m))),
      fees: await world.available(platform),
    };
    const expected = { buyers: buyers.map(() => 0n), merchants: merchants.map(() => 0n), fees: 0n };
    const finals = new Map<string, string>();

    const runOrder = async (i: number): Promise<void> => {
      const buyer = buyers[i % buyers.length]!;
      const merchant = merchants[i % merchants.length]!;
      // Multiples of 40, so the 2.5 % commission is exact.
      const price = BigInt(randomInt(25, 2_500)) * 40n;
      const { orderId } = await api.post<ActionResult>('/orders', buyer.token, {
        merchantId: merchant.user.userId,
        courierId: courier.user.userId,
        productId: `sku-${i}`,
        price: price.toString(),
      });
      if (i % 5 === 4) {
        await api.post(`/orders/${orderId}/reject`, merchant.token, { reason: 'out of stock' });
        await api.until(orderId, 'REJECTED', platform);
        finals.set(orderId, 'REJECTED');
        return;
      }
      await api.post(`/orders/${orderId}/approve`, platform);
      await api.post(`/orders/${orderId}/approve`, merchant.token);
      await api.until(orderId, 'ESCROWED', platform);
      await api.post(`/orders/${orderId}/ship`, merchant.token);
      await api.post(`/orders/${orderId}/deliver`, courier.token, { proofHash: randomBytes(32).toString('hex') });
      await api.post(`/orders/${orderId}/confirm`, buyer.token);
      await api.until(orderId, 'SETTLED', platform);
      finals.set(orderId, 'SETTLED');
      const commission = price / 40n;
      expected.buyers[buyers.indexOf(buyer)]! -= price;
      expected.merchants[merchants.indexOf(merchant)]! += price - commission;
      expected.fees += commission;
    };

    let next = 0;
    const running = Array.from({ length: lanes }, async () => {
      while (next < orders) await runOrder(next++);
    });
    let probes = 0;
    const probe = (): Promise<void> => runOrder(orders + probes++);
    // The fault strikes with orders at every stage.
    while (next < lanes * 2 && next < orders) await sleep(200);
    const faulted = fault(probe);
    // Every lane ends before this test does, failed or not: a lane still running would move the next test's balances.
    const ended = await Promise.allSettled([...running, faulted]);
    const failed = ended.find((e): e is PromiseRejectedResult => e.status === 'rejected');
    if (failed) throw failed.reason;

    process.stdout.write(`\n${orders} orders; answers: ${answers.summary()}\n`);
    expect(answers.serverErrors).toEqual([]);
    expect(finals.size).toBe(orders + probes);
    for (const [orderId, state] of finals) {
      const view = await world.client.get<OrderView>(`/orders/${orderId}`);
      expect(`${orderId} ${view.state}`).toBe(`${orderId} ${state}`);
      // Each step once: a retry that found its step committed answered it, and took it no second time.
      const actions = view.timeline.map((s) => s.action);
      expect(actions.filter((a) => a === 'propose')).toHaveLength(1);
      if (state === 'SETTLED') {
        for (const action of ['ship', 'deliver', 'confirm', 'recordSettlement'])
          expect(actions.filter((a) => a === action)).toHaveLength(1);
        expect(view.approvals.every((a) => a.decision === 'approved')).toBe(true);
      }
    }
    await eventually(async () => (await world.available(platform)) === before.fees + expected.fees, 'the commissions are paid', 120_000);
    expect(await Promise.all(buyers.map((b) => world.available(b)))).toEqual(before.buyers.map((b, i) => b + expected.buyers[i]!));
    expect(await Promise.all(merchants.map((m) => world.available(m)))).toEqual(before.merchants.map((m, i) => m + expected.merchants[i]!));
    expect(await world.db.centralBank.checkInvariant()).toMatchObject({ ok: true });
    expect(await world.db.centralBank.ordersWithPending()).toEqual([]);
    return answers;
  }

  it("BankB's peer SIGKILLed for 30 s: 503 PEER_UNAVAILABLE naming BankBMSP, never a 500, every order final, balances exact", async () => {
    const bankB = layout.network.orgs.find((o) => o.mspId === 'BankBMSP')!;
    const answers = await runOrders(async () => {
      sigkill(peerProcessName(bankB));
      await sleep(outageMs);
      await up(layout.network);
    });
    expect(answers.unavailable.length).toBeGreaterThan(0);
    expect(answers.unavailable.every((u) => u.code === 'PEER_UNAVAILABLE' || u.code === 'ORDERER_UNAVAILABLE')).toBe(true);
    expect(answers.unavailable.some((u) => u.code === 'PEER_UNAVAILABLE' && u.message.includes('BankBMSP'))).toBe(true);
  }, 600_000);

  it('the orderer SIGKILLed for 30 s: 503 ORDERER_UNAVAILABLE, never a 500, every order final, balances exact', async () => {
    const orderers = layout.network.activeOrderers;
    const answers = await runOrders(async (probe) => {
      // raft1's only orderer; with more, all of them: ordering stops either way.
      for (const node of orderers) sigkill(node.name);
      // An order proposed while ordering is down: the lanes may all be waiting on the chain by then.
      await sleep(2_000);
      const probed = probe();
      await sleep(outageMs - 2_000);
      await up(layout.network);
      await probed;
    });
    expect(answers.unavailable.some((u) => u.code === 'ORDERER_UNAVAILABLE')).toBe(true);
  }, 600_000);

  it("reads go to another org's peer while the platform's own does not answer", async () => {
    const api = new RetryingApi(world.client, new AnswerLog());
    const { orderId } = await world.escrowed({ buyer: buyers[0]!, merchant: merchants[0]!, courier }, '4000');
    const platformOrg = layout.network.orgs.find((o) => o.kind === 'platform')!;
    sigkill(peerProcessName(platformOrg));
    try {
      // No retry needed: the order, public state, is read at a bank's peer.
      const response = await world.client.request<OrderView>('GET', `/orders/${orderId}`, { token: world.tokens.platform });
      expect([response.status, response.body.state]).toEqual([200, 'ESCROWED']);
      // A step needs the platform's endorsement: it is a 503 naming the platform's peer, not a 500.
      const step = await world.client.request<{ error: { code: string; message: string } }>('POST', `/orders/${orderId}/ship`, {
        token: merchants[0]!.token,
      });
      expect([step.status, step.body.error.code]).toEqual([503, 'PEER_UNAVAILABLE']);
      expect(step.body.error.message).toContain(platformOrg.mspId);
    } finally {
      await up(layout.network);
    }
    await api.post(`/orders/${orderId}/ship`, merchants[0]!.token);
    await api.until(orderId, 'SHIPPED', world.tokens.platform);
  }, 600_000);
});
