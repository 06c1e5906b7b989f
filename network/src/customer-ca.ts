import { readFileSync } from 'node:fs';
import { readConnection } from './connection';
import { connectGateway } from './gateway-client';
import { orgAdmin } from './identity';
import type { Layout } from './layout';
import { retry } from './retry';

/**
 * Each bank's admin registers on-chain the CA that enrolls its customers (its org's CA), so the
 * contract can check the certificate of every user whose signed intent the platform carries
 * (`SubmitIntents`). Idempotent: a bank whose registered CA is already this one does nothing.
 */
export async function registerCustomerCas(layout: Layout): Promise<void> {
  for (const org of layout.network.orgs.filter((o) => o.kind === 'bank')) {
    const connection = readConnection(layout, org.mspId);
    const caPem = readFileSync(layout.orgCaCert(org), 'utf8');
    const admin = connectGateway(connection, orgAdmin(connection));
    try {
      const contract = admin.gateway.getNetwork(connection.channel).getContract(connection.chaincode, 'escrow');
      const current = await contract
        .evaluateTransaction('GetCustomerCa', org.mspId)
        .then((bytes) => Buffer.from(bytes).toString('utf8'))
        .catch(() => undefined);
      if (current === caPem) continue;
      // Discovery may not know every org's peer for a moment after the network comes up.
      await retry(`registering ${org.mspId}'s customer CA`, () => contract.submitTransaction('RegisterCustomerCa', caPem), 10, 2_000);
    } finally {
      admin.close();
    }
  }
}
