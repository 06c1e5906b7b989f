import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { endorsingOrgs, endpoint, networkDir, type PeerOrg } from './config';
import type { Layout } from './layout';
import { log } from './log';
import { orgUser } from './org-users';
import { peerAdminEnv } from './peer';
import type { ProcessTable } from './processes';
import { tcpOpen, waitReady } from './readiness';
import { run } from './run';

export const chaincodeDir = path.resolve(networkDir, '..', 'chaincode');
export const chaincodeProcessName = (org: PeerOrg): string => `chaincode-${org.name.toLowerCase()}`;

type ServingOrg = PeerOrg & { chaincodeServer: NonNullable<PeerOrg['chaincodeServer']> };
const hasChaincodeServer = (org: PeerOrg): org is ServingOrg => org.chaincodeServer !== undefined;

function collectionsConfig(layout: Layout): object[] {
  return layout.network.chaincode.collections.map((c) => ({
    name: c.name,
    policy: `OR(${c.members.map((m) => `'${m}.member'`).join(', ')})`,
    endorsementPolicy: { signaturePolicy: c.endorsementPolicy },
    requiredPeerCount: c.requiredPeerCount,
    maxPeerCount: c.maxPeerCount,
    blockToLive: 0,
    memberOnlyRead: true,
    memberOnlyWrite: true,
  }));
}

/**
 * The committed definition's version carries a fingerprint of everything else in the definition, so
 * `up` can tell from `querycommitted` alone whether the definition must be upgraded.
 */
export function definitionVersion(layout: Layout): string {
  const { chaincode } = layout.network;
  const fingerprint = createHash('sha256')
    .update(JSON.stringify({ policy: chaincode.endorsementPolicy, collections: collectionsConfig(layout) }))
    .digest('hex')
    .slice(0, 8);
  return `${chaincode.version}-${fingerprint}`;
}

/**
 * A chaincode-as-a-service package holds no code, only where the org's chaincode server listens and
 * the TLS root to check it with. Each org packages its own, so each org runs its own server.
 */
async function packageFor(layout: Layout, org: ServingOrg, peer: string, fabricConfigDir: string): Promise<{ file: string; id: string }> {
  const dir = layout.chaincodeDir(org);
  const file = path.join(dir, 'securepay.tgz');
  if (!existsSync(file)) {
    const work = path.join(dir, 'package');
    mkdirSync(work, { recursive: true });
    const connection = {
      address: endpoint(org.chaincodeServer),
      dial_timeout: '10s',
      tls_required: true,
      client_auth_required: false,
      root_cert: readFileSync(layout.orgTlsCa(org), 'utf8'),
    };
    writeFileSync(path.join(work, 'connection.json'), JSON.stringify(connection, null, 2));
    const label = `${layout.network.chaincode.name}_${org.name.toLowerCase()}`;
    writeFileSync(path.join(work, 'metadata.json'), JSON.stringify({ type: 'ccaas', label }));
    await run('tar', ['-C', work, '-czf', path.join(work, 'code.tar.gz'), 'connection.json']);
    await run('tar', ['-C', work, '-czf', file, 'metadata.json', 'code.tar.gz']);
  }
  const { stdout } = await run(peer, ['lifecycle', 'chaincode', 'calculatepackageid', file], {
    env: peerAdminEnv(layout, org, fabricConfigDir),
  });
  return { file, id: stdout.trim() };
}

interface CommittedDefinition {
  sequence: number;
  version: string;
}

async function queryCommitted(
  layout: Layout,
  org: PeerOrg,
  peer: string,
  env: NodeJS.ProcessEnv,
): Promise<CommittedDefinition | undefined> {
  const { name } = layout.network.chaincode;
  try {
    const { stdout } = await run(
      peer,
      ['lifecycle', 'chaincode', 'querycommitted', '-C', layout.network.channel, '-n', name, '-O', 'json'],
      { env },
    );
    return JSON.parse(stdout) as CommittedDefinition;
  } catch (error) {
    if (/namespace \S+ is not defined|not found/.test(String(error))) return undefined;
    throw error;
  }
}

function ordererArgs(layout: Layout): string[] {
  const orderer = layout.network.activeOrderers[0]!;
  return ['-o', endpoint(orderer), '--tls', '--cafile', layout.ordererTlsCa(orderer)];
}

/**
 * Installs, approves and commits the chaincode definition: each endorsing org installs its own
 * package and approves for itself; an org that runs no chaincode (the central bank) approves the
 * definition without a package, so it agrees to who endorses but can run nothing. One org commits
 * once the channel's lifecycle policy is met. Skips what is done. Returns each endorsing org's
 * package id, which its chaincode server must announce.
 */
export async function deployChaincode(layout: Layout, peer: string, fabricConfigDir: string): Promise<Map<string, string>> {
  const { network } = layout;
  const { name } = network.chaincode;
  const version = definitionVersion(layout);
  const collectionsFile = path.join(layout.runtimeDir, 'chaincode', 'collections.json');
  mkdirSync(path.dirname(collectionsFile), { recursive: true });
  writeFileSync(collectionsFile, JSON.stringify(collectionsConfig(layout), null, 2));

  const packageIds = new Map<string, string>();
  for (const org of network.orgs) {
    if (!hasChaincodeServer(org)) continue;
    const env = peerAdminEnv(layout, org, fabricConfigDir);
    const pkg = await packageFor(layout, org, peer, fabricConfigDir);
    packageIds.set(org.mspId, pkg.id);
    const { stdout } = await run(peer, ['lifecycle', 'chaincode', 'queryinstalled', '-O', 'json'], { env });
    if (!stdout.includes(pkg.id)) {
      log.info({ org: org.mspId, packageId: pkg.id }, 'installing chaincode package');
      await run(peer, ['lifecycle', 'chaincode', 'install', pkg.file], { env });
    }
  }

  const first = endorsingOrgs(network)[0]!;
  const firstEnv = peerAdminEnv(layout, first, fabricConfigDir);
  const committed = await queryCommitted(layout, first, peer, firstEnv);
  if (committed?.version === version) return packageIds;
  const sequence = (committed?.sequence ?? 0) + 1;
  const definition = [
    '-C',
    network.channel,
    '-n',
    name,
    '--version',
    version,
    '--sequence',
    String(sequence),
    '--signature-policy',
    network.chaincode.endorsementPolicy,
    '--collections-config',
    collectionsFile,
  ];

  const readiness = await run(peer, ['lifecycle', 'chaincode', 'checkcommitreadiness', ...definition, '-O', 'json'], { env: firstEnv });
  const approvals = (JSON.parse(readiness.stdout) as { approvals: Record<string, boolean> }).approvals;
  for (const org of network.orgs) {
    if (approvals[org.mspId]) continue;
    log.info({ org: org.mspId, sequence, version }, 'approving chaincode definition');
    const packageId = packageIds.get(org.mspId);
    await run(
      peer,
      [
        'lifecycle',
        'chaincode',
        'approveformyorg',
        ...definition,
        ...(packageId ? ['--package-id', packageId] : []),
        ...ordererArgs(layout),
        '--waitForEvent',
      ],
      { env: peerAdminEnv(layout, org, fabricConfigDir) },
    );
  }

  const peers = endorsingOrgs(network).flatMap((org) => [
    '--peerAddresses',
    endpoint(org.peer),
    '--tlsRootCertFiles',
    layout.orgTlsCa(org),
  ]);
  log.info({ sequence, version }, 'committing chaincode definition');
  await run(peer, ['lifecycle', 'chaincode', 'commit', ...definition, ...ordererArgs(layout), ...peers, '--waitForEvent'], {
    env: firstEnv,
  });
  return packageIds;
}

/** A digest of the built chaincode, so `up` restarts servers running code that has since been rebuilt. */
function builtCodeDigest(): string {
  const dist = path.join(chaincodeDir, 'dist');
  if (!existsSync(dist)) throw new Error(`the chaincode is not built (${dist} is missing): run npm run build`);
  const hash = createHash('sha256');
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir).sort()) {
      const file = path.join(dir, entry);
      if (statSync(file).isDirectory()) walk(file);
      else hash.update(entry).update(readFileSync(file));
    }
  };
  walk(dist);
  return hash.digest('hex');
}

/** Starts (or restarts, after a rebuild) each org's chaincode server: `fabric-chaincode-node server` over TLS. */
export async function startChaincodeServers(layout: Layout, packageIds: Map<string, string>, processes: ProcessTable): Promise<void> {
  const clockBoundMs = String(Number(layout.network.chaincode.clockBound.slice(0, -1)) * 1000);
  // A changed bound or batching setting restarts the servers, as changed code does.
  const stateBatching = process.env.SECUREPAY_STATE_BATCHING === 'off' ? 'off' : 'on';
  const digest = `${builtCodeDigest()} clock ${clockBoundMs} batching ${stateBatching}`;
  const cli = require.resolve('fabric-shim/cli.js', { paths: [chaincodeDir] });
  await Promise.all(
    layout.network.orgs.filter(hasChaincodeServer).map(async (org) => {
      const name = chaincodeProcessName(org);
      const digestFile = path.join(layout.chaincodeDir(org), 'running-code.sha256');
      const runningDigest = existsSync(digestFile) ? readFileSync(digestFile, 'utf8') : undefined;
      if (processes.isRunning(name) && runningDigest === digest) return;
      await processes.stop(name);
      const tls = layout.chaincodeServerTlsDir(org);
      const record = processes.start({
        name,
        command: process.execPath,
        args: [
          cli,
          'server',
          '--chaincode-address',
          endpoint(org.chaincodeServer),
          '--chaincode-id',
          packageIds.get(org.mspId)!,
          '--chaincode-tls-cert-file',
          path.join(tls, 'server.crt'),
          '--chaincode-tls-key-file',
          path.join(tls, 'server.key'),
          '--module-path',
          chaincodeDir,
        ],
        env: {
          PATH: process.env.PATH,
          HOME: layout.orgHome(org),
          NODE_ENV: 'production',
          // The shim logs every transaction at info: on a busy channel that is most of its log and some of its CPU.
          CORE_CHAINCODE_LOGGING_LEVEL: 'warning',
          SECUREPAY_CLOCK_BOUND_MS: clockBoundMs,
          // Fabric 3's batched reads and writes (chaincode/src/transaction-state.ts); `off` for peers before 3.0, or to compare.
          SECUREPAY_STATE_BATCHING: stateBatching,
        },
        cwd: chaincodeDir,
        marker: cli,
        log: layout.logFile(name),
        user: orgUser(org),
      });
      writeFileSync(digestFile, digest);
      await waitReady(record, tcpOpen(org.chaincodeServer.host, org.chaincodeServer.port));
    }),
  );
}
