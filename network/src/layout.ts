import path from 'node:path';
import { networkDir, type NetworkConfig, type OrdererNode, type PeerOrg } from './config';

export const defaultRuntimeDir = (): string => process.env.SECUREPAY_RUNTIME_DIR ?? path.join(networkDir, '.runtime');

/**
 * Where everything the network generates lives. One runtime folder, git-ignored, so that
 * `network:down` can remove all state by removing it.
 */
export class Layout {
  constructor(
    readonly network: NetworkConfig,
    readonly runtimeDir = defaultRuntimeDir(),
  ) {}

  get stateFile(): string {
    return path.join(this.runtimeDir, 'state.json');
  }
  get configDir(): string {
    return path.join(this.runtimeDir, 'config');
  }
  get cryptoDir(): string {
    return path.join(this.runtimeDir, 'crypto');
  }
  get logDir(): string {
    return path.join(this.runtimeDir, 'logs');
  }
  get pidDir(): string {
    return path.join(this.runtimeDir, 'pids');
  }
  get gatewayDir(): string {
    return path.join(this.runtimeDir, 'gateway');
  }
  get genesisBlock(): string {
    return path.join(this.runtimeDir, 'channel', `${this.network.channel}.block`);
  }
  nodeDataDir(name: string): string {
    return path.join(this.runtimeDir, 'data', name);
  }
  logFile(name: string): string {
    return path.join(this.logDir, `${name}.log`);
  }

  ordererOrgDir(): string {
    return path.join(this.cryptoDir, 'ordererOrganizations', this.network.ordererOrg.domain);
  }
  ordererDir(node: OrdererNode): string {
    return path.join(this.ordererOrgDir(), 'orderers', `${node.name}.${this.network.ordererOrg.domain}`);
  }
  ordererTlsCa(): string {
    return path.join(this.ordererOrgDir(), 'tlsca', `tlsca.${this.network.ordererOrg.domain}-cert.pem`);
  }
  ordererAdminTlsDir(): string {
    return path.join(this.ordererOrgDir(), 'users', `Admin@${this.network.ordererOrg.domain}`, 'tls');
  }

  orgDir(org: PeerOrg): string {
    return path.join(this.cryptoDir, 'peerOrganizations', org.domain);
  }
  peerName(org: PeerOrg): string {
    return `peer0.${org.domain}`;
  }
  peerDir(org: PeerOrg): string {
    return path.join(this.orgDir(org), 'peers', this.peerName(org));
  }
  /** TLS identity of the org's chaincode server, issued by the org's TLS CA like a node's. */
  chaincodeServerTlsDir(org: PeerOrg): string {
    return path.join(this.orgDir(org), 'peers', `chaincode.${org.domain}`, 'tls');
  }
  orgTlsCa(org: PeerOrg): string {
    return path.join(this.orgDir(org), 'tlsca', `tlsca.${org.domain}-cert.pem`);
  }
  orgCaDir(org: PeerOrg): string {
    return path.join(this.orgDir(org), 'ca');
  }
  orgCaCert(org: PeerOrg): string {
    return path.join(this.orgCaDir(org), `ca.${org.domain}-cert.pem`);
  }
  orgAdminMsp(org: PeerOrg): string {
    return path.join(this.orgDir(org), 'users', `Admin@${org.domain}`, 'msp');
  }
  caHome(org: PeerOrg): string {
    return path.join(this.runtimeDir, 'ca', org.name);
  }
  chaincodeDir(org: PeerOrg): string {
    return path.join(this.runtimeDir, 'chaincode', org.name);
  }
  gatewayFile(mspId: string): string {
    return path.join(this.gatewayDir, `${mspId}.json`);
  }
}
