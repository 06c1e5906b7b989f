import type * as grpc from '@grpc/grpc-js';
import type { Network } from '@hyperledger/fabric-gateway';
import { common } from '@hyperledger/fabric-protos';
import { EscrowClient } from '@securepay/client';
import type { Logger } from 'pino';
import {
  chainHeight,
  connectGateway,
  peerClient,
  PeerHeights,
  waitForBlock,
  type GatewayConnection,
  type OrgEndpoints,
  type ActingIdentity,
  type SigningIdentity,
} from '@securepay/network';

const maxUserSessions = 200;

/**
 * The API's gateway connections: one gRPC channel per org's peer, shared, and one gateway per
 * identity on it (the platform's operator, and each user the API signs for). User gateways are
 * kept for the most recent users only; their keys are in memory only while their gateway is.
 */
export class FabricSessions {
  private readonly clients = new Map<string, grpc.Client>();
  /** One identity's contract client through its own org's peer, by user id (or `platform@<MSP>`). */
  private readonly sessions = new Map<string, { connection: GatewayConnection; escrow: EscrowClient }>();
  private readonly peerNetworks: Network[];
  private heights: Promise<PeerHeights> | undefined;
  /** The platform operator's view through the platform's own peer: where lookups are answered. */
  private readonly platformNetwork: Network;

  constructor(
    private readonly orgs: Map<string, OrgEndpoints>,
    private readonly platformIdentity: SigningIdentity,
    private readonly log: Logger,
  ) {
    // The platform's operator reads every org's peer: to wait until all have a block before answering.
    this.peerNetworks = [...orgs.keys()].map((mspId) => this.open(`platform@${mspId}`, mspId, platformIdentity).network);
    this.platformNetwork = this.peerNetworks[[...orgs.keys()].indexOf(platformIdentity.mspId)]!;
  }

  private client(mspId: string): grpc.Client {
    let client = this.clients.get(mspId);
    if (!client) {
      client = peerClient(this.connectionOf(mspId));
      this.clients.set(mspId, client);
    }
    return client;
  }

  private connectionOf(mspId: string): OrgEndpoints {
    const connection = this.orgs.get(mspId);
    if (!connection) throw new Error(`no connection details for ${mspId}`);
    return connection;
  }

  private open(key: string, mspId: string, identity: ActingIdentity): { escrow: EscrowClient; network: Network } {
    const connection = this.connectionOf(mspId);
    const gateway = connectGateway(connection, identity, this.client(mspId));
    const network = gateway.gateway.getNetwork(connection.channel);
    const escrow = new EscrowClient(network.getContract(connection.chaincode, 'escrow'), { log: this.log });
    this.sessions.set(key, { connection: gateway, escrow });
    return { escrow, network };
  }

  /** The channel every session is on: intents name it, so that one signed for another channel is refused. */
  get channel(): string {
    return this.platformNetwork.getName();
  }

  /** The platform operator's contract client, through the platform's own peer. */
  platform(): EscrowClient {
    return this.sessions.get(`platform@${this.platformIdentity.mspId}`)!.escrow;
  }

  /** The channel through the platform's own peer: where the order listing follows the contract's events. */
  platformChannel(): Network {
    return this.platformNetwork;
  }

  /** A user's contract client through its bank's peer; `identity` is asked for only when none is open. */
  async user(userId: string, mspId: string, identity: () => Promise<ActingIdentity>): Promise<EscrowClient> {
    const open = this.sessions.get(userId);
    if (open) {
      // Most recently used last, so the oldest is the one evicted.
      this.sessions.delete(userId);
      this.sessions.set(userId, open);
      return open.escrow;
    }
    const { escrow } = this.open(userId, mspId, await identity());
    const userKeys = [...this.sessions.keys()].filter((k) => !k.startsWith('platform@'));
    if (userKeys.length > maxUserSessions) this.closeSession(userKeys[0]!);
    return escrow;
  }

  /**
   * Waits until every org's peer has committed `blockNumber`, so whoever reads or acts next sees it:
   * from the peers' block streams, followed once for every caller; by asking each peer while the
   * streams cannot be opened (a peer down).
   */
  async allPeersAt(blockNumber: bigint): Promise<void> {
    this.heights ??= PeerHeights.follow(this.peerNetworks);
    let heights: PeerHeights;
    try {
      heights = await this.heights;
    } catch {
      this.heights = undefined;
      return waitForBlock(this.peerNetworks, blockNumber);
    }
    await heights.allAt(blockNumber);
  }

  /** The block that holds a transaction, from the platform's peer; undefined when it has none. */
  async blockOf(txId: string): Promise<common.Block | undefined> {
    const network = this.platformNetwork;
    try {
      const bytes = await network.getContract('qscc').evaluateTransaction('GetBlockByTxID', network.getName(), txId);
      return common.Block.deserializeBinary(bytes);
    } catch (error) {
      const words = JSON.stringify((error as { details?: unknown }).details ?? '') + String((error as Error).message);
      if (/not found|no such transaction/i.test(words)) return undefined;
      throw error;
    }
  }

  /** Asks the platform's peer for its height: the health check's question to Fabric. */
  async height(): Promise<bigint> {
    return chainHeight(this.platformNetwork);
  }

  private closeSession(key: string): void {
    this.sessions.get(key)?.connection.gateway.close();
    this.sessions.delete(key);
  }

  close(): void {
    void this.heights?.then((h) => h.close()).catch(() => undefined);
    for (const key of [...this.sessions.keys()]) this.closeSession(key);
    for (const client of this.clients.values()) client.close();
    this.clients.clear();
  }
}
