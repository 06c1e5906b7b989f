import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import type { OrdererNode, PeerOrg } from './config';
import type { Layout } from './layout';
import { run } from './run';

/** An org that is not on the channel: its identities must be refused by every peer. */
export const outsiderOrg = { name: 'Outsider', mspId: 'OutsiderMSP', domain: 'outsider.securepay.local' };

const sans = (host: string): string[] => [...new Set(['localhost', '127.0.0.1', host])];

/**
 * Node and admin identities, from cryptogen, one org at a time into that org's own folder, so no
 * org's keys are ever written where another org's processes could read them. End users are not made
 * here: they are enrolled at run time from the org's Fabric CA, which runs on the CA key cryptogen
 * makes. Orderer nodes a member org runs (BFT) get their identities from that org's own CAs.
 */
export async function generateCrypto(layout: Layout, cryptogen: string): Promise<void> {
  const { network } = layout;
  mkdirSync(layout.configDir, { recursive: true });
  for (const org of layout.owners) {
    if (existsSync(layout.orgDir(org))) continue;
    const spec = org.mspId === network.ordererOrg.mspId ? ordererOrgSpec(layout) : { PeerOrgs: [peerOrgSpec(org as PeerOrg)] };
    await cryptogenInto(layout, cryptogen, `crypto-${org.name}`, spec, path.join(layout.orgHome(org), 'crypto'));
  }
  for (const node of network.activeOrderers) {
    const owner = network.orgs.find((o) => o.name === node.org);
    if (owner && !existsSync(layout.ordererDir(node))) await issueMemberOrderer(layout, cryptogen, owner, node);
  }
  if (!existsSync(layout.outsiderOrgDir(outsiderOrg.domain))) {
    const spec = { PeerOrgs: [{ Name: outsiderOrg.name, Domain: outsiderOrg.domain, EnableNodeOUs: true, Users: { Count: 1 } }] };
    await cryptogenInto(layout, cryptogen, 'crypto-outsider', spec, layout.outsiderCryptoDir);
  }
}

function ordererOrgSpec(layout: Layout): object {
  const { network } = layout;
  const nodes = network.orderers.filter((o) => o.org === network.ordererOrg.name);
  return {
    OrdererOrgs: [
      {
        Name: network.ordererOrg.name,
        Domain: network.ordererOrg.domain,
        EnableNodeOUs: true,
        // Every Raft orderer of every profile, so switching profile needs no new identities.
        Specs: nodes.map((o) => ({ Hostname: o.name, SANS: sans(o.host) })),
      },
    ],
  };
}

function peerOrgSpec(org: PeerOrg): object {
  const specs = [{ Hostname: 'peer0', SANS: sans(org.peer.host) }];
  if (org.chaincodeServer) specs.push({ Hostname: 'chaincode', SANS: sans(org.chaincodeServer.host) });
  return { Name: org.name, Domain: org.domain, EnableNodeOUs: true, Specs: specs, Users: { Count: 0 } };
}

async function cryptogenInto(layout: Layout, cryptogen: string, name: string, spec: object, output: string): Promise<void> {
  const file = path.join(layout.configDir, `${name}.yaml`);
  writeFileSync(file, stringify(spec));
  await run(cryptogen, ['generate', `--config=${file}`, `--output=${output}`]);
}

/**
 * A member org's orderer node, with an identity (NodeOU `orderer`) issued by the org's own CA and a
 * TLS certificate from the org's own TLS CA. cryptogen issues orderer identities only for orderer
 * orgs, and `cryptogen extend` issues them from an existing org's CA keys: so it is shown this org's
 * two CAs as an orderer org's in a scratch folder, and the node it issues is moved into the org.
 */
async function issueMemberOrderer(layout: Layout, cryptogen: string, org: PeerOrg, node: OrdererNode): Promise<void> {
  const scratch = mkdtempSync(path.join(layout.orgHome(org), 'issue-'));
  try {
    const asOrdererOrg = path.join(scratch, 'ordererOrganizations', org.domain);
    for (const ca of ['ca', 'tlsca']) {
      const from = path.join(layout.orgDir(org), ca);
      mkdirSync(path.join(asOrdererOrg, ca), { recursive: true });
      for (const file of readdirSync(from)) copyFileSync(path.join(from, file), path.join(asOrdererOrg, ca, file));
    }
    const spec = {
      OrdererOrgs: [{ Name: org.name, Domain: org.domain, EnableNodeOUs: true, Specs: [{ Hostname: node.name, SANS: sans(node.host) }] }],
    };
    const file = path.join(layout.configDir, `crypto-${node.name}.yaml`);
    writeFileSync(file, stringify(spec));
    await run(cryptogen, ['extend', `--config=${file}`, `--input=${scratch}`]);
    mkdirSync(path.dirname(layout.ordererDir(node)), { recursive: true });
    renameSync(path.join(asOrdererOrg, 'orderers', `${node.name}.${org.domain}`), layout.ordererDir(node));
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
