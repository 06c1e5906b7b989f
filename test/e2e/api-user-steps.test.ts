import { randomBytes } from 'node:crypto';
import type { ActionResult, OrderView } from '@securepay/api';
import { ApiWorld, type RegisteredUser } from '@securepay/demo';

/**
 * `API_USER_STEPS=user`: a custodial merchant's and courier's steps go in batches of their own
 * transactions, each signed with the user's own key, instead of as intents in the platform's batch.
 * The order moves the same way; only who submitted each transaction differs.
 */
describe('platform API with API_USER_STEPS=user', () => {
  let world: ApiWorld;
  let buyer: RegisteredUser;
  let merchant: RegisteredUser;
  let courier: RegisteredUser;

  beforeAll(async () => {
    world = await ApiWorld.create({ API_USER_STEPS: 'user' });
    buyer = await world.register('buyer', 'BankAMSP');
    merchant = await world.register('merchant', 'BankBMSP');
    courier = await world.register('courier', 'BankBMSP');
    await world.fund(buyer, 100_000n);
  }, 120_000);
  afterAll(() => world?.close());

  it("ships and delivers in the merchant's and the courier's own transactions", async () => {
    const { orderId } = await world.escrowed({ buyer, merchant, courier }, '4000');
    const shipped = await world.client.post<ActionResult>(`/orders/${orderId}/ship`, merchant.token);
    const delivered = await world.client.post<ActionResult>(`/orders/${orderId}/deliver`, courier.token, {
      proofHash: randomBytes(32).toString('hex'),
    });
    expect([shipped.state, delivered.state]).toEqual(['SHIPPED', 'DELIVERED']);
    const view = await world.client.get<OrderView>(`/orders/${orderId}`);
    for (const [action, user, result] of [
      ['approve', merchant, undefined],
      ['ship', merchant, shipped],
      ['deliver', courier, delivered],
    ] as const) {
      const step = view.timeline.find((s) => s.action === action && s.by.partyId === user.user.partyId)!;
      if (result) expect(step.txId).toBe(result.txId);
      expect(step.intentHash).toBeUndefined();
      // Submitted by the user's own identity: its bank's MSP, not the platform's.
      expect((await world.client.get<{ submittedBy: string }>(`/transactions/${step.txId}`)).submittedBy).toBe('BankBMSP');
    }
  });
});
