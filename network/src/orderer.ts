import path from 'node:path';
import { endpoint, type OrdererNode } from './config';
import type { Layout } from './layout';
import type { ProcessTable } from './processes';
import { orgUser } from './org-users';
import { httpOk, tcpOpen, waitReady } from './readiness';

export function ordererEnv(layout: Layout, node: OrdererNode, fabricConfigDir: string): NodeJS.ProcessEnv {
  const tls = path.join(layout.ordererDir(node), 'tls');
  const owner = layout.ordererOwner(node);
  const data = layout.nodeDataDir(owner, node.name);
  // The admin endpoint takes only the owning org's admin (its TLS client certificate).
  const ownerTlsCa = layout.orgTlsCa(owner);
  return {
    PATH: process.env.PATH,
    HOME: layout.orgHome(owner),
    FABRIC_CFG_PATH: fabricConfigDir,
    FABRIC_LOGGING_SPEC: process.env.FABRIC_LOGGING_SPEC ?? 'INFO',
    ORDERER_GENERAL_LISTENADDRESS: node.host,
    ORDERER_GENERAL_LISTENPORT: String(node.port),
    ORDERER_GENERAL_LOCALMSPID: owner.mspId,
    ORDERER_GENERAL_LOCALMSPDIR: path.join(layout.ordererDir(node), 'msp'),
    ORDERER_GENERAL_BOOTSTRAPMETHOD: 'none',
    ORDERER_GENERAL_TLS_ENABLED: 'true',
    ORDERER_GENERAL_TLS_PRIVATEKEY: path.join(tls, 'server.key'),
    ORDERER_GENERAL_TLS_CERTIFICATE: path.join(tls, 'server.crt'),
    ORDERER_GENERAL_TLS_ROOTCAS: `[${path.join(tls, 'ca.crt')}]`,
    ORDERER_GENERAL_CLUSTER_CLIENTCERTIFICATE: path.join(tls, 'server.crt'),
    ORDERER_GENERAL_CLUSTER_CLIENTPRIVATEKEY: path.join(tls, 'server.key'),
    ORDERER_GENERAL_CLUSTER_ROOTCAS: `[${path.join(tls, 'ca.crt')}]`,
    ORDERER_CHANNELPARTICIPATION_ENABLED: 'true',
    ORDERER_ADMIN_LISTENADDRESS: endpoint({ host: node.host, port: node.adminPort }),
    ORDERER_ADMIN_TLS_ENABLED: 'true',
    ORDERER_ADMIN_TLS_PRIVATEKEY: path.join(tls, 'server.key'),
    ORDERER_ADMIN_TLS_CERTIFICATE: path.join(tls, 'server.crt'),
    ORDERER_ADMIN_TLS_ROOTCAS: `[${path.join(tls, 'ca.crt')}]`,
    ORDERER_ADMIN_TLS_CLIENTAUTHREQUIRED: 'true',
    ORDERER_ADMIN_TLS_CLIENTROOTCAS: `[${ownerTlsCa}]`,
    ORDERER_FILELEDGER_LOCATION: path.join(data, 'ledger'),
    ORDERER_CONSENSUS_WALDIR: path.join(data, 'consensus', 'wal'),
    ORDERER_CONSENSUS_SNAPDIR: path.join(data, 'consensus', 'snapshot'),
    ORDERER_OPERATIONS_LISTENADDRESS: endpoint({ host: node.host, port: node.operationsPort }),
    ORDERER_METRICS_PROVIDER: 'prometheus',
  };
}

export async function startOrderer(
  layout: Layout,
  node: OrdererNode,
  binary: string,
  fabricConfigDir: string,
  processes: ProcessTable,
): Promise<void> {
  if (processes.isRunning(node.name)) return;
  const record = processes.start({
    name: node.name,
    command: binary,
    args: [],
    env: ordererEnv(layout, node, fabricConfigDir),
    log: layout.logFile(node.name),
    user: orgUser(layout.ordererOwner(node)),
  });
  await waitReady(record, httpOk(`http://${node.host}:${node.operationsPort}/healthz`));
  // The operations endpoint answers before the channel-participation (admin) listener is bound,
  // and `osnadmin channel join` comes next; a start is only done once both listen.
  await waitReady(record, tcpOpen(node.host, node.adminPort));
}
