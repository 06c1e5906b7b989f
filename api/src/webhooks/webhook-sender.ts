import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { isInternalAddress, refuseInternalHost, WebhookUrlRefused } from './webhook-url';

/** What one POST came to: a 2xx, or why not (a status, a timeout, a broken connection, a refused address). */
export type SendOutcome = { delivered: true; statusCode: number } | { delivered: false; statusCode: number | null; error: string };

export interface SendOptions {
  timeoutMs: number;
  /** `API_WEBHOOK_ALLOW_PRIVATE`: whether loopback, private and reserved addresses may be reached. */
  allowInternal: boolean;
}

/** The whole attempt took longer than the timeout (connecting, sending, waiting for the status). */
class DeliveryTimedOut extends Error {
  constructor(readonly ms: number) {
    super(`timed out after ${ms} ms`);
    this.name = 'DeliveryTimedOut';
  }
}

/**
 * Resolves a host name as Node would, refusing it when any address it has is internal: the check is
 * on the addresses the connection will use, at the moment it is made, so a name that resolved to a
 * public address at subscription time cannot be turned inward later.
 */
const publicOnlyLookup: LookupFunction = (hostname, options: LookupOptions, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
    if (error) return callback(error, '', 0);
    const internal = addresses.find((a) => isInternalAddress(a.address));
    if (internal || addresses.length === 0) {
      return callback(
        new WebhookUrlRefused('PRIVATE_ADDRESS', `${hostname} resolves to ${internal?.address ?? 'nothing'}, an internal address`),
        '',
        0,
      );
    }
    if (options.all) return callback(null, addresses);
    callback(null, addresses[0]!.address, addresses[0]!.family);
  });
};

/** A short, secret-free account of a failed attempt, for the delivery log. */
function describe(error: unknown): string {
  if (error instanceof DeliveryTimedOut) return error.message;
  if (error instanceof WebhookUrlRefused) return `refused: ${error.message}`;
  const code = (error as NodeJS.ErrnoException).code;
  return code ? `connection failed (${code})` : `connection failed (${(error as Error).message})`;
}

/**
 * POSTs one delivery and reports how it went; never throws. Redirects are not followed (a 3xx is a
 * failure: the subscriber should register the final URL); the response body is read and dropped.
 * One connection per attempt, so a receiver that hangs or breaks one affects nothing else.
 */
export function postWebhook(url: URL, body: string, headers: Record<string, string>, options: SendOptions): Promise<SendOutcome> {
  try {
    if (!options.allowInternal) refuseInternalHost(url);
  } catch (error) {
    return Promise.resolve({ delivered: false, statusCode: null, error: describe(error) });
  }
  return new Promise<SendOutcome>((resolve) => {
    let settled = false;
    const settle = (outcome: SendOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(outcome);
    };
    const transport = url.protocol === 'https:' ? https : http;
    const request = transport.request(url, {
      method: 'POST',
      agent: false,
      headers: {
        'Content-Type': 'application/json',
        'Content-Length': String(Buffer.byteLength(body)),
        'User-Agent': 'SecurePay-Webhooks/1',
        ...headers,
      },
      ...(options.allowInternal ? {} : { lookup: publicOnlyLookup }),
    });
    const timer = setTimeout(() => request.destroy(new DeliveryTimedOut(options.timeoutMs)), options.timeoutMs);
    request.on('response', (response) => {
      response.resume();
      response.on('error', () => undefined);
      const statusCode = response.statusCode ?? 0;
      if (statusCode >= 200 && statusCode < 300) settle({ delivered: true, statusCode });
      else {
        const redirect = statusCode >= 300 && statusCode < 400 ? ' (redirects are not followed)' : '';
        settle({ delivered: false, statusCode, error: `HTTP ${statusCode}${redirect}` });
      }
    });
    request.on('error', (error) => settle({ delivered: false, statusCode: null, error: describe(error) }));
    request.end(body);
  });
}
