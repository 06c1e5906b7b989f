import path from 'node:path';
import { memberOrgOf, networkDir, type NetworkConfig, type OrdererNode, type PeerOrg } from './config';

export const defaultRuntimeDir = (): string => process.env.SECUREPAY_RUNTIME_DIR ?? path.join(networkDir, '.runtime');

/** What an org needs to own a folder: the ordering org and every member org have these. */
export interface OrgRef {
  name: string;
  mspId: string;
  domain: string;
}

/**
 * Where everything the network generates lives. One runtime folder, git-ignored, so that
 * `network:down` can remove all state by removing it. Inside it, each org's keys, CA, ledgers and
 * connection file sit in `orgs/<org>/`, readable only by that org's own Unix user (see `org-users.ts`);
 * what every node may read — node configs, the genesis block — sits outside the org folders.
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
  get logDir(): string {
    return path.join(this.runtimeDir, 'logs');
  }
  get pidDir(): string {
    return path.join(this.runtimeDir, 'pids');
  }
  get genesisBlock(): string {
    return path.join(this.runtimeDir, 'channel', `${this.network.channel}.block`);
  }
  logFile(name: string): string {
    return path.join(this.logDir, `${name}.log`);
  }

  /** Every org that owns a folder: the ordering org (Raft profiles) and the member orgs. */
  get owners(): OrgRef[] {
    const { network } = this;
    const ordering = network.activeOrderers.some((node) => node.org === network.ordererOrg.name) ? [network.ordererOrg] : [];
    return [...ordering, ...network.orgs];
  }
  orgHome(org: OrgRef): string {
    return path.join(this.runtimeDir, 'orgs', org.name);
  }
  private cryptoDir(org: OrgRef): string {
    return path.join(this.orgHome(org), 'crypto');
  }

  /** The org that runs an orderer node: a member org under BFT, the ordering org under Raft. */
  ordererOwner(node: OrdererNode): OrgRef {
    return memberOrgOf(this.network, node) ?? this.network.ordererOrg;
  }
  /** The org folder cryptogen made for an org: `ordererOrganizations/…` for the ordering org. */
  orgDir(org: OrgRef): string {
    const kind = org.mspId === this.network.ordererOrg.mspId ? 'ordererOrganizations' : 'peerOrganizations';
    return path.join(this.cryptoDir(org), kind, org.domain);
  }
  ordererDir(node: OrdererNode): string {
    const owner = this.ordererOwner(node);
    return path.join(this.orgDir(owner), 'orderers', `${node.name}.${owner.domain}`);
  }
  /** The TLS root that an orderer's certificate chains to: its owner's TLS CA. */
  ordererTlsCa(node: OrdererNode): string {
    return this.orgTlsCa(this.ordererOwner(node));
  }
  /** The client TLS identity that may call an orderer's admin (channel participation) endpoint: its owner's admin. */
  ordererAdminTlsDir(node: OrdererNode): string {
    const owner = this.ordererOwner(node);
    return path.join(this.orgDir(owner), 'users', `Admin@${owner.domain}`, 'tls');
  }
  nodeDataDir(owner: OrgRef, name: string): string {
    return path.join(this.orgHome(owner), 'data', name);
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
  orgTlsCa(org: OrgRef): string {
    return path.join(this.orgDir(org), 'tlsca', `tlsca.${org.domain}-cert.pem`);
  }
  orgCaDir(org: OrgRef): string {
    return path.join(this.orgDir(org), 'ca');
  }
  orgCaCert(org: OrgRef): string {
    return path.join(this.orgCaDir(org), `ca.${org.domain}-cert.pem`);
  }
  orgAdminMsp(org: OrgRef): string {
    return path.join(this.orgDir(org), 'users', `Admin@${org.domain}`, 'msp');
  }
  caHome(org: PeerOrg): string {
    return path.join(this.orgHome(org), 'ca');
  }
  chaincodeDir(org: PeerOrg): string {
    return path.join(this.orgHome(org), 'chaincode');
  }
  /** What a client of one org needs to reach the network, and only that org's material. */
  /** What every org publishes for others to reach it: endpoints and TLS roots, no secret. World-readable. */
  publicDir(mspId: string): string {
    return path.join(this.runtimeDir, 'public', mspId);
  }
  gatewayFile(mspId: string): string {
    const org = this.network.orgs.find((o) => o.mspId === mspId);
    if (!org) throw new Error(`no org ${mspId} in the network; known: ${this.network.orgs.map((o) => o.mspId).join(', ')}`);
    return path.join(this.orgHome(org), 'connection.json');
  }
  /** cryptogen's output for an org that is not on the channel (tests only). */
  outsiderOrgDir(domain: string): string {
    return path.join(this.runtimeDir, 'outsider', 'peerOrganizations', domain);
  }
  get outsiderCryptoDir(): string {
    return path.join(this.runtimeDir, 'outsider');
  }
}
