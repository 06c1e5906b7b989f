import type { Network } from '@hyperledger/fabric-gateway';
import { common, ledger, msp, peer } from '@hyperledger/fabric-protos';

/** What every channel member can read of one transaction: its public writes and its chaincode event. */
export interface PublicTransaction {
  txId: string;
  blockNumber: bigint;
  /** `VALID`, or why the committing peers invalidated it (`MVCC_READ_CONFLICT`, …). */
  validationCode: string;
  timestamp: Date;
  /** The org of the identity that submitted it; the identity itself is not repeated here. */
  creatorMspId: string;
  writes: { namespace: string; key: string; value: Buffer; isDelete: boolean }[];
  /** Key metadata the transaction set, such as a key's own endorsement policy (`VALIDATION_PARAMETER`). */
  metadataWrites: { namespace: string; key: string; name: string; value: Buffer }[];
  events: { chaincodeId: string; name: string; payload: Buffer }[];
  /**
   * Who endorsed each chaincode action, with what they signed: an endorsement's signature covers the
   * proposal response payload followed by the endorser's serialized identity.
   */
  endorsements: { mspId: string; certificatePem: string; signedBytes: Buffer; signature: Buffer }[];
}

/** Blocks `from` to `to` − 1 as the peer behind `network` committed them, read with one block event stream. */
export async function* committedBlocks(network: Network, from: bigint, to: bigint): AsyncIterable<common.Block> {
  if (to <= from) return;
  const events = await network.getBlockEvents({ startBlock: from });
  try {
    for await (const block of events) {
      yield block;
      if (BigInt(block.getHeader()?.getNumber() ?? 0) >= to - 1n) return;
    }
  } finally {
    events.close();
  }
}

/**
 * Unpacks a block down to the public read-write sets and events of its endorser transactions.
 * Private data appears here only as hashes (collection hashed rwsets), which are skipped.
 */
export function publicTransactions(block: common.Block): PublicTransaction[] {
  const blockNumber = BigInt(block.getHeader()?.getNumber() ?? 0);
  const validation = block.getMetadata()?.getMetadataList_asU8()[common.BlockMetadataIndex.TRANSACTIONS_FILTER] ?? new Uint8Array();
  return (block.getData()?.getDataList_asU8() ?? []).flatMap((envelopeBytes, index) => {
    const payload = common.Payload.deserializeBinary(common.Envelope.deserializeBinary(envelopeBytes).getPayload_asU8());
    const channelHeader = common.ChannelHeader.deserializeBinary(payload.getHeader()!.getChannelHeader_asU8());
    if (channelHeader.getType() !== common.HeaderType.ENDORSER_TRANSACTION) return [];
    const signatureHeader = common.SignatureHeader.deserializeBinary(payload.getHeader()!.getSignatureHeader_asU8());
    const seconds = channelHeader.getTimestamp();
    const tx: PublicTransaction = {
      txId: channelHeader.getTxId(),
      blockNumber,
      validationCode: validationCodeName(validation[index] ?? peer.TxValidationCode.NOT_VALIDATED),
      timestamp: new Date((seconds?.getSeconds() ?? 0) * 1000 + Math.floor((seconds?.getNanos() ?? 0) / 1e6)),
      creatorMspId: msp.SerializedIdentity.deserializeBinary(signatureHeader.getCreator_asU8()).getMspid(),
      writes: [],
      metadataWrites: [],
      events: [],
      endorsements: [],
    };
    for (const action of peer.Transaction.deserializeBinary(payload.getData_asU8()).getActionsList()) {
      const actionPayload = peer.ChaincodeActionPayload.deserializeBinary(action.getPayload_asU8());
      const endorsed = actionPayload.getAction()!;
      const responsePayloadBytes = endorsed.getProposalResponsePayload_asU8();
      for (const endorsement of endorsed.getEndorsementsList()) {
        const endorser = msp.SerializedIdentity.deserializeBinary(endorsement.getEndorser_asU8());
        tx.endorsements.push({
          mspId: endorser.getMspid(),
          certificatePem: Buffer.from(endorser.getIdBytes_asU8()).toString('utf8'),
          signedBytes: Buffer.concat([responsePayloadBytes, endorsement.getEndorser_asU8()]),
          signature: Buffer.from(endorsement.getSignature_asU8()),
        });
      }
      const responsePayload = peer.ProposalResponsePayload.deserializeBinary(responsePayloadBytes);
      const chaincodeAction = peer.ChaincodeAction.deserializeBinary(responsePayload.getExtension_asU8());
      const rwset = ledger.rwset.TxReadWriteSet.deserializeBinary(chaincodeAction.getResults_asU8());
      for (const ns of rwset.getNsRwsetList()) {
        const kv = ledger.rwset.kvrwset.KVRWSet.deserializeBinary(ns.getRwset_asU8());
        for (const metadata of kv.getMetadataWritesList()) {
          for (const entry of metadata.getEntriesList()) {
            tx.metadataWrites.push({
              namespace: ns.getNamespace(),
              key: metadata.getKey(),
              name: entry.getName(),
              value: Buffer.from(entry.getValue_asU8()),
            });
          }
        }
        for (const write of kv.getWritesList()) {
          tx.writes.push({
            namespace: ns.getNamespace(),
            key: write.getKey(),
            value: Buffer.from(write.getValue_asU8()),
            isDelete: write.getIsDelete(),
          });
        }
      }
      const eventBytes = chaincodeAction.getEvents_asU8();
      if (eventBytes.length > 0) {
        const event = peer.ChaincodeEvent.deserializeBinary(eventBytes);
        tx.events.push({ chaincodeId: event.getChaincodeId(), name: event.getEventName(), payload: Buffer.from(event.getPayload_asU8()) });
      }
    }
    return [tx];
  });
}

const codeNames = new Map(Object.entries(peer.TxValidationCode).map(([name, code]) => [code, name]));
const validationCodeName = (code: number): string => codeNames.get(code) ?? `CODE_${code}`;
