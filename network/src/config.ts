import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';

const port = z.number().int().min(1024).max(65535);
const host = z.string().min(1);

const ordererSchema = z.object({
  name: z.string().regex(/^[a-z0-9-]+$/),
  host,
  port,
  adminPort: port,
  operationsPort: port,
});

const orgSchema = z.object({
  name: z.string().regex(/^[A-Za-z0-9]+$/),
  mspId: z.string().regex(/^[A-Za-z0-9]+MSP$/),
  domain: z.string().min(1),
  peer: z.object({ host, port, chaincodeListenPort: port, operationsPort: port }),
  ca: z.object({ host, port, operationsPort: port }),
  chaincodeServer: z.object({ host, port }),
});

const collectionSchema = z.object({
  name: z.string().regex(/^[A-Za-z0-9]+$/),
  members: z.array(z.string()).min(1),
  requiredPeerCount: z.number().int().min(0),
  maxPeerCount: z.number().int().min(0),
});

const durationSchema = z.string().regex(/^\d+(ms|s)$/, 'a duration such as 500ms or 2s');

const networkSchema = z.object({
  fabric: z.object({
    module: z.string(),
    version: z.string(),
    ca: z.object({ module: z.string(), version: z.string() }),
  }),
  channel: z.string().regex(/^[a-z][a-z0-9.-]*$/),
  chaincode: z.object({
    name: z.string().regex(/^[a-z][a-z0-9_-]*$/),
    version: z.string(),
    endorsementPolicy: z.string(),
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
  profiles: z.record(z.string(), z.array(z.string()).min(1)),
  orgs: z.array(orgSchema).min(1),
});

export type OrdererNode = z.infer<typeof ordererSchema>;
export type PeerOrg = z.infer<typeof orgSchema>;
export type NetworkFile = z.infer<typeof networkSchema>;

/** The network file with one profile chosen: the orderers that run and the batch settings in force. */
export interface NetworkConfig extends NetworkFile {
  profile: string;
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
  const names = network.profiles[profile];
  if (!names) {
    throw new Error(`unknown profile "${profile}"; ${file} defines ${Object.keys(network.profiles).join(', ')}`);
  }
  const activeOrderers = names.map((name) => {
    const node = network.orderers.find((o) => o.name === name);
    if (!node) throw new Error(`profile ${profile} names orderer ${name}, which ${file} does not define`);
    return node;
  });
  return { ...network, batch: batchFromEnv(network.batch, env), profile, activeOrderers };
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

export const endpoint = (node: { host: string; port: number }): string => `${node.host}:${node.port}`;
