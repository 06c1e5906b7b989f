import { createRequire } from 'node:module';
import { BinaryReader, BinaryWriter } from 'google-protobuf';
import type { ChaincodeStub } from 'fabric-shim';

/**
 * The two chaincode messages Fabric 3 peers accept and fabric-shim 2.5.8 does not send (its issue
 * #453; PR #527): `WRITE_BATCH_STATE`, every write of a transaction in one message, and
 * `GET_STATE_MULTIPLE`, many keys read in one. The shim sends every `putState`/`getState` as its own
 * message and waits for the answer before the next, so a batch of 200 orders costs each endorser
 * some 600 round trips; with these, a handful.
 *
 * The shim has no API for them, so they go through its message handler (`stub.handler`), the way its
 * own calls do: the handler queues messages per transaction and matches each answer to its request.
 * The envelope is built with the shim's own protobuf class, because the shim's stream serialises
 * nothing else. The payloads are written field by field (peer/chaincode_shim.proto of Fabric 3.1):
 * the generated classes that define them (@hyperledger/fabric-protos 0.3) cannot be loaded beside
 * the shim's (0.2), as both register their messages in one global protobuf namespace and the one
 * loaded first wins (`ChaincodeMessage.Type.WRITE_BATCH_STATE` is then undefined).
 */

/** `ChaincodeMessage.Type` numbers of the two messages. */
const writeBatchState = 24;
const getStateMultiple = 25;
/** `WriteRecord.Type` numbers: the same as the single messages'. */
const putStateRecord = 9;
const putStateMetadataRecord = 21;

/**
 * Records per message: the peers' default `maxSizeWriteBatch` and `maxSizeGetMultipleKeys` (1000),
 * halved, since the shim does not pass on what the peer announced.
 */
export const maxRecordsPerMessage = 500;

interface ShimChaincodeMessage {
  setType(type: number): void;
  setPayload(payload: Uint8Array): void;
  setTxid(txId: string): void;
  setChannelId(channelId: string): void;
}

/** The shim's own protobuf class for the envelope. */
const ShimChaincodeMessage = (
  createRequire(require.resolve('fabric-shim'))('@hyperledger/fabric-protos') as {
    peer: { ChaincodeMessage: new () => ShimChaincodeMessage };
  }
).peer.ChaincodeMessage;

/** The part of fabric-shim's message handler these messages use. */
interface ShimHandler {
  _askPeerAndListen(message: unknown, method: string): Promise<Buffer>;
}

function handlerOf(stub: ChaincodeStub): ShimHandler {
  const handler = (stub as unknown as { handler?: Partial<ShimHandler> }).handler;
  if (typeof handler?._askPeerAndListen !== 'function')
    throw new Error('fabric-shim changed: its stub has no message handler to send batched reads and writes through');
  return handler as ShimHandler;
}

function ask(stub: ChaincodeStub, type: number, payload: Uint8Array, method: string): Promise<Buffer> {
  const message = new ShimChaincodeMessage();
  message.setType(type);
  message.setPayload(payload);
  message.setTxid(stub.getTxID());
  message.setChannelId(stub.getChannelID());
  return handlerOf(stub)._askPeerAndListen(message, method);
}

/** One write of a batch: a value (or, for `metadata`, a key-level endorsement policy) for a key of world state or of a collection. */
export type WriteRecord =
  | { kind: 'put'; collection: string; key: string; value: Uint8Array }
  | { kind: 'metadata'; collection: string; key: string; metakey: string; value: Uint8Array };

/** Sends the writes in as few messages as the size limit allows; each answer is awaited, so a refused write fails the transaction. */
export async function sendWriteBatch(stub: ChaincodeStub, records: readonly WriteRecord[]): Promise<void> {
  for (let start = 0; start < records.length; start += maxRecordsPerMessage)
    await ask(stub, writeBatchState, encodeWriteBatch(records.slice(start, start + maxRecordsPerMessage)), 'WriteBatchState');
}

/** `WriteBatchState { repeated WriteRecord rec = 1 }`; `WriteRecord { key = 1, value = 2, collection = 3, metadata = 4, type = 5 }`. */
export function encodeWriteBatch(records: readonly WriteRecord[]): Uint8Array {
  const writer = new BinaryWriter();
  for (const record of records) {
    writer.writeMessage(1, record, (r: WriteRecord, w: BinaryWriter) => {
      w.writeString(1, r.key);
      if (r.kind === 'put') w.writeBytes(2, r.value);
      w.writeString(3, r.collection);
      if (r.kind === 'metadata')
        // StateMetadata { metakey = 1, value = 2 }
        w.writeMessage(4, r, (m: typeof r, mw: BinaryWriter) => {
          mw.writeString(1, m.metakey);
          mw.writeBytes(2, m.value);
        });
      w.writeEnum(5, r.kind === 'put' ? putStateRecord : putStateMetadataRecord);
    });
  }
  return writer.getResultBuffer();
}

/**
 * The values of `keys` (of world state when `collection` is empty), in their order; an empty array
 * for a key that has no value, as `getState` answers.
 */
export async function readMultiple(stub: ChaincodeStub, collection: string, keys: readonly string[]): Promise<Uint8Array[]> {
  const values: Uint8Array[] = [];
  for (let start = 0; start < keys.length; start += maxRecordsPerMessage) {
    const chunk = keys.slice(start, start + maxRecordsPerMessage);
    const chunkValues = decodeValues(await ask(stub, getStateMultiple, encodeGetMultiple(collection, chunk), 'GetStateMultiple'));
    if (chunkValues.length !== chunk.length)
      throw new Error(`the peer answered ${chunkValues.length} values for ${chunk.length} keys read in one message`);
    values.push(...chunkValues);
  }
  return values;
}

/** `GetStateMultiple { repeated string keys = 1, string collection = 2 }`. */
export function encodeGetMultiple(collection: string, keys: readonly string[]): Uint8Array {
  const writer = new BinaryWriter();
  writer.writeRepeatedString(1, [...keys]);
  writer.writeString(2, collection);
  return writer.getResultBuffer();
}

/** `GetStateMultipleResult { repeated bytes values = 1 }`. */
export function decodeValues(bytes: Uint8Array): Uint8Array[] {
  const reader = new BinaryReader(bytes);
  const values: Uint8Array[] = [];
  while (reader.nextField() && !reader.isEndGroup()) {
    if (reader.getFieldNumber() === 1) values.push(reader.readBytes());
    else reader.skipField();
  }
  return values;
}
