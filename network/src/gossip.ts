import http from 'node:http';
import { sleep } from './processes';
import type { Layout } from './layout';

function peersKnown(host: string, port: number, channel: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get(`http://${host}:${port}/metrics`, { timeout: 2_000 }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => {
        const line = body.split('\n').find((l) => l.startsWith(`gossip_membership_total_peers_known{channel="${channel}"}`));
        resolve(line ? Number(line.split(' ').pop()) : 0);
      });
    });
    req.on('error', () => resolve(0));
    req.on('timeout', () => req.destroy());
  });
}

/**
 * Waits until every peer knows every other org's peer through gossip. Until then discovery cannot
 * find endorsers for a policy naming all three orgs (an order's state-based endorsement), and the
 * gateway answers "no combination of peers can be derived".
 */
export async function waitForGossip(layout: Layout, timeoutMs = 90_000): Promise<void> {
  const { orgs, channel } = layout.network;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const known = await Promise.all(orgs.map((org) => peersKnown(org.peer.host, org.peer.operationsPort, channel)));
    if (known.every((n) => n >= orgs.length - 1)) return;
    if (Date.now() > deadline)
      throw new Error(`peers still see only ${known.join('/')} other peers after ${timeoutMs / 1000}s; see their logs in ${layout.logDir}`);
    await sleep(500);
  }
}
