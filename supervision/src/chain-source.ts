import type { Network } from '@hyperledger/fabric-gateway';
import type { common } from '@hyperledger/fabric-protos';
import { chainHeight, committedBlocks, publicTransactions, type PublicTransaction } from '@securepay/network';

/** One committed block as the scan reads it: its number, its data hash and its endorser transactions. */
export interface ScannedBlock {
  number: bigint;
  /** Hex: what a resumed scan checks the block it stopped after against. */
  dataHash: string;
  transactions: PublicTransaction[];
}

/** Where the chain is read from: the central bank's own peer, or plain data in a test. */
export interface ChainSource {
  /** How many blocks the peer has committed. */
  height(): Promise<bigint>;
  /** Blocks `from` to `to` − 1, in order. */
  blocks(from: bigint, to: bigint): AsyncIterable<ScannedBlock>;
}

export const scannedBlock = (block: common.Block): ScannedBlock => ({
  number: BigInt(block.getHeader()?.getNumber() ?? 0),
  dataHash: Buffer.from(block.getHeader()?.getDataHash_asU8() ?? new Uint8Array()).toString('hex'),
  transactions: publicTransactions(block),
});

/**
 * The central bank's own peer through the Fabric Gateway, as a central bank identity. No chaincode
 * runs there, so it is read through what every peer serves: `qscc` for the height, the block event
 * stream for the blocks themselves (one stream per range, not a call per block).
 */
export class PeerChainSource implements ChainSource {
  constructor(private readonly network: Network) {}

  height(): Promise<bigint> {
    return chainHeight(this.network);
  }

  async *blocks(from: bigint, to: bigint): AsyncIterable<ScannedBlock> {
    for await (const block of committedBlocks(this.network, from, to)) yield scannedBlock(block);
  }
}
