'use strict';

// How far each org's peer has committed, and in which block each transaction landed, from the
// peers' filtered block event streams. A step of an order is endorsed by the peers of all three
// orgs, so it may go only once every one of them has the block with the previous step; otherwise
// the lagging peer refuses or endorses differently. Caliper's connector keeps the commit's block
// number to itself, so the block is found by the transaction's id.
const grpc = require('@grpc/grpc-js');
const { connect, hash, signers } = require('@hyperledger/fabric-gateway');
const { common } = require('@hyperledger/fabric-protos');
const { createPrivateKey } = require('node:crypto');
const { readFileSync } = require('node:fs');

/** Transactions remembered; far more than a worker has in flight or waiting for its next step. */
const rememberedTransactions = 100_000;

class PeerHeights {
  constructor(peers, channel) {
    this.channel = channel;
    this.heights = new Map();
    this.blockOf = new Map();
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
      const events = await network.getFilteredBlockEvents({ startBlock: BigInt(info.getHeight()) });
      void (async () => {
        try {
          for await (const block of events) this.committed(peer.mspId, block);
        } catch {
          // Closed at the round's end.
        }
      })();
      this.closers = [...(this.closers ?? []), () => events.close()];
    }
  }

  committed(mspId, block) {
    const number = BigInt(block.getNumber());
    for (const tx of block.getFilteredTransactionsList()) if (!this.blockOf.has(tx.getTxid())) this.blockOf.set(tx.getTxid(), number);
    // Maps iterate in insertion order: the first keys are the oldest transactions.
    for (const txId of this.blockOf.keys()) {
      if (this.blockOf.size <= rememberedTransactions) break;
      this.blockOf.delete(txId);
    }
    this.heights.set(mspId, number + 1n);
  }

  /** The height every peer must reach to hold `txId`, once some peer has reported its block. */
  heightWith(txId) {
    const block = this.blockOf.get(txId);
    return block === undefined ? undefined : block + 1n;
  }

  /** Whether every peer has reached `height`. */
  allAt(height) {
    for (const h of this.heights.values()) if (h < height) return false;
    return true;
  }

  /** Whether every peer has committed the block holding each of these transactions. */
  allHave(txIds) {
    for (const txId of txIds) {
      const height = this.heightWith(txId);
      if (height === undefined || !this.allAt(height)) return false;
    }
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
