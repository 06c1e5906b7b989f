import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import type { Layout } from './layout';
import { run } from './run';

/** An org that is not on the channel: its identities must be refused by every peer. */
export const outsiderOrg = { name: 'Outsider', mspId: 'OutsiderMSP', domain: 'outsider.securepay.local' };

const sans = (host: string): string[] => [...new Set(['localhost', '127.0.0.1', host])];

/**
 * Node and admin identities for every org, from cryptogen. End users are not made here: they are
 * enrolled at run time from the org's Fabric CA, which runs on the CA key cryptogen makes.
 */
export async function generateCrypto(layout: Layout, cryptogen: string): Promise<void> {
  if (existsSync(layout.ordererOrgDir())) return;
  const { network } = layout;
  const spec = {
    OrdererOrgs: [
      {
        Name: network.ordererOrg.name,
        Domain: network.ordererOrg.domain,
        EnableNodeOUs: true,
        // Every orderer of every profile, so switching profile needs no new identities.
        Specs: network.orderers.map((o) => ({ Hostname: o.name, SANS: sans(o.host) })),
      },
    ],
    PeerOrgs: [
      ...network.orgs.map((org) => ({
        Name: org.name,
        Domain: org.domain,
        EnableNodeOUs: true,
        Specs: [
          { Hostname: 'peer0', SANS: sans(org.peer.host) },
          { Hostname: 'chaincode', SANS: sans(org.chaincodeServer.host) },
        ],
        Users: { Count: 0 },
      })),
      { Name: outsiderOrg.name, Domain: outsiderOrg.domain, EnableNodeOUs: true, Users: { Count: 1 } },
    ],
  };
  mkdirSync(layout.configDir, { recursive: true });
  const file = path.join(layout.configDir, 'crypto-config.yaml');
  writeFileSync(file, stringify(spec));
  await run(cryptogen, ['generate', `--config=${file}`, `--output=${layout.cryptoDir}`]);
}
