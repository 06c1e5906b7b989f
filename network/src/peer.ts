import path from 'node:path';
import { z } from 'zod';
import { endpoint, type PeerOrg } from './config';
import type { Layout } from './layout';
import type { ProcessTable } from './processes';
import { orgUser } from './org-users';
import { httpOk, waitReady } from './readiness';

export const peerProcessName = (org: PeerOrg): string => `peer0-${org.name.toLowerCase()}`;

export function peerEnv(layout: Layout, org: PeerOrg, fabricConfigDir: string): NodeJS.ProcessEnv {
  const tls = path.join(layout.peerDir(org), 'tls');
  const address = endpoint(org.peer);
  const data = layout.nodeDataDir(org, peerProcessName(org));
  return {
    PATH: process.env.PATH,
    HOME: layout.orgHome(org),
    FABRIC_CFG_PATH: fabricConfigDir,
    FABRIC_LOGGING_SPEC: process.env.FABRIC_LOGGING_SPEC ?? 'INFO',
    CORE_PEER_ID: layout.peerName(org),
    CORE_PEER_LOCALMSPID: org.mspId,
    CORE_PEER_MSPCONFIGPATH: path.join(layout.peerDir(org), 'msp'),
    CORE_PEER_ADDRESS: address,
    CORE_PEER_LISTENADDRESS: address,
    CORE_PEER_CHAINCODEADDRESS: endpoint({ host: org.peer.host, port: org.peer.chaincodeListenPort }),
    CORE_PEER_CHAINCODELISTENADDRESS: endpoint({ host: org.peer.host, port: org.peer.chaincodeListenPort }),
    // Without an external endpoint a peer is invisible to other orgs and to discovery, and the
    // gateway cannot find endorsers for multi-org policies.
    CORE_PEER_GOSSIP_EXTERNALENDPOINT: address,
    CORE_PEER_GOSSIP_BOOTSTRAP: address,
    // A peer that joins the channel first cannot yet authenticate the others' anchor peers ("Could not
    // acquire policy manager for channel"), and gossip tries again only after reconnectInterval:
    // 25 s by default, which every network start and every restarted peer waited out.
    CORE_PEER_GOSSIP_RECONNECTINTERVAL: '3s',
    CORE_PEER_TLS_ENABLED: 'true',
    CORE_PEER_TLS_CERT_FILE: path.join(tls, 'server.crt'),
    CORE_PEER_TLS_KEY_FILE: path.join(tls, 'server.key'),
    CORE_PEER_TLS_ROOTCERT_FILE: path.join(tls, 'ca.crt'),
    CORE_PEER_FILESYSTEMPATH: data,
    CORE_LEDGER_SNAPSHOTS_ROOTDIR: path.join(data, 'snapshots'),
    CORE_LEDGER_STATE_STATEDATABASE: 'goleveldb',
    CORE_OPERATIONS_LISTENADDRESS: endpoint({ host: org.peer.host, port: org.peer.operationsPort }),
    CORE_METRICS_PROVIDER: 'prometheus',
    // An invalid transaction's private data is never applied: waiting up to pullRetryThreshold (60 s)
    // for it would let anyone who forges one (test/e2e/collusion.test.ts) stall every member's commits.
    CORE_PEER_GOSSIP_PVTDATA_SKIPPULLINGINVALIDTRANSACTIONSDURINGCOMMIT: 'true',
    ...(process.env.SECUREPAY_PROFILE_PEERS === '1'
      ? // Go's pprof for the benchmarks' CPU profiles, on the operations port + 1000; off by default.
        {
          CORE_PEER_PROFILE_ENABLED: 'true',
          CORE_PEER_PROFILE_LISTENADDRESS: endpoint({ host: org.peer.host, port: org.peer.operationsPort + 1000 }),
        }
      : {}),
  };
}

/** Environment for the `peer` CLI acting as the org's admin against the org's own peer. */
export function peerAdminEnv(layout: Layout, org: PeerOrg, fabricConfigDir: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    FABRIC_CFG_PATH: fabricConfigDir,
    FABRIC_LOGGING_SPEC: 'WARNING',
    CORE_PEER_LOCALMSPID: org.mspId,
    CORE_PEER_MSPCONFIGPATH: layout.orgAdminMsp(org),
    CORE_PEER_ADDRESS: endpoint(org.peer),
    CORE_PEER_TLS_ENABLED: 'true',
    CORE_PEER_TLS_ROOTCERT_FILE: layout.orgTlsCa(org),
  };
}

export async function startPeer(
  layout: Layout,
  org: PeerOrg,
  binary: string,
  fabricConfigDir: string,
  processes: ProcessTable,
): Promise<void> {
  const name = peerProcessName(org);
  if (processes.isRunning(name)) return;
  const record = processes.start({
    name,
    command: binary,
    args: ['node', 'start'],
    env: peerEnv(layout, org, fabricConfigDir),
    log: layout.logFile(name),
    user: orgUser(org),
  });
  await waitReady(record, httpOk(`http://${org.peer.host}:${org.peer.operationsPort}/healthz`));
}

const versionAnswer = z.object({ Version: z.string(), CommitSHA: z.string() });

/**
 * What each running peer says it is (its operations endpoint's /version), as `3.1.5 86c1172b`: a peer
 * built with one of our Fabric patches names it after the commit (patched-peer.ts), so a figure
 * measured on one can be told from the release's.
 */
export async function peerBuilds(layout: Layout): Promise<Record<string, string>> {
  const builds = await Promise.all(
    layout.network.orgs.map(async (org) => {
      const response = await fetch(`http://${org.peer.host}:${org.peer.operationsPort}/version`);
      if (!response.ok) throw new Error(`${org.mspId}'s peer answered ${response.status} for its version`);
      const { Version, CommitSHA } = versionAnswer.parse(await response.json());
      return [org.mspId, `${Version} ${CommitSHA}`] as const;
    }),
  );
  return Object.fromEntries(builds);
}
