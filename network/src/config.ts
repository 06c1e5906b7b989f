import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';

const port = z.number().int().min(1024).max(65535);
const host = z.string().min(1);

const ordererSchema = z.object({
  name: z.string().regex(/^[a-z0-9-]+$/),
  /** The org that runs the node and issues its identity: the ordering org, or a member org (BFT). */
  org: z.string(),
  host,
  port,
  adminPort: port,
  operationsPort: port,
});

const orgSchema = z.object({
  name: z.string().regex(/^[A-Za-z0-9]+$/),
  /** What the org is to the CBDC ledger: its database role, queue user and rights follow from it. */
  kind: z.enum(['platform', 'bank', 'centralBank']),
  mspId: z.string().regex(/^[A-Za-z0-9]+MSP$/),
  domain: z.string().min(1),
  peer: z.object({ host, port, chaincodeListenPort: port, operationsPort: port }),
  ca: z.object({ host, port, operationsPort: port }),
  /** Orgs without one do not run the chaincode, so their peer can endorse nothing. */
  chaincodeServer: z.object({ host, port }).optional(),
});

const collectionSchema = z.object({
  name: z.string().regex(/^[A-Za-z0-9]+$/),
  members: z.array(z.string()).min(1),
  // Who must endorse a write to a key of the collection that carries no key-level policy of its own.
  endorsementPolicy: z.string(),
  requiredPeerCount: z.number().int().min(0),
  maxPeerCount: z.number().int().min(0),
});

const durationSchema = z.string().regex(/^\d+(ms|s)$/, 'a duration such as 500ms or 2s');

const profileSchema = z.object({
  consensus: z.enum(['etcdraft', 'BFT']),
  orderers: z.array(z.string()).min(1),
});

/** SmartBFT's timers (configtx `SmartBFT:`); block cutting comes from `batch:` as for Raft. */
const smartBftSchema = z.object({
  requestForwardTimeout: durationSchema,
  requestComplainTimeout: durationSchema,
  requestAutoRemoveTimeout: durationSchema,
  viewChangeResendInterval: durationSchema,
  viewChangeTimeout: durationSchema,
  leaderHeartbeatTimeout: durationSchema,
  leaderHeartbeatCount: z.number().int().min(1),
  collectTimeout: durationSchema,
});

/** The central bank's off-chain services, run by the network's scripts beside its nodes. */
const servicesSchema = z.object({
  ledgerDb: z.object({ host, port, database: z.string().regex(/^[a-z_][a-z0-9_]*$/, 'a plain lower-case identifier') }),
  queues: z.object({ host, port }),
});

const networkSchema = z.object({
  fabric: z.object({
    // As Fabric's own metadata.Version says it (3.1.5, no "v"), since the build is stamped with it.
    version: z.string().regex(/^\d+\.\d+\.\d+$/, 'a release such as 3.1.5'),
    commit: z.string().regex(/^[0-9a-f]{40}$/, 'the full 40-character commit hash'),
    module: z.string(),
    source: z.object({
      archive: z.string().regex(/^[^/]+$/, 'a file name, looked up in shared/vendor/fabric/ next to the repository'),
      sha256: z.string().regex(/^[0-9a-f]{64}$/, 'a lowercase hex SHA-256'),
    }),
    ca: z.object({ module: z.string(), version: z.string() }),
  }),
  channel: z.string().regex(/^[a-z][a-z0-9.-]*$/),
  chaincode: z.object({
    name: z.string().regex(/^[a-z][a-z0-9_-]*$/),
    version: z.string(),
    endorsementPolicy: z.string(),
    // How far a proposal's timestamp may be from an endorsing peer's clock (given to every org's chaincode server).
    clockBound: z.string().regex(/^\d+s$/, 'whole seconds, such as 30s'),
    collections: z.array(collectionSchema),
  }),
  batch: z.object({
    maxMessageCount: z.number().int().min(1),
    batchTimeout: durationSchema,
    preferredMaxBytes: z.string(),
    absoluteMaxBytes: z.string(),
  }),
  ordererOrg: z.object({ name: z.string(), mspId: z.string(), domain: z.string() }),
  orderers: z.array(ordererSchema).min(1),
  profiles: z.record(z.string(), profileSchema),
  smartBft: smartBftSchema,
  orgs: z.array(orgSchema).min(1),
  services: servicesSchema,
});

export type OrdererNode = z.infer<typeof ordererSchema>;
export type PeerOrg = z.infer<typeof orgSchema>;
export type NetworkFile = z.infer<typeof networkSchema>;
export type Consensus = z.infer<typeof profileSchema>['consensus'];
export type Services = z.infer<typeof servicesSchema>;

/** The network file with one profile chosen: the orderers that run and the batch settings in force. */
export interface NetworkConfig extends NetworkFile {
  profile: string;
  consensus: Consensus;
  activeOrderers: OrdererNode[];
}

export const networkDir = path.resolve(__dirname, '..');
export const defaultConfigFile = path.join(networkDir, 'network.yaml');
export const defaultProfile = 'raft1';

export interface LoadOptions {
  file?: string;
  profile?: string;
  env?: NodeJS.ProcessEnv;
}

export function loadNetworkConfig(options: LoadOptions = {}): NetworkConfig {
  const file = options.file ?? defaultConfigFile;
  const env = options.env ?? process.env;
  const parsed = networkSchema.safeParse(parse(readFileSync(file, 'utf8')));
  if (!parsed.success) {
    throw new Error(`${file} is not a valid network description:\n${z.prettifyError(parsed.error)}`);
  }
  const network = parsed.data;
  const profile = options.profile ?? defaultProfile;
  const chosen = network.profiles[profile];
  if (!chosen) {
    const known = Object.keys(network.profiles).join(', ');
    throw new Error(`unknown profile "${profile}": use one of ${known} (--profile or SECUREPAY_PROFILE), or add it to ${file}`);
  }
  const activeOrderers = chosen.orderers.map((name) => {
    const node = network.orderers.find((o) => o.name === name);
    if (!node) throw new Error(`profile ${profile} names orderer ${name}, which ${file} does not define`);
    return node;
  });
  checkOrderers(network, profile, chosen.consensus, activeOrderers);
  checkOrgKinds(network, file);
  return { ...network, batch: batchFromEnv(network.batch, env), profile, consensus: chosen.consensus, activeOrderers };
}

function checkOrderers(network: NetworkFile, profile: string, consensus: Consensus, nodes: OrdererNode[]): void {
  const orgNames = [network.ordererOrg.name, ...network.orgs.map((o) => o.name)];
  for (const node of nodes) {
    if (!orgNames.includes(node.org)) throw new Error(`orderer ${node.name} belongs to org ${node.org}, which is not in the network`);
  }
  // SmartBFT tolerates f faulty consenters out of 3f + 1; fewer than four tolerate none.
  if (consensus === 'BFT' && nodes.length < 4) {
    throw new Error(`profile ${profile}: BFT needs at least 4 consenters (3f + 1), it names ${nodes.length}`);
  }
}

/** The ledger has one issuer and one platform; banks may be any number. */
function checkOrgKinds(network: NetworkFile, file: string): void {
  for (const kind of ['centralBank', 'platform'] as const) {
    const count = network.orgs.filter((o) => o.kind === kind).length;
    if (count !== 1) throw new Error(`${file} must name exactly one org of kind ${kind}, it names ${count}`);
  }
}

function batchFromEnv(batch: NetworkFile['batch'], env: NodeJS.ProcessEnv): NetworkFile['batch'] {
  const size = env.SECUREPAY_BATCH_SIZE;
  const timeout = env.SECUREPAY_BATCH_TIMEOUT;
  const result = { ...batch };
  if (size !== undefined) {
    const n = Number(size);
    if (!Number.isInteger(n) || n < 1) throw new Error(`SECUREPAY_BATCH_SIZE must be a positive integer, got "${size}"`);
    result.maxMessageCount = n;
  }
  if (timeout !== undefined) {
    const checked = durationSchema.safeParse(timeout);
    if (!checked.success) throw new Error(`SECUREPAY_BATCH_TIMEOUT must look like 500ms or 2s, got "${timeout}"`);
    result.batchTimeout = checked.data;
  }
  return result;
}

export function findOrg(network: NetworkFile, mspIdOrName: string): PeerOrg {
  const org = network.orgs.find((o) => o.mspId === mspIdOrName || o.name === mspIdOrName);
  if (!org) throw new Error(`no org ${mspIdOrName} in the network; known: ${network.orgs.map((o) => o.mspId).join(', ')}`);
  return org;
}

/** The org of a kind there is exactly one of (checked when the file is loaded). */
export const theOrg = (network: NetworkFile, kind: 'centralBank' | 'platform'): PeerOrg => network.orgs.find((o) => o.kind === kind)!;

/** The orgs whose peers run the chaincode and may endorse. */
export const endorsingOrgs = (network: NetworkFile): PeerOrg[] => network.orgs.filter((o) => o.chaincodeServer !== undefined);

/** The org that runs an orderer node and issues its identity, when it is a member org (BFT) rather than the ordering org. */
export const memberOrgOf = (network: NetworkFile, node: OrdererNode): PeerOrg | undefined => network.orgs.find((o) => o.name === node.org);

export const endpoint = (node: { host: string; port: number }): string => `${node.host}:${node.port}`;
