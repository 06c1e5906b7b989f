import * as grpc from '@grpc/grpc-js';
import { connect, hash, type Gateway, type Network } from '@hyperledger/fabric-gateway';
import { common } from '@hyperledger/fabric-protos';
import { readFileSync } from 'node:fs';
import type { OrgEndpoints } from './connection';
import type { ActingIdentity } from './identity';
import { messageSigner } from './message-signer';

export interface GatewayConnection {
  gateway: Gateway;
  /** Closes the gateway and its gRPC channel. */
  close(): void;
}

/**
 * A gRPC channel to the org's peer over TLS. Share one between gateways of the same org. `options`:
 * more channel options (interceptors, reconnect backoff) for a caller that needs them.
 */
export function peerClient(connection: OrgEndpoints, options: grpc.ClientOptions = {}): grpc.Client {
  const credentials = grpc.credentials.createSsl(readFileSync(connection.peer.tlsRootCertPath));
  return new grpc.Client(connection.peer.endpoint, credentials, {
    ...options,
    'grpc.ssl_target_name_override': connection.peer.hostAlias,
  });
}

/** Connects to the network through the org's peer gateway, acting as `identity`. */
export function connectGateway(connection: OrgEndpoints, identity: ActingIdentity, client = peerClient(connection)): GatewayConnection {
  const gateway = connect({
    client,
    identity: { mspId: identity.mspId, credentials: Buffer.from(identity.certificatePem) },
    // A remote signer (a user's own device) signs the digest; a key at hand signs the whole message on OpenSSL.
    ...('sign' in identity
      ? { signer: (digest: Uint8Array) => identity.sign(digest), hash: hash.sha256 }
      : { signer: messageSigner(identity.privateKeyPem), hash: hash.none }),
    evaluateOptions: () => ({ deadline: Date.now() + 5_000 }),
    endorseOptions: () => ({ deadline: Date.now() + 15_000 }),
    submitOptions: () => ({ deadline: Date.now() + 5_000 }),
    commitStatusOptions: () => ({ deadline: Date.now() + 60_000 }),
  });
  return {
    gateway,
    close: () => {
      gateway.close();
      client.close();
    },
  };
}

/**
 * Waits until the peer behind each network has committed block `blockNumber`. A gateway's commit
 * status speaks only for its own peer; when the next step is endorsed by another org's peer, that
 * peer must not endorse from older state (the endorsements would not match).
 */
export async function waitForBlock(networks: Network[], blockNumber: bigint, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const network of networks) {
    for (;;) {
      if ((await chainHeight(network)) > blockNumber) break;
      if (Date.now() > deadline) throw new Error(`a peer has not committed block ${blockNumber} after ${timeoutMs / 1000}s`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

/** How many blocks the peer behind `network` has committed on its channel. */
export async function chainHeight(network: Network): Promise<bigint> {
  const bytes = await network.getContract('qscc').evaluateTransaction('GetChainInfo', network.getName());
  return BigInt(common.BlockchainInfo.deserializeBinary(bytes).getHeight());
}
