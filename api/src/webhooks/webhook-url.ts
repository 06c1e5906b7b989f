import { BlockList, isIP } from 'node:net';

/** Why a URL is no place to deliver to. */
export class WebhookUrlRefused extends Error {
  constructor(
    readonly code: 'BAD_WEBHOOK_URL' | 'PRIVATE_ADDRESS',
    message: string,
  ) {
    super(message);
    this.name = 'WebhookUrlRefused';
  }
}

/**
 * Addresses a webhook must not reach unless the operator allows it (`API_WEBHOOK_ALLOW_PRIVATE`):
 * loopback, private, shared, link-local (cloud metadata lives there), unspecified, benchmarking,
 * multicast and reserved ranges — anything that is not a public host. Otherwise a subscriber could make
 * the API probe the platform's own network.
 */
const internal = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  internal.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const)
  internal.addSubnet(network, prefix, 'ipv6');

/** Whether an IP address (v4 or v6, an IPv4-mapped v6 judged as its v4) is internal. */
export function isInternalAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped) return isInternalAddress(mapped);
  const family = isIP(address);
  if (family === 0) return true;
  return internal.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** The host as an address, without IPv6's brackets; undefined for a name. */
export function literalAddress(url: URL): string | undefined {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return isIP(host) ? host : undefined;
}

const maxUrlLength = 2048;

/**
 * A subscription's URL, checked when it is created: absolute http or https, no user name or password
 * (they would sit in the database in plain text), no fragment, at most 2048 characters; with
 * `allowInternal` off, no IP literal or `localhost` name of an internal address. A name is resolved
 * and its addresses checked again at every delivery (`webhook-sender.ts`), so a DNS answer that
 * changes later cannot point it inside.
 */
export function checkWebhookUrl(text: string, allowInternal: boolean): URL {
  if (text.length > maxUrlLength) throw new WebhookUrlRefused('BAD_WEBHOOK_URL', `a webhook URL is at most ${maxUrlLength} characters`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new WebhookUrlRefused('BAD_WEBHOOK_URL', 'not an absolute URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new WebhookUrlRefused('BAD_WEBHOOK_URL', 'a webhook URL is http or https');
  if (url.username || url.password) throw new WebhookUrlRefused('BAD_WEBHOOK_URL', 'a webhook URL carries no user name or password');
  if (url.hash) throw new WebhookUrlRefused('BAD_WEBHOOK_URL', 'a webhook URL has no #fragment');
  if (!url.hostname) throw new WebhookUrlRefused('BAD_WEBHOOK_URL', 'a webhook URL names a host');
  if (!allowInternal) refuseInternalHost(url);
  return url;
}

/** Refuses an IP literal of an internal address, and `localhost` names. */
export function refuseInternalHost(url: URL): void {
  const address = literalAddress(url);
  const host = url.hostname.toLowerCase().replace(/\.$/, '');
  if ((address && isInternalAddress(address)) || host === 'localhost' || host.endsWith('.localhost')) {
    throw new WebhookUrlRefused(
      'PRIVATE_ADDRESS',
      `${url.hostname} is a loopback, private or reserved address; this API delivers webhooks to public hosts only`,
    );
  }
}
