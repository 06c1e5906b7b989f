import * as grpc from '@grpc/grpc-js';
import type { GatewayError, Network } from '@hyperledger/fabric-gateway';
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
import { FailoverEscrowClient } from './failover-escrow-client';
import { classifyFault, type FabricFacts } from './fault-classifier';
import { attributedTo, gatewayPeerOf } from './peer-attribution';
import { ServiceUnavailable } from './service-unavailable';

const maxUserSessions = 200;
/** How long a step's answer waits for a reachable peer to commit its block. */
const allPeersTimeoutMs = 30_000;
/** A dead peer's channel tries again at most this often, so that the API sees it back soon after it is. */
const maxReconnectBackoffMs = 5_000;

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
  /** The org of each of `peerNetworks`, in the same order. */
  private readonly peerOrgs: string[];
  /** What the fault classifier asks of the peers (`fault-classifier.ts`). */
  readonly facts: FabricFacts = {
    gatewayPeerOf: (error: GatewayError) => gatewayPeerOf(error),
    reachable: (mspId: string) => this.reachable(mspId),
    unreachable: () => [...this.clients.keys()].filter((mspId) => !this.reachable(mspId)),
  };

  constructor(
    private readonly orgs: Map<string, OrgEndpoints>,
    private readonly platformIdentity: SigningIdentity,
    private readonly log: Logger,
  ) {
    // The platform's operator reads every org's peer: to wait until all have a block before answering,
    // and to read elsewhere when its own peer does not answer.
    this.peerOrgs = [...orgs.keys()];
    this.peerNetworks = this.peerOrgs.map((mspId) => this.open(`platform@${mspId}`, mspId, platformIdentity).network);
    this.platformNetwork = this.peerNetworks[this.peerOrgs.indexOf(platformIdentity.mspId)]!;
  }

  /** Each call's status is marked with the org whose peer it went to (`peer-attribution.ts`). */
  private client(mspId: string): grpc.Client {
    let client = this.clients.get(mspId);
    if (!client) {
      client = peerClient(this.connectionOf(mspId), {
        interceptors: [attributedTo(mspId)],
        'grpc.max_reconnect_backoff_ms': maxReconnectBackoffMs,
      });
      this.clients.set(mspId, client);
    }
    return client;
  }

  /** Whether this process can reach the org's peer now: its channel is not failing. An org it never called counts as reachable. */
  reachable(mspId: string): boolean {
    const state = this.clients.get(mspId)?.getChannel().getConnectivityState(false);
    return state !== grpc.connectivityState.TRANSIENT_FAILURE && state !== grpc.connectivityState.SHUTDOWN;
  }

  /** Whether an error says a peer did not answer: what makes a read go to another org's peer. */
  private peerDown(error: unknown): boolean {
    return classifyFault(error, { fabric: this.facts, endpoints: new Map() })?.unavailable === 'PEER_UNAVAILABLE';
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
    const contract = network.getContract(connection.chaincode, 'escrow');
    // The platform operator on its own peer reads elsewhere when that peer does not answer.
    const escrow =
      key === `platform@${this.platformIdentity.mspId}`
        ? new FailoverEscrowClient(
            contract,
            () => this.peerOrgs.filter((m) => m !== mspId).map((m) => this.sessions.get(`platform@${m}`)!.escrow),
            (error) => this.peerDown(error),
            { log: this.log },
          )
        : new EscrowClient(contract, { log: this.log });
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
   * Waits until every org's peer this process can reach has committed `blockNumber`, so whoever reads
   * or acts next sees it: from the peers' block streams, followed once for every caller; by asking
   * each reachable peer while the streams cannot be opened (a peer down). A reachable peer that has
   * not caught up in 30 s is a 503 PEER_UNAVAILABLE naming it: the step did commit, and its retry is
   * answered as done (`step-recovery.ts`).
   */
  async allPeersAt(blockNumber: bigint): Promise<void> {
    const heights = await this.followedHeights();
    if (!heights) {
      // A peer's stream could not be opened (one is down): ask the peers that can be reached instead.
      const reachable = this.peerNetworks.filter((_, i) => this.reachable(this.peerOrgs[i]!));
      try {
        return await waitForBlock(reachable, blockNumber, allPeersTimeoutMs);
      } catch (error) {
        if (classifyFault(error, { fabric: this.facts, endpoints: new Map() })) throw error;
        throw new ServiceUnavailable('PEER_UNAVAILABLE', 'peers', `a peer has not committed block ${blockNumber}`, { cause: error });
      }
    }
    // A peer this process cannot reach is not waited for: no one can read from it or have it endorse
    // until it is back, and then it catches up before it answers (a step it endorses from older
    // state meanwhile is retried). The step did commit; answering it is not held up by a dead peer.
    const deadline = Date.now() + allPeersTimeoutMs;
    for (;;) {
      try {
        return await heights.allAt(blockNumber, 1_000);
      } catch {
        // Another second passed without every peer at the block: see who is behind.
      }
      const behind = heights.lagging(blockNumber).map((i) => this.peerOrgs[i]!);
      if (behind.length === 0) return;
      if (behind.every((mspId) => !this.reachable(mspId))) {
        this.log.warn(
          { block: blockNumber.toString(), unreachable: behind },
          'answering a committed step without waiting for peers that do not answer',
        );
        return;
      }
      if (Date.now() > deadline) {
        throw new ServiceUnavailable(
          'PEER_UNAVAILABLE',
          behind.join(','),
          `the peer(s) of ${behind.join(', ')} have not committed block ${blockNumber}`,
        );
      }
    }
  }

  /**
   * The newest block some org's peer has committed, from the peers' block streams; undefined while
   * they cannot be followed (a peer is down).
   */
  async newestBlock(): Promise<bigint | undefined> {
    return (await this.followedHeights())?.newestBlock();
  }

  /**
   * Whether some peer has not committed `blockNumber` yet; true when the peers' heights cannot be
   * followed (a peer is down), since then no one can say.
   */
  async behind(blockNumber: bigint): Promise<boolean> {
    const heights = await this.followedHeights();
    return heights === undefined || heights.lagging(blockNumber).length > 0;
  }

  /**
   * The orgs whose peers have not committed `blockNumber` yet, by their block streams; while those
   * cannot be followed (a peer is down), the orgs whose peers this process cannot reach.
   */
  async lagging(blockNumber: bigint): Promise<string[]> {
    const heights = await this.followedHeights();
    return heights ? heights.lagging(blockNumber).map((i) => this.peerOrgs[i]!) : this.facts.unreachable();
  }

  /** The peers' heights, followed once for every caller; undefined (and tried afresh next time) while a stream cannot be opened. */
  private async followedHeights(): Promise<PeerHeights | undefined> {
    this.heights ??= PeerHeights.follow(this.peerNetworks);
    try {
      return await this.heights;
    } catch {
      this.heights = undefined;
      return undefined;
    }
  }

  /**
   * The block that holds a transaction, from the platform's peer, or another org's when it does not
   * answer (blocks are the same on every peer); undefined when it has none.
   */
  async blockOf(txId: string): Promise<common.Block | undefined> {
    const own = this.platformNetwork;
    try {
      return await this.blockFrom(own, txId);
    } catch (error) {
      if (!this.peerDown(error)) throw error;
      for (const network of this.peerNetworks.filter((n) => n !== own)) {
        try {
          return await this.blockFrom(network, txId);
        } catch {
          // That peer cannot answer either: the next one.
        }
      }
      throw error;
    }
  }

  private async blockFrom(network: Network, txId: string): Promise<common.Block | undefined> {
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
