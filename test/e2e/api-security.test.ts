import { randomBytes, randomUUID } from 'node:crypto';
import { loginPool } from '@securepay/ledger';
import { Keystore, SecurePayClient, type ActionResult, type ApiResponse } from '@securepay/api';
import { ApiWorld, type RegisteredUser } from '@securepay/demo';

type ErrorBody = { error: { code: string; message: string; fields?: { path: string; message: string }[] } };

function expectError(response: ApiResponse, status: number, code: string): ErrorBody['error'] {
  expect({ status: response.status, body: response.body }).toEqual({ status, body: { error: expect.objectContaining({ code }) } });
  const text = JSON.stringify(response.body);
  // Never a stack trace or an internal path.
  expect(text).not.toMatch(/\bat .*\(|node_modules|\.ts:\d+/);
  return (response.body as ErrorBody).error;
}

/** The API's guards, each tried against the running API, and each checked to have changed nothing. */
describe('platform API: validation, authorisation, idempotency, limits, keystore', () => {
  let world: ApiWorld;
  let client: SecurePayClient;
  let buyer: RegisteredUser;
  let merchant: RegisteredUser;
  let courier: RegisteredUser;
  let otherBuyer: RegisteredUser;

  beforeAll(async () => {
    world = await ApiWorld.create();
    client = world.client;
    buyer = await world.register('buyer', 'BankAMSP', 'Dora Buyer');
    otherBuyer = await world.register('buyer', 'BankAMSP');
    merchant = await world.register('merchant', 'BankBMSP');
    courier = await world.register('courier', 'BankBMSP');
    await world.fund(buyer, 100_000n);
  }, 120_000);
  afterAll(() => world?.close());

  const orderBody = (extra: Record<string, unknown> = {}) => ({
    merchantId: merchant.user.userId,
    courierId: courier.user.userId,
    productId: 'sku-9',
    price: '1200',
    ...extra,
  });
  // This merchant's orders only: the listing is a read model that may still be catching up with orders of
  // other tests on the channel, so a count of every order could change under the test.
  const orderCount = async (): Promise<number> =>
    (await client.get<{ orders: unknown[] }>(`/orders?mspId=${merchant.user.bank}&partyId=${merchant.user.partyId}&limit=200`)).orders
      .length;

  describe('validation: a bad request gets a 400 naming the field, and changes nothing', () => {
    const cases: [string, string | Record<string, unknown>, string, RegExp][] = [
      ['malformed JSON', '{"merchantId": ', 'MALFORMED_JSON', /not valid JSON/],
      ['a price as a number', { price: 1200 }, 'INVALID_REQUEST', /body\.price/],
      ['a negative price', { price: '-5' }, 'INVALID_REQUEST', /body\.price/],
      ['a fractional price', { price: '12.50' }, 'INVALID_REQUEST', /body\.price/],
      ['a price of 19 digits', { price: '1000000000000000000' }, 'INVALID_REQUEST', /body\.price/],
      ['an unknown field', { discount: '5' }, 'INVALID_REQUEST', /unknown field.*discount/],
      ['a malformed merchant id', { merchantId: 'bob' }, 'INVALID_REQUEST', /body\.merchantId/],
      ['a window below a second', { windows: { approvalMs: 5 } }, 'INVALID_REQUEST', /body\.windows\.approvalMs/],
    ];
    test.each(cases)('%s', async (_name, body, code, message) => {
      const [balance, orders] = [await world.available(buyer), await orderCount()];
      const response = await client.request('POST', '/orders', {
        token: buyer.token,
        ...(typeof body === 'string' ? { rawBody: body } : { body: orderBody(body) }),
      });
      expect(expectError(response, 400, code).message).toMatch(message);
      expect([await world.available(buyer), await orderCount()]).toEqual([balance, orders]);
    });

    test('unknown ids and parties are 404s; malformed path parameters are 400s', async () => {
      const balance = await world.available(buyer);
      expectError(
        await client.request('POST', '/orders', { token: buyer.token, body: orderBody({ merchantId: `u-${randomUUID()}` }) }),
        404,
        'NOT_FOUND',
      );
      // A courier is not a merchant.
      expectError(
        await client.request('POST', '/orders', { token: buyer.token, body: orderBody({ merchantId: courier.user.userId }) }),
        404,
        'NOT_FOUND',
      );
      expectError(await client.request('GET', '/orders/o-does-not-exist'), 404, 'NOT_FOUND');
      expectError(await client.request('GET', '/orders/not%20an%20id'), 400, 'INVALID_REQUEST');
      expectError(await client.request('GET', `/transactions/${'ab'.repeat(32)}`), 404, 'NOT_FOUND');
      expectError(await client.request('GET', '/transactions/xyz'), 400, 'INVALID_REQUEST');
      expectError(await client.request('POST', '/orders/o-nope/confirm', { token: buyer.token }), 404, 'NOT_FOUND');
      expectError(await client.request('GET', '/no/such/route'), 404, 'NO_SUCH_ROUTE');
      expect(await world.available(buyer)).toBe(balance);
    });

    test('more than the wallet holds is refused by the ledger and proposes nothing', async () => {
      const orders = await orderCount();
      const response = await client.request('POST', '/orders', { token: buyer.token, body: orderBody({ price: '999999999' }) });
      expectError(response, 409, 'INSUFFICIENT_FUNDS');
      expect(await orderCount()).toBe(orders);
    });

    test('a registration or funding with bad fields is refused', async () => {
      expectError(
        await client.request('POST', '/users', {
          token: world.tokens.platform,
          body: { role: 'admin', bank: 'BankAMSP', displayName: 'x' },
        }),
        400,
        'INVALID_REQUEST',
      );
      expectError(
        await client.request('POST', '/users', {
          token: world.tokens.platform,
          body: { role: 'buyer', bank: 'BankZMSP', displayName: 'x' },
        }),
        400,
        'UNKNOWN_BANK',
      );
      const balance = await world.available(buyer);
      expectError(
        await client.request('POST', `/wallets/${buyer.user.wallet}/fund`, { token: world.tokens.BankAMSP, body: { amount: '0' } }),
        400,
        'INVALID_REQUEST',
      );
      expect(await world.available(buyer)).toBe(balance);
    });
  });

  describe('authorisation: each caller acts only as itself', () => {
    test('no token, or a wrong one, is a 401', async () => {
      expectError(await client.request('GET', '/wallet'), 401, 'UNAUTHENTICATED');
      expectError(await client.request('GET', '/wallet', { token: 'sp_not-a-token' }), 401, 'UNAUTHENTICATED');
      expectError(await client.request('POST', '/orders', { body: orderBody() }), 401, 'UNAUTHENTICATED');
    });

    test('only operators register users, and a bank only its own customers', async () => {
      const body = { role: 'buyer', bank: 'BankAMSP', displayName: 'Eve' };
      expectError(await client.request('POST', '/users', { token: buyer.token, body }), 403, 'WRONG_PARTY');
      expectError(await client.request('POST', '/users', { token: world.tokens.BankBMSP, body }), 403, 'WRONG_PARTY');
      const registered = await client.request<RegisteredUser>('POST', '/users', { token: world.tokens.BankAMSP, body });
      expect(registered.status).toBe(201);
      expect(registered.body.user).toEqual(
        expect.objectContaining({ role: 'buyer', bank: 'BankAMSP', partyId: expect.stringMatching(/^p[0-9a-f]{16}$/) }),
      );
    });

    test("only the wallet's bank funds it; a user reads only its own wallet", async () => {
      const balance = await world.available(buyer);
      expectError(
        await client.request('POST', `/wallets/${buyer.user.wallet}/fund`, { token: world.tokens.BankBMSP, body: { amount: '5' } }),
        403,
        'WRONG_PARTY',
      );
      expectError(
        await client.request('POST', `/wallets/${buyer.user.wallet}/fund`, { token: buyer.token, body: { amount: '5' } }),
        403,
        'WRONG_PARTY',
      );
      expectError(
        await client.request('POST', `/wallets/${buyer.user.wallet}/fund`, { token: world.tokens.platform, body: { amount: '5' } }),
        403,
        'WRONG_PARTY',
      );
      expect(await world.available(buyer)).toBe(balance);
      const mine = await client.get<{ wallet: string }>('/wallet', otherBuyer.token);
      expect(mine.wallet).toBe(otherBuyer.user.wallet);
      expectError(await client.request('GET', '/wallet', { token: world.tokens.BankAMSP }), 403, 'WRONG_PARTY');
    });

    test('every step by the wrong party is refused, and the order is unchanged', async () => {
      const { orderId } = await client.post<ActionResult>('/orders', buyer.token, orderBody());
      const before = await client.get(`/orders/${orderId}`);
      const attempts: [string, string, Record<string, unknown>?][] = [
        [buyer.token, 'approve'],
        [courier.token, 'approve'],
        [world.tokens.BankAMSP, 'approve'],
        [otherBuyer.token, 'reject', { reason: 'not mine' }],
        [buyer.token, 'ship'],
        [merchant.token, 'deliver', { proofHash: 'a'.repeat(64) }],
        [courier.token, 'confirm'],
        [merchant.token, 'non-receipt'],
        [buyer.token, 'resolve', { winner: 'buyer', evidenceHash: 'a'.repeat(64) }],
        [buyer.token, 'challenge'],
      ];
      for (const [token, step, body] of attempts) {
        const response = await client.request('POST', `/orders/${orderId}/${step}`, { token, body: body ?? {} });
        expect([step, response.status]).toEqual([step, 403]);
      }
      // A buyer who is not this order's buyer is stopped by the contract itself.
      await client.post(`/orders/${orderId}/approve`, world.tokens.platform);
      await client.post(`/orders/${orderId}/approve`, merchant.token);
      await world.client.waitForState(orderId, 'ESCROWED');
      await client.post(`/orders/${orderId}/ship`, merchant.token);
      await client.post(`/orders/${orderId}/deliver`, courier.token, { proofHash: 'b'.repeat(64) });
      const stranger = await client.request('POST', `/orders/${orderId}/confirm`, { token: otherBuyer.token });
      expect(expectError(stranger, 403, 'WRONG_PARTY').message).toMatch(/buyer/);
      expect((await client.get<{ state: string }>(`/orders/${orderId}`)).state).toBe('DELIVERED');
      expect(before).toEqual(expect.objectContaining({ orderId, state: 'PROPOSED' }));
    });
  });

  describe('Idempotency-Key', () => {
    test('a repeat returns the first response and moves no money; another body with the same key is a 409', async () => {
      const key = `order-${randomUUID()}`;
      const balance = await world.available(buyer);
      const first = await client.request<ActionResult>('POST', '/orders', { token: buyer.token, body: orderBody(), idempotencyKey: key });
      expect(first.status).toBe(201);
      const repeat = await client.request<ActionResult>('POST', '/orders', { token: buyer.token, body: orderBody(), idempotencyKey: key });
      expect(repeat.status).toBe(201);
      expect(repeat.body).toEqual(first.body);
      expect(repeat.headers.get('idempotent-replayed')).toBe('true');
      expect(await world.available(buyer)).toBe(balance - 1_200n);
      const other = await client.request('POST', '/orders', {
        token: buyer.token,
        body: orderBody({ price: '1300' }),
        idempotencyKey: key,
      });
      expectError(other, 409, 'IDEMPOTENCY_KEY_REUSED');
      expect(await world.available(buyer)).toBe(balance - 1_200n);
    });

    test('concurrent repeats: one runs, the rest wait their turn or get the same answer', async () => {
      const key = `order-${randomUUID()}`;
      const balance = await world.available(buyer);
      const responses = await Promise.all(
        Array.from({ length: 4 }, () =>
          client.request<ActionResult>('POST', '/orders', { token: buyer.token, body: orderBody(), idempotencyKey: key }),
        ),
      );
      const created = responses.filter((r) => r.status === 201);
      expect(created.length).toBeGreaterThanOrEqual(1);
      for (const r of responses.filter((r) => r.status !== 201)) expectError(r, 409, 'REQUEST_IN_PROGRESS');
      expect(new Set(created.map((r) => r.body.orderId)).size).toBe(1);
      expect(await world.available(buyer)).toBe(balance - 1_200n);
    });

    test('a refusal is kept too; a missing or malformed key is a 400', async () => {
      const key = `confirm-${randomUUID()}`;
      const first = await client.request('POST', '/orders/o-missing/confirm', { token: buyer.token, idempotencyKey: key });
      const again = await client.request('POST', '/orders/o-missing/confirm', { token: buyer.token, idempotencyKey: key });
      expect(again.body).toEqual(first.body);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expectError(
        await client.request('POST', '/orders', { token: buyer.token, body: orderBody(), headers: { 'Idempotency-Key': 'x' } }),
        400,
        'BAD_IDEMPOTENCY_KEY',
      );
      const noKey = await fetch(`${client.baseUrl}/orders`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${buyer.token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(orderBody()),
      });
      expect(noKey.status).toBe(400);
      expect(((await noKey.json()) as ErrorBody).error.code).toBe('IDEMPOTENCY_KEY_REQUIRED');
    });

    test('keys are per caller: the same key from two users is two requests', async () => {
      const key = `shared-${randomUUID()}`;
      const a = await client.request<{ wallet: string }>('POST', `/wallets/${buyer.user.wallet}/fund`, {
        token: world.tokens.BankAMSP,
        body: { amount: '7' },
        idempotencyKey: key,
      });
      const b = await client.request<{ wallet: string }>('POST', `/wallets/${courier.user.wallet}/fund`, {
        token: world.tokens.BankBMSP,
        body: { amount: '7' },
        idempotencyKey: key,
      });
      expect([a.status, b.status]).toEqual([200, 200]);
      expect(b.headers.get('idempotent-replayed')).toBeNull();
    });
  });

  describe('rate limits and address lists', () => {
    test('past the limit a client gets 429s, with the standard headers', async () => {
      const limited = new SecurePayClient((await world.startApi({ API_RATE_LIMIT: '5', API_RATE_WINDOW_MS: '60000' })).url);
      const statuses: number[] = [];
      for (let i = 0; i < 7; i++) statuses.push((await limited.request('GET', '/orders/o-x')).status);
      expect(statuses.slice(0, 5)).toEqual([404, 404, 404, 404, 404]);
      expect(statuses.slice(5)).toEqual([429, 429]);
      const response = await limited.request('GET', '/orders/o-x');
      expectError(response, 429, 'RATE_LIMITED');
      expect(response.headers.get('ratelimit-policy') ?? response.headers.get('ratelimit')).toBeTruthy();
      // Operators' probes are not rate limited.
      expect((await limited.request('GET', '/health')).status).toBe(200);
    });

    test('a denied address is refused; an allow list lets only its own in', async () => {
      const denied = new SecurePayClient((await world.startApi({ API_DENY_IPS: '127.0.0.0/8' })).url);
      expectError(await denied.request('GET', '/orders'), 403, 'ADDRESS_REFUSED');
      const allowOthers = new SecurePayClient((await world.startApi({ API_ALLOW_IPS: '10.0.0.0/8' })).url);
      expectError(await allowOthers.request('GET', '/orders'), 403, 'ADDRESS_REFUSED');
      const allowLocal = new SecurePayClient((await world.startApi({ API_ALLOW_IPS: '127.0.0.1,::1' })).url);
      expect((await allowLocal.request('GET', '/orders')).status).toBe(200);
    });
  });

  describe('custodial keystore', () => {
    test('private keys and wallet secrets are stored only as AES-GCM ciphertext', async () => {
      const { rows } = await world.db.owner.query<Record<string, unknown>>('select * from platform.users where user_id = $1', [
        buyer.user.userId,
      ]);
      const stored = JSON.stringify(rows[0]);
      expect(stored).not.toContain('PRIVATE KEY');
      expect(rows[0]!.sealed_key).toEqual({ v: 1, iv: expect.any(String), tag: expect.any(String), data: expect.any(String) });
      expect(stored).not.toContain(buyer.token);
      // The whole schema, dumped as text, holds no private key.
      const dump = await world.db.owner.query<{ t: string }>(
        `select string_agg(t::text, ' ') as t from (select row_to_json(u) t from platform.users u) x`,
      );
      expect(dump.rows[0]!.t).not.toMatch(/BEGIN (EC )?PRIVATE KEY/);
    });

    test('responses, including registration, carry no key; the API only signs with it', async () => {
      const registered = await client.request('POST', '/users', {
        token: world.tokens.platform,
        body: { role: 'courier', bank: 'BankBMSP', displayName: 'Fay' },
      });
      const text = JSON.stringify(registered.body);
      expect(text).not.toMatch(/PRIVATE KEY|BEGIN CERTIFICATE/);
      expect(JSON.stringify(await client.get('/users/me', buyer.token))).not.toMatch(/PRIVATE KEY/);
    });

    test('the keystore refuses to open with another master secret', async () => {
      // The platform's own login: the keystore's table is the platform's alone.
      const pool = loginPool(world.db.login(world.db.party('platform')), { max: 1 });
      try {
        await expect(Keystore.open(pool, randomBytes(32).toString('hex'))).rejects.toThrow(/not the one this keystore was created with/);
        await expect(Keystore.open(pool, world.keystoreSecret)).resolves.toBeInstanceOf(Keystore);
      } finally {
        await pool.end();
      }
    });

    test("a sealed key moved to another user's row does not open: the user's steps fail closed", async () => {
      const victim = await world.register('buyer', 'BankAMSP');
      await world.db.owner.query(
        'update platform.users set sealed_key = (select sealed_key from platform.users where user_id = $1) where user_id = $2',
        [buyer.user.userId, victim.user.userId],
      );
      const response = await client.request('POST', '/orders', { token: victim.token, body: orderBody({ price: '1' }) });
      expect(response.status).toBe(500);
      expect(JSON.stringify(response.body)).not.toMatch(/PRIVATE|aes|decipher|\.ts/i);
    });
  });

  describe('operations', () => {
    test('/health checks Fabric, PostgreSQL and Redis; /metrics is Prometheus text; /openapi.json describes every route', async () => {
      const health = await client.request<{ status: string; checks: Record<string, { ok: boolean }> }>('GET', '/health');
      expect(health.status).toBe(200);
      expect(health.body.status).toBe('ok');
      expect(Object.keys(health.body.checks).sort()).toEqual(['fabric', 'postgres', 'redis']);
      const metrics = await client.request<string>('GET', '/metrics');
      expect(metrics.body).toMatch(/securepay_api_requests_total\{method="POST",route="\/orders",status="201"\} \d+/);
      const doc = await client.get<{ openapi: string; paths: Record<string, Record<string, unknown>> }>('/openapi.json');
      expect(doc.openapi).toBe('3.1.0');
      for (const path of [
        '/users',
        '/wallet',
        '/orders',
        '/orders/{orderId}',
        '/orders/{orderId}/confirm',
        '/orders/{orderId}/deposit',
        '/transactions/{txId}',
      ]) {
        expect(doc.paths).toHaveProperty([path]);
      }
      expect(JSON.stringify(doc.paths['/orders']!.post)).toContain('"price"');
    });

    test('security headers are set', async () => {
      const response = await client.request('GET', '/orders');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('content-security-policy')).toContain("default-src 'self'");
      expect(response.headers.get('x-powered-by')).toBeNull();
    });
  });
});
