import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { createSupervisionApp, type SupervisionReads } from './app';
import { ChainMismatch } from './supervision-error';

/**
 * The HTTP side alone: who may open the API, what a bad query gets, what is served. The reports are
 * a stand-in that records what it was asked (the real ones run in supervisor.test.ts).
 */
const token = randomBytes(24).toString('base64url');
const asked: unknown[][] = [];
let fail: Error | undefined;
const report =
  (name: string) =>
  async (...args: unknown[]) => {
    asked.push([name, ...args]);
    if (fail) throw fail;
    return { report: name };
  };
const reads = {
  supply: report('supply'),
  exposure: report('exposure'),
  aging: report('aging'),
  reconciliation: async () => {
    asked.push(['reconciliation']);
    const finding = (i: number) => ({ orderId: `o-${i}`, kind: 'STATE_MISMATCH' });
    return { verdict: '3 discrepancies over 3 orders', discrepancies: [finding(1), finding(2), finding(3)], awaiting: [finding(4)] };
  },
  summary: report('summary'),
} as unknown as SupervisionReads;

let servers: Server[] = [];
async function serve(allowIps: string[] = []): Promise<string> {
  const app = createSupervisionApp({ supervisor: reads, token, allowIps, log: pino({ level: 'silent' }) });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
afterEach(async () => {
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  servers = [];
  asked.length = 0;
  fail = undefined;
});

const call = async (url: string, headers: Record<string, string> = {}) => {
  const response = await fetch(url, { headers });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text.startsWith('{') ? (JSON.parse(text) as Record<string, unknown>) : text,
  };
};
const bearer = (t: string) => ({ Authorization: `Bearer ${t}` });
const routes = [
  '/supervision/supply',
  '/supervision/exposure',
  '/supervision/aging',
  '/supervision/reconciliation',
  '/supervision/summary',
];

describe("the central bank's operator only", () => {
  it.each(routes)('%s: no token is 401, another token or another scheme 401/403, and no report is made', async (route) => {
    const url = await serve();
    const none = await call(`${url}${route}`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(none.body).toEqual({ error: { code: 'UNAUTHENTICATED', message: expect.any(String) } });
    expect((await call(`${url}${route}`, { Authorization: `Basic ${Buffer.from(`x:${token}`).toString('base64')}` })).status).toBe(401);
    for (const other of [randomBytes(24).toString('base64url'), token.slice(0, -1), `${token}x`, 'x']) {
      const wrong = await call(`${url}${route}`, bearer(other));
      expect(wrong.status).toBe(403);
      expect(wrong.body).toMatchObject({ error: { code: 'FORBIDDEN' } });
    }
    expect(asked).toEqual([]);
    const right = await call(`${url}${route}`, bearer(token));
    expect(right.status).toBe(200);
    expect(right.headers.get('cache-control')).toBe('no-store');
    expect(asked).toHaveLength(1);
  });

  it('refuses an address outside the allow list, token or not', async () => {
    const url = await serve(['10.9.8.7']);
    expect((await call(`${url}/supervision/summary`, bearer(token))).body).toMatchObject({ error: { code: 'ADDRESS_REFUSED' } });
    expect((await call(`${url}/supervision/summary`, bearer(token))).status).toBe(403);
    expect(asked).toEqual([]);
    const allowed = await serve(['127.0.0.1']);
    expect((await call(`${allowed}/supervision/summary`, bearer(token))).status).toBe(200);
  });
});

describe('queries', () => {
  it('aging takes increasing bands and a limit; anything else is a 400 that asks for no report', async () => {
    const url = await serve();
    expect((await call(`${url}/supervision/aging?bands=30,300&limit=5`, bearer(token))).status).toBe(200);
    expect(asked).toEqual([['aging', [30, 300], 5]]);
    asked.length = 0;
    for (const query of ['bands=300,30', 'bands=0,60', 'bands=a', 'limit=-1', 'limit=1001', 'limit=1&limit=2', 'colour=red']) {
      const bad = await call(`${url}/supervision/aging?${query}`, bearer(token));
      expect([query, bad.status]).toEqual([query, 400]);
      expect(bad.body).toMatchObject({ error: { code: 'INVALID_REQUEST', message: expect.stringMatching(/^query/) } });
    }
    expect((await call(`${url}/supervision/supply?x=1`, bearer(token))).body).toMatchObject({
      error: { code: 'INVALID_REQUEST', message: expect.stringContaining('unknown parameter(s) x') },
    });
    expect(asked).toEqual([]);
  });

  it('reconciliation lists up to `limit` findings and counts them all', async () => {
    const url = await serve();
    const { body } = await call(`${url}/supervision/reconciliation?limit=2`, bearer(token));
    expect(body).toMatchObject({
      verdict: '3 discrepancies over 3 orders',
      counts: { discrepancies: 3, awaiting: 1 },
      discrepancies: [{ orderId: 'o-1' }, { orderId: 'o-2' }],
      awaiting: [{ orderId: 'o-4' }],
    });
  });
});

describe('failures and the page', () => {
  it('another chain on the peer is a 503 that says so; any other failure a 500 with a reference, not its message', async () => {
    const url = await serve();
    fail = new ChainMismatch('block 7 on the peer is not the one the chain view read');
    expect(await call(`${url}/supervision/supply`, bearer(token))).toMatchObject({
      status: 503,
      body: { error: { code: 'CHAIN_MISMATCH' } },
    });
    fail = new Error('connection to 10.0.0.1:5432 refused, password=hunter2');
    const internal = await call(`${url}/supervision/supply`, bearer(token));
    expect(internal.status).toBe(500);
    expect(JSON.stringify(internal.body)).not.toContain('hunter2');
    expect(internal.body).toMatchObject({ error: { code: 'INTERNAL', message: expect.stringContaining('reference') } });
  });

  it('serves the page and its script without a token, with a content policy that admits no inline script; health says ok', async () => {
    const url = await serve();
    const page = await call(`${url}/`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('<script src="supervision.js" defer></script>');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const script = await call(`${url}/supervision.js`);
    expect(script.body).toContain('textContent');
    expect(script.body).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
    expect((await call(`${url}/health`)).body).toEqual({ status: 'ok' });
    expect((await call(`${url}/nothing-here`, bearer(token))).status).toBe(404);
  });
});
