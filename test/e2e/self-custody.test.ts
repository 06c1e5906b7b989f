import { createPublicKey, X509Certificate } from 'node:crypto';
import type { OrderView } from '@securepay/api';
import { newCertificateRequest, SelfSigningUser } from '@securepay/client';
import { ApiWorld, type RegisteredUser } from '@securepay/demo';

/**
 * A buyer who keeps its own Fabric key: registered without one, it makes its key and certificate
 * request on its own device, and signs every step it takes there — the API hands out each digest
 * (the proposal's, then the endorsed transaction's) and submits with the signatures it gets back.
 */
describe('a buyer who keeps its own key, through the platform API', () => {
  let world: ApiWorld;
  beforeAll(async () => {
    world = await ApiWorld.create();
  });
  afterAll(() => world?.close());

  it('runs a whole order to SETTLED signing on its own device; the platform never holds its key', async () => {
    const registered = await world.client.post<RegisteredUser>('/users', world.tokens.platform, {
      role: 'buyer',
      bank: 'BankAMSP',
      displayName: 'Self-custody buyer',
      custody: 'self',
    });
    expect(registered.user.custody).toBe('self');
    const merchant = await world.register('merchant', 'BankBMSP');
    const courier = await world.register('courier', 'BankBMSP');
    await world.fund(registered, 100_000n);
    const order = { merchantId: merchant.user.userId, courierId: courier.user.userId, productId: 'sku-self', price: '4000' };

    const { privateKeyPem, csrPem } = await newCertificateRequest(registered.user.userId);
    const buyer = new SelfSigningUser(world.client.baseUrl, registered.token, privateKeyPem);
    // No certificate yet: no step, and nothing locked.
    expect(await buyer.post('/orders', order)).toMatchObject({ status: 409, body: { error: { code: 'NO_CERTIFICATE' } } });
    expect(await world.available(registered)).toBe(100_000n);

    const enrolled = await buyer.post('/users/me/certificate', { csr: csrPem });
    expect(enrolled.status).toBe(201);
    const certificate = new X509Certificate((enrolled.body as { certificatePem: string }).certificatePem);
    // The CA certified the buyer's own key, for the buyer's user id, with no wallet id in it.
    expect(certificate.publicKey.export({ type: 'spki', format: 'pem' })).toBe(
      createPublicKey(privateKeyPem).export({ type: 'spki', format: 'pem' }),
    );
    expect(certificate.subject).toContain(`CN=${registered.user.userId}`);
    expect(certificate.toString()).not.toContain(registered.user.wallet);
    expect((await buyer.post('/users/me/certificate', { csr: csrPem })).status).toBe(409);

    // The step's result comes from the last signing call, which answers 200 with it.
    const created = await buyer.post('/orders', order);
    expect(created).toMatchObject({ status: 200, body: { state: 'PROPOSED' } });
    const { orderId } = created.body as { orderId: string };
    expect(await world.available(registered)).toBe(96_000n);
    // The platform approved the buyer's own proposal right after it (API_PLATFORM_APPROVAL=on-proposal);
    // approving again answers as that approval did.
    const proposed = await world.client.get<OrderView>(`/orders/${orderId}`, world.tokens.platform);
    expect(proposed.approvals.find((a) => a.slot === 'platform')).toMatchObject({ decision: 'approved' });
    await world.client.post(`/orders/${orderId}/approve`, world.tokens.platform);
    await world.client.post(`/orders/${orderId}/approve`, merchant.token);
    await world.client.waitForState(orderId, 'ESCROWED');
    await world.client.post(`/orders/${orderId}/ship`, merchant.token);
    await world.client.post(`/orders/${orderId}/deliver`, courier.token, { proofHash: 'd'.repeat(64) });
    expect(await buyer.post(`/orders/${orderId}/confirm`, {})).toMatchObject({ status: 200, body: { state: 'CONFIRMED' } });
    const settled = await world.client.waitForState(orderId, 'SETTLED');
    // The buyer's steps were signed by the buyer's key: its certificate is the proposal's creator.
    expect(settled.timeline.filter((t) => t.by.partyId === registered.user.partyId).map((t) => t.action)).toEqual(['propose', 'confirm']);
    expect(await world.available(merchant)).toBe(4000n - 100n);

    // What the platform holds of the buyer: its certificate, never a key.
    const { rows } = await world.db.owner.query<{ sealed_key: unknown; certificate_pem: string }>(
      'select sealed_key, certificate_pem from platform.users where user_id = $1',
      [registered.user.userId],
    );
    expect(rows[0]!.sealed_key).toBeNull();
    expect(new X509Certificate(rows[0]!.certificate_pem).fingerprint256).toBe(certificate.fingerprint256);
  });

  it('refuses a signature from another user, and a made-up signing request', async () => {
    const other = await world.register('buyer', 'BankAMSP');
    const made = await world.client.request('POST', '/signing-requests/6f1c2a6e-4a4c-4f59-9a43-0c3b5d7b4b8e', {
      token: other.token,
      body: { signature: 'AAAA' },
    });
    expect(made.status).toBe(404);
  });
});
