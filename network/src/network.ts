import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { caName, registrar, startCa } from './ca';
import { chaincodeProcessName, deployChaincode, startChaincodeServers } from './chaincode';
import { joinOrderer, joinPeer } from './channel';
import { endpoint, type NetworkConfig } from './config';
import { createGenesisBlock } from './configtx';
import { writeConnections } from './connection';
import { ensureCustomerRegistrar } from './customer-registrar';
import { generateCrypto } from './crypto';
import { waitForGossip } from './gossip';
import { fabricModuleDir, installFabric } from './install';
import { defaultRuntimeDir, Layout } from './layout';
import { log } from './log';
import { ledgerDbProcessName, startLedgerDatabase } from './ledger-db';
import { writeNodeConfigs } from './nodeconfig';
import { startOrderer } from './orderer';
import { sealOrgHome } from './org-users';
import { provisionCredentials } from './party-credentials';
import { installPatchedPeer, requestedPatch } from './patched-peer';
import { peerProcessName, startPeer } from './peer';
import { ProcessTable } from './processes';
import { queuesProcessName, startQueues } from './queues';
import { retry } from './retry';
import { registerCustomerCas } from './customer-ca';

/** What the running network was created with; a different request needs `down` first. */
interface NetworkState {
  profile: string;
  batch: NetworkConfig['batch'];
  createdAt: string;
}

/** The profile of the network that is up now, if one is: tests and tools follow it unless told otherwise. */
export function runningProfile(runtimeDir = defaultRuntimeDir()): string | undefined {
  const file = path.join(runtimeDir, 'state.json');
  if (!existsSync(file)) return undefined;
  return (JSON.parse(readFileSync(file, 'utf8')) as NetworkState).profile;
}

function checkState(layout: Layout): void {
  const { network } = layout;
  if (!existsSync(layout.stateFile)) {
    mkdirSync(layout.runtimeDir, { recursive: true });
    const state: NetworkState = { profile: network.profile, batch: network.batch, createdAt: new Date().toISOString() };
    writeFileSync(layout.stateFile, JSON.stringify(state, null, 2));
    return;
  }
  const state = JSON.parse(readFileSync(layout.stateFile, 'utf8')) as NetworkState;
  if (state.profile !== network.profile) {
    throw new Error(`the network was created with profile ${state.profile}, not ${network.profile}: run npm run network:down first`);
  }
  if (JSON.stringify(state.batch) !== JSON.stringify(network.batch)) {
    throw new Error(
      `the channel was created with batch settings ${JSON.stringify(state.batch)}, not ${JSON.stringify(network.batch)}: run npm run network:down first`,
    );
  }
}

/**
 * Brings the whole network up, or finds it up: every step checks what is already there, so running
 * it twice is harmless and a second run restarts any node that has died.
 */
export async function up(network: NetworkConfig): Promise<Layout> {
  const layout = new Layout(network);
  const processes = new ProcessTable(layout.pidDir);
  const started = Date.now();
  const step = (message: string): void => log.info({ seconds: Math.round((Date.now() - started) / 1000) }, message);

  checkState(layout);
  // Org users must reach their own folders; nothing outside them is secret, but logs and pids are root's.
  for (const dir of [layout.logDir, layout.pidDir]) mkdirSync(dir, { recursive: true, mode: 0o700 });
  step('checking Fabric binaries');
  const bin = await installFabric(network);
  const moduleDir = await fabricModuleDir(network);
  const fabricConfig = writeNodeConfigs(layout, moduleDir);
  const patch = requestedPatch();
  const peerBinary = patch ? await installPatchedPeer(network.fabric, patch, moduleDir) : bin.peer;

  step('generating identities and the channel genesis block');
  await generateCrypto(layout, bin.cryptogen);
  await createGenesisBlock(layout, bin.configtxgen);
  for (const org of network.orgs) registrar(layout, org);
  // Every party's ledger and queue credentials, in its own org's folder, sealed with it just below.
  provisionCredentials(layout);
  for (const org of layout.owners) sealOrgHome(layout, org);

  step('starting certificate authorities');
  await Promise.all(network.orgs.map((org) => startCa(layout, org, bin['fabric-ca-server'], processes)));
  await Promise.all(network.orgs.map((org) => ensureCustomerRegistrar(layout, org)));
  step(`starting ${network.activeOrderers.length} orderer(s) (profile ${network.profile})`);
  await Promise.all(network.activeOrderers.map((node) => startOrderer(layout, node, bin.orderer, fabricConfig, processes)));
  step(patch ? `starting peers, built with Fabric patch ${patch}` : 'starting peers');
  await Promise.all(network.orgs.map((org) => startPeer(layout, org, peerBinary, fabricConfig, processes)));

  step(`joining channel ${network.channel}`);
  for (const node of network.activeOrderers) await joinOrderer(layout, node, bin.osnadmin);
  for (const org of network.orgs) await retry(`joining ${org.mspId}'s peer`, () => joinPeer(layout, org, bin.peer, fabricConfig));

  step(`deploying chaincode ${network.chaincode.name} as a service`);
  const packageIds = await retry('deploying the chaincode', () => deployChaincode(layout, bin.peer, fabricConfig), 5, 3_000);
  await startChaincodeServers(layout, packageIds, processes);
  writeConnections(layout);
  for (const org of network.orgs) sealOrgHome(layout, org);
  step('waiting for the peers to find each other (gossip)');
  await waitForGossip(layout);
  step("registering each bank's customer CA on-chain (users' signed intents are checked against it)");
  await registerCustomerCas(layout);
  step("starting the central bank's ledger database and the parties' queues");
  await startLedgerDatabase(layout, processes);
  await startQueues(layout, processes);
  step('network is up');
  printEndpoints(layout);
  return layout;
}

/** Stops every process `up` started, by its recorded pid, and removes all runtime state. */
export async function down(network: NetworkConfig): Promise<void> {
  const layout = new Layout(network);
  const processes = new ProcessTable(layout.pidDir);
  const order = [
    // After the services that use them (bridges, the API), before the Fabric nodes.
    ledgerDbProcessName,
    queuesProcessName,
    ...network.orgs.filter((org) => org.chaincodeServer).map(chaincodeProcessName),
    ...network.orgs.map(peerProcessName),
    ...network.orderers.map((o) => o.name),
    ...network.orgs.map(caName),
  ];
  const known = processes.all().map((r) => r.name);
  // Services started beside the network (bridges, the API) go first: they would only retry against stopped nodes.
  const names = [...known.filter((n) => !order.includes(n)), ...order.filter((n) => known.includes(n))];
  for (const name of names) {
    if (await processes.stop(name)) log.info({ node: name }, 'stopped');
  }
  rmSync(layout.runtimeDir, { recursive: true, force: true });
  log.info({ removed: layout.runtimeDir }, 'network is down');
}

export function status(network: NetworkConfig): { name: string; pid: number; running: boolean; log: string }[] {
  const layout = new Layout(network);
  const processes = new ProcessTable(layout.pidDir);
  return processes.all().map((r) => ({ name: r.name, pid: r.pid, running: processes.isRunning(r.name), log: r.log }));
}

function printEndpoints(layout: Layout): void {
  const { network } = layout;
  const rows = [
    ...network.activeOrderers.map((o) => [o.name, endpoint(o), `admin ${o.host}:${o.adminPort}`]),
    ...network.orgs.flatMap((org) => [
      [`${org.mspId} peer`, endpoint(org.peer), `operations ${org.peer.host}:${org.peer.operationsPort}`],
      [`${org.mspId} CA`, endpoint(org.ca), ''],
      ...(org.chaincodeServer ? [[`${org.mspId} chaincode`, endpoint(org.chaincodeServer), '']] : []),
    ]),
  ];
  const width = Math.max(...rows.map((r) => r[0]!.length));
  const lines = rows.map(([name, at, extra]) => `  ${name!.padEnd(width)}  ${at}  ${extra}`);
  process.stdout.write(
    `\nSecurePay network (${network.profile}, ${network.consensus}), channel ${network.channel}:\n${lines.join('\n')}\n`,
  );
  const files = network.orgs.map((org) => `  ${org.mspId.padEnd(width)}  ${layout.gatewayFile(org.mspId)}`);
  const { ledgerDb, queues } = network.services;
  process.stdout.write(
    `Connection details, each readable by its own org only:\n${files.join('\n')}\n` +
      `Ledger database ${endpoint(ledgerDb)}/${ledgerDb.database}, queues ${endpoint(queues)}: each party's credentials in ` +
      `${path.join(layout.runtimeDir, 'orgs', '<org>', 'credentials')}/ (run npm run ledger:migrate once)\nLogs: ${layout.logDir}\n\n`,
  );
}
