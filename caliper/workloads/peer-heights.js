'use strict';

// How far each org's peer has committed, from its block event stream. A step of an order is
// endorsed by the peers of all three orgs, so it may go only once every one of them has the block
// with the previous step; otherwise the lagging peer refuses or endorses differently.
const grpc = require('@grpc/grpc-js');
const { connect, hash, signers } = require('@hyperledger/fabric-gateway');
const { common } = require('@hyperledger/fabric-protos');
const { createPrivateKey } = require('node:crypto');
const { readFileSync } = require('node:fs');

class PeerHeights {
  constructor(peers, channel) {
    this.channel = channel;
    this.heights = new Map();
    this.connections = peers.map((peer) => {
      const client = new grpc.Client(peer.endpoint, grpc.credentials.createSsl(readFileSync(peer.tlsRootCertPath)), {
        'grpc.ssl_target_name_override': peer.hostAlias,
      });
      const gateway = connect({
        client,
        identity: { mspId: peer.mspId, credentials: readFileSync(peer.certPath) },
        signer: signers.newPrivateKeySigner(createPrivateKey(readFileSync(peer.keyPath))),
        hash: hash.sha256,
      });
      return { peer, client, gateway };
    });
  }

  async start() {
    for (const { peer, gateway } of this.connections) {
      const network = gateway.getNetwork(this.channel);
      const info = common.BlockchainInfo.deserializeBinary(
        await network.getContract('qscc').evaluateTransaction('GetChainInfo', this.channel),
      );
      this.heights.set(peer.mspId, BigInt(info.getHeight()));
      const events = await network.getBlockEvents({ startBlock: BigInt(info.getHeight()) });
      void (async () => {
        try {
          for await (const block of events) this.heights.set(peer.mspId, BigInt(block.getHeader().getNumber()) + 1n);
        } catch {
          // Closed at the round's end.
        }
      })();
      this.closers = [...(this.closers ?? []), () => events.close()];
    }
  }

  /** The highest height any peer has reached: what a step just committed is certainly within. */
  highest() {
    return [...this.heights.values()].reduce((a, b) => (a > b ? a : b), 0n);
  }

  /** Whether every peer has reached `height`. */
  allAt(height) {
    for (const h of this.heights.values()) if (h < height) return false;
    return true;
  }

  close() {
    for (const close of this.closers ?? []) close();
    for (const { gateway, client } of this.connections) {
      gateway.close();
      client.close();
    }
  }
}

module.exports = { PeerHeights };
