import { WebhookReceiver, type ReceiverAnswer } from '@securepay/client';
import { postWebhook } from './webhook-sender';

/** The sender against a real receiver on a loopback port, answering each path as named. */
let receiver: WebhookReceiver;
beforeAll(async () => {
  receiver = await WebhookReceiver.start({
    answer: (d) => {
      const answer = d.path.slice(1);
      return (/^[0-9]+$/.test(answer) ? Number(answer) : answer) as ReceiverAnswer;
    },
  });
});
afterAll(() => receiver.close());

const send = (path: string, allowInternal = true) =>
  postWebhook(
    new URL(`${receiver.url}${path}`),
    '{"id":"evt_x"}',
    { 'SecurePay-Signature': 't=1,v1=00' },
    { timeoutMs: 300, allowInternal },
  );

describe('posting a delivery', () => {
  it('counts a 2xx as delivered, and sends the body and headers as given', async () => {
    expect(await send('/204')).toEqual({ delivered: true, statusCode: 204 });
    const got = receiver.received[receiver.received.length - 1]!;
    expect(got.rawBody.toString()).toBe('{"id":"evt_x"}');
    expect(got.headers).toMatchObject({ 'content-type': 'application/json', 'securepay-signature': 't=1,v1=00' });
  });

  it.each([
    ['/500', { delivered: false, statusCode: 500, error: 'HTTP 500' }],
    ['/410', { delivered: false, statusCode: 410, error: 'HTTP 410' }],
    ['/302', { delivered: false, statusCode: 302, error: 'HTTP 302 (redirects are not followed)' }],
    ['/hang', { delivered: false, statusCode: null, error: 'timed out after 300 ms' }],
    ['/close', { delivered: false, statusCode: null, error: expect.stringMatching(/^connection failed/) }],
  ])('%s is a failure that says why', async (path, outcome) => {
    expect(await send(path)).toEqual(outcome);
  });

  it('refuses a loopback receiver where only public hosts are allowed, without connecting', async () => {
    const before = receiver.received.length;
    const outcome = await send('/200', false);
    expect(outcome).toMatchObject({ delivered: false, statusCode: null, error: expect.stringMatching(/^refused: .*loopback/) });
    expect(receiver.received.length).toBe(before);
  });

  it('refuses a connection refused, quickly', async () => {
    const outcome = await postWebhook(new URL('http://127.0.0.1:9/hook'), '{}', {}, { timeoutMs: 2_000, allowInternal: true });
    expect(outcome).toEqual({ delivered: false, statusCode: null, error: 'connection failed (ECONNREFUSED)' });
  });
});
