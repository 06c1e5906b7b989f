import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { endpoint } from './config';
import type { Layout } from './layout';
import { run } from './run';

const signature = (rule: string) => ({ Type: 'Signature', Rule: rule });
const implicit = (rule: string) => ({ Type: 'ImplicitMeta', Rule: rule });

/**
 * The channel's genesis block. There is no system channel: the block is handed straight to each
 * orderer (osnadmin) and each peer (peer channel join).
 */
export async function createGenesisBlock(layout: Layout, configtxgen: string): Promise<void> {
  if (existsSync(layout.genesisBlock)) return;
  const { network } = layout;
  const ordererMsp = network.ordererOrg.mspId;
  const ordererOrg = {
    Name: ordererMsp,
    ID: ordererMsp,
    MSPDir: path.join(layout.ordererOrgDir(), 'msp'),
    Policies: {
      Readers: signature(`OR('${ordererMsp}.member')`),
      Writers: signature(`OR('${ordererMsp}.member')`),
      Admins: signature(`OR('${ordererMsp}.admin')`),
    },
    OrdererEndpoints: network.activeOrderers.map(endpoint),
  };
  const peerOrgs = network.orgs.map((org) => ({
    Name: org.mspId,
    ID: org.mspId,
    MSPDir: path.join(layout.orgDir(org), 'msp'),
    Policies: {
      Readers: signature(`OR('${org.mspId}.admin', '${org.mspId}.peer', '${org.mspId}.client')`),
      Writers: signature(`OR('${org.mspId}.admin', '${org.mspId}.client')`),
      Admins: signature(`OR('${org.mspId}.admin')`),
      Endorsement: signature(`OR('${org.mspId}.peer')`),
    },
    AnchorPeers: [{ Host: org.peer.host, Port: org.peer.port }],
  }));
  const channelPolicies = { Readers: implicit('ANY Readers'), Writers: implicit('ANY Writers'), Admins: implicit('MAJORITY Admins') };
  const profile = {
    Policies: channelPolicies,
    Capabilities: { V3_0: true },
    Orderer: {
      OrdererType: 'etcdraft',
      BatchTimeout: network.batch.batchTimeout,
      BatchSize: {
        MaxMessageCount: network.batch.maxMessageCount,
        AbsoluteMaxBytes: network.batch.absoluteMaxBytes,
        PreferredMaxBytes: network.batch.preferredMaxBytes,
      },
      EtcdRaft: {
        Consenters: network.activeOrderers.map((node) => ({
          Host: node.host,
          Port: node.port,
          ClientTLSCert: path.join(layout.ordererDir(node), 'tls', 'server.crt'),
          ServerTLSCert: path.join(layout.ordererDir(node), 'tls', 'server.crt'),
        })),
      },
      Organizations: [ordererOrg],
      Policies: { ...channelPolicies, BlockValidation: implicit('ANY Writers') },
      Capabilities: { V2_0: true },
    },
    Application: {
      Organizations: peerOrgs,
      Policies: {
        ...channelPolicies,
        LifecycleEndorsement: implicit('MAJORITY Endorsement'),
        Endorsement: implicit('MAJORITY Endorsement'),
      },
      Capabilities: { V2_5: true },
    },
  };
  const configDir = path.join(layout.configDir, 'configtx');
  mkdirSync(configDir, { recursive: true });
  mkdirSync(path.dirname(layout.genesisBlock), { recursive: true });
  writeFileSync(path.join(configDir, 'configtx.yaml'), stringify({ Profiles: { SecurePay: profile } }));
  await run(configtxgen, [
    '-configPath',
    configDir,
    '-profile',
    'SecurePay',
    '-channelID',
    network.channel,
    '-outputBlock',
    layout.genesisBlock,
  ]);
}
