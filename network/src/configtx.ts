import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { endpoint, type NetworkConfig, type OrdererNode } from './config';
import type { Layout, OrgRef } from './layout';
import { run } from './run';

const signature = (rule: string) => ({ Type: 'Signature', Rule: rule });
const implicit = (rule: string) => ({ Type: 'ImplicitMeta', Rule: rule });

/**
 * The channel's genesis block. There is no system channel: the block is handed straight to each
 * orderer (osnadmin) and each peer (peer channel join).
 *
 * Policies, with the central bank a member: channel, application and orderer `Admins` are MAJORITY of
 * the orgs' admins (3 of 4), `LifecycleEndorsement` is MAJORITY of the orgs' peers (3 of 4), so the
 * platform and both banks can change the chaincode definition without the central bank and no two
 * of them can. Who endorses an order is not a channel policy: the chaincode's own policy names the
 * platform and the banks (network.yaml), and each order key requires its three orgs.
 */
export async function createGenesisBlock(layout: Layout, configtxgen: string): Promise<void> {
  if (existsSync(layout.genesisBlock)) return;
  const { network } = layout;
  const runsOrderer = (org: OrgRef): OrdererNode[] =>
    network.activeOrderers.filter((node) => layout.ordererOwner(node).mspId === org.mspId);
  const orgDefinition = (org: OrgRef, withEndorsement: boolean) => {
    const orderer = runsOrderer(org).length > 0 ? [`'${org.mspId}.orderer'`] : [];
    return {
      Name: org.mspId,
      ID: org.mspId,
      MSPDir: path.join(layout.orgDir(org), 'msp'),
      Policies: {
        Readers: signature(`OR(${[`'${org.mspId}.admin'`, `'${org.mspId}.peer'`, `'${org.mspId}.client'`, ...orderer].join(', ')})`),
        Writers: signature(`OR(${[`'${org.mspId}.admin'`, `'${org.mspId}.client'`, ...orderer].join(', ')})`),
        Admins: signature(`OR('${org.mspId}.admin')`),
        ...(withEndorsement ? { Endorsement: signature(`OR('${org.mspId}.peer')`) } : {}),
      },
    };
  };
  const orderingOrgs = layout.owners.filter((org) => runsOrderer(org).length > 0);
  const channelPolicies = { Readers: implicit('ANY Readers'), Writers: implicit('ANY Writers'), Admins: implicit('MAJORITY Admins') };
  const profile = {
    Policies: channelPolicies,
    Capabilities: { V3_0: true },
    Orderer: {
      ...consensusSection(layout),
      BatchTimeout: network.batch.batchTimeout,
      BatchSize: {
        MaxMessageCount: network.batch.maxMessageCount,
        AbsoluteMaxBytes: network.batch.absoluteMaxBytes,
        PreferredMaxBytes: network.batch.preferredMaxBytes,
      },
      // Each ordering org lists the endpoints of its own nodes; peers and clients learn them from here.
      Organizations: orderingOrgs.map((org) => ({ ...orgDefinition(org, false), OrdererEndpoints: runsOrderer(org).map(endpoint) })),
      // Under BFT configtxgen replaces BlockValidation by a quorum of the consenters' own signatures.
      Policies: { ...channelPolicies, BlockValidation: implicit('ANY Writers') },
      Capabilities: { V2_0: true },
    },
    Application: {
      Organizations: network.orgs.map((org) => ({
        ...orgDefinition(org, true),
        AnchorPeers: [{ Host: org.peer.host, Port: org.peer.port }],
      })),
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

function consensusSection(layout: Layout): object {
  const { network } = layout;
  const tlsCert = (node: OrdererNode): string => path.join(layout.ordererDir(node), 'tls', 'server.crt');
  if (network.consensus === 'etcdraft') {
    return {
      OrdererType: 'etcdraft',
      EtcdRaft: {
        Consenters: network.activeOrderers.map((node) => ({
          Host: node.host,
          Port: node.port,
          ClientTLSCert: tlsCert(node),
          ServerTLSCert: tlsCert(node),
        })),
      },
    };
  }
  return {
    OrdererType: 'BFT',
    ConsenterMapping: network.activeOrderers.map((node, index) => ({
      ID: index + 1,
      Host: node.host,
      Port: node.port,
      MSPID: layout.ordererOwner(node).mspId,
      Identity: signingCert(layout, node),
      ClientTLSCert: tlsCert(node),
      ServerTLSCert: tlsCert(node),
    })),
    SmartBFT: smartBftOptions(network),
  };
}

function smartBftOptions(network: NetworkConfig): object {
  const bft = network.smartBft;
  return {
    // Blocks are cut by size or by the batch timeout, as under Raft (the orderer takes the sizes from BatchSize).
    RequestBatchMaxInterval: network.batch.batchTimeout,
    RequestBatchMaxCount: network.batch.maxMessageCount,
    // Room for the benchmarks' thousands of transactions in flight; SmartBFT's own default is 400.
    RequestPoolSize: 100_000,
    IncomingMessageBufferSize: 200,
    RequestForwardTimeout: bft.requestForwardTimeout,
    RequestComplainTimeout: bft.requestComplainTimeout,
    RequestAutoRemoveTimeout: bft.requestAutoRemoveTimeout,
    ViewChangeResendInterval: bft.viewChangeResendInterval,
    ViewChangeTimeout: bft.viewChangeTimeout,
    LeaderHeartbeatTimeout: bft.leaderHeartbeatTimeout,
    LeaderHeartbeatCount: bft.leaderHeartbeatCount,
    CollectTimeout: bft.collectTimeout,
    // A consenter that restarts behind the others catches up before it takes part.
    SyncOnStart: true,
  };
}

function signingCert(layout: Layout, node: OrdererNode): string {
  const dir = path.join(layout.ordererDir(node), 'msp', 'signcerts');
  return path.join(dir, readdirSync(dir)[0]!);
}
