import path from 'node:path';
import { chainHeight, connectGateway, orgAdmin, readConnection } from '@securepay/network';
import { networkLayout } from './e2e/fixtures';
import { sleep } from './e2e/escrow-driver';

/**
 * After every end-to-end test file: every org's peer — the central bank's included, which endorses
 * nothing and only follows the chain — holds the same number of blocks. Peers may trail the last
 * commit by a moment, so the check waits for them to agree before it fails.
 */
afterAll(async () => {
  if (!expect.getState().testPath?.startsWith(`${__dirname}${path.sep}`)) return;
  const layout = networkLayout();
  const connections = layout.network.orgs.map((org) =>
    connectGateway(readConnection(layout, org.mspId), orgAdmin(readConnection(layout, org.mspId))),
  );
  try {
    const networks = connections.map((c) => c.gateway.getNetwork(layout.network.channel));
    const deadline = Date.now() + 30_000;
    let heights: bigint[] = [];
    for (;;) {
      heights = await Promise.all(networks.map((n) => chainHeight(n)));
      if (heights.every((h) => h === heights[0])) return;
      if (Date.now() > deadline) break;
      await sleep(200);
    }
    const byOrg = layout.network.orgs.map((org, i) => `${org.mspId} ${heights[i]}`).join(', ');
    throw new Error(`the peers disagree on the chain's height after 30 s: ${byOrg}`);
  } finally {
    connections.forEach((c) => c.close());
  }
});
