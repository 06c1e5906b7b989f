import type { Gateway } from '@hyperledger/fabric-gateway';
import { signers } from '@hyperledger/fabric-gateway';
import { common, gateway as gatewayProtos, ledger, msp, peer } from '@hyperledger/fabric-protos';
import { Timestamp } from 'google-protobuf/google/protobuf/timestamp_pb';
import { createHash, createPrivateKey, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Layout, SigningIdentity } from '@securepay/network';

const sha256 = (...parts: Uint8Array[]): Buffer => {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest();
};

/** Fabric takes only low-S ECDSA signatures; the gateway's own signer normalises them. */
const signDigest = (identity: SigningIdentity, digest: Uint8Array): Promise<Uint8Array> =>
  signers.newPrivateKeySigner(createPrivateKey(identity.privateKeyPem))(digest);

const serialized = (identity: SigningIdentity): Uint8Array => {
  const id = new msp.SerializedIdentity();
  id.setMspid(identity.mspId);
  id.setIdBytes(Buffer.from(identity.certificatePem));
  return id.serializeBinary();
};

/** An org's peer's own signing identity: what a member who runs that peer holds. */
export function peerSigningIdentity(layout: Layout, mspId: string): SigningIdentity {
  const org = layout.network.orgs.find((o) => o.mspId === mspId)!;
  const mspDir = path.join(layout.peerDir(org), 'msp');
  const one = (dir: string): string => readFileSync(path.join(mspDir, dir, readdirSync(path.join(mspDir, dir))[0]!), 'utf8');
  return { mspId, certificatePem: one('signcerts'), privateKeyPem: one('keystore') };
}

/** Private writes as a transaction carries them: per collection, each key's and value's hash. */
function hashedWrites(writes: NonNullable<Forgery['privateWrites']>): ledger.rwset.CollectionHashedReadWriteSet[] {
  const collections = [...new Set(writes.map((w) => w.collection))];
  return collections.map((collection) => {
    const hashed = new ledger.rwset.kvrwset.HashedRWSet();
    hashed.setHashedWritesList(
      writes
        .filter((w) => w.collection === collection)
        .map(({ key, value }) => {
          const write = new ledger.rwset.kvrwset.KVWriteHash();
          write.setKeyHash(sha256(Buffer.from(key)));
          write.setValueHash(sha256(value));
          return write;
        }),
    );
    const set = new ledger.rwset.CollectionHashedReadWriteSet();
    set.setCollectionName(collection);
    set.setHashedRwset(hashed.serializeBinary());
    set.setPvtRwsetHash(sha256(hashed.serializeBinary()));
    return set;
  });
}

/** What colluding members put in a transaction they build by hand instead of having the contract run. */
export interface Forgery {
  channel: string;
  chaincode: string;
  /** The client identity that signs and submits the transaction (one of the colluders' own). */
  creator: SigningIdentity;
  /** The peer identities whose endorsements go in: the colluders' own peers, signing what they like. */
  endorsers: SigningIdentity[];
  /** Public writes in the chaincode's namespace; `value: null` deletes. */
  writes: { key: string; value: Buffer | null }[];
  /**
   * Private writes: only their hashes go into the transaction, as for any private write; the values
   * themselves are never disseminated, so the colluders' own peers would be the only ones to hold them.
   */
  privateWrites?: { collection: string; key: string; value: Buffer }[];
  /** A chaincode event, as the contract would emit one: what followers of the chain react to. */
  event?: { name: string; payload: (txId: string) => Buffer };
}

/**
 * Builds, endorses and submits a transaction whose results no contract computed: the attack of
 * members who run modified chaincode (or none) on their own peers and sign whatever write set suits
 * them. Endorsing needs only their own peers' keys; the committing peers then judge it against the
 * chaincode's and the keys' endorsement policies. Returns how the channel judged it.
 */
export async function submitForgery(gateway: Gateway, forgery: Forgery): Promise<{ txId: string; blockNumber: bigint; code: number }> {
  const creator = serialized(forgery.creator);
  const nonce = randomBytes(24);
  const txId = sha256(nonce, creator).toString('hex');

  const chaincodeId = new peer.ChaincodeID();
  chaincodeId.setName(forgery.chaincode);
  const extension = new peer.ChaincodeHeaderExtension();
  extension.setChaincodeId(chaincodeId);
  const channelHeader = new common.ChannelHeader();
  channelHeader.setType(common.HeaderType.ENDORSER_TRANSACTION);
  channelHeader.setChannelId(forgery.channel);
  channelHeader.setTxId(txId);
  const now = Date.now();
  const timestamp = new Timestamp();
  timestamp.setSeconds(Math.floor(now / 1000));
  timestamp.setNanos((now % 1000) * 1e6);
  channelHeader.setTimestamp(timestamp);
  channelHeader.setExtension$(extension.serializeBinary());
  const signatureHeader = new common.SignatureHeader();
  signatureHeader.setCreator(creator);
  signatureHeader.setNonce(nonce);
  const channelHeaderBytes = channelHeader.serializeBinary();
  const signatureHeaderBytes = signatureHeader.serializeBinary();

  const input = new peer.ChaincodeInput();
  input.setArgsList([Buffer.from('escrow:Forged')]);
  const spec = new peer.ChaincodeSpec();
  spec.setChaincodeId(chaincodeId);
  spec.setInput(input);
  const invocation = new peer.ChaincodeInvocationSpec();
  invocation.setChaincodeSpec(spec);
  const proposalPayload = new peer.ChaincodeProposalPayload();
  proposalPayload.setInput(invocation.serializeBinary());
  const proposalPayloadBytes = proposalPayload.serializeBinary();

  const kvWrites = forgery.writes.map(({ key, value }) => {
    const write = new ledger.rwset.kvrwset.KVWrite();
    write.setKey(key);
    if (value === null) write.setIsDelete(true);
    else write.setValue(value);
    return write;
  });
  const kv = new ledger.rwset.kvrwset.KVRWSet();
  kv.setWritesList(kvWrites);
  const namespace = new ledger.rwset.NsReadWriteSet();
  namespace.setNamespace(forgery.chaincode);
  namespace.setRwset(kv.serializeBinary());
  namespace.setCollectionHashedRwsetList(hashedWrites(forgery.privateWrites ?? []));
  const rwset = new ledger.rwset.TxReadWriteSet();
  rwset.setDataModel(ledger.rwset.TxReadWriteSet.DataModel.KV);
  rwset.setNsRwsetList([namespace]);
  const response = new peer.Response();
  response.setStatus(200);
  // The committing peers want a version here, any version: they validate against the current definition.
  const actionChaincodeId = new peer.ChaincodeID();
  actionChaincodeId.setName(forgery.chaincode);
  actionChaincodeId.setVersion('forged');
  const action = new peer.ChaincodeAction();
  action.setResults(rwset.serializeBinary());
  action.setResponse(response);
  action.setChaincodeId(actionChaincodeId);
  if (forgery.event) {
    const event = new peer.ChaincodeEvent();
    event.setChaincodeId(forgery.chaincode);
    event.setTxId(txId);
    event.setEventName(forgery.event.name);
    event.setPayload(forgery.event.payload(txId));
    action.setEvents(event.serializeBinary());
  }
  const responsePayload = new peer.ProposalResponsePayload();
  responsePayload.setProposalHash(sha256(channelHeaderBytes, signatureHeaderBytes, proposalPayloadBytes));
  responsePayload.setExtension$(action.serializeBinary());
  const responsePayloadBytes = responsePayload.serializeBinary();

  const endorsements = await Promise.all(
    forgery.endorsers.map(async (endorser) => {
      const endorsement = new peer.Endorsement();
      const endorserBytes = serialized(endorser);
      endorsement.setEndorser(endorserBytes);
      endorsement.setSignature(await signDigest(endorser, sha256(responsePayloadBytes, endorserBytes)));
      return endorsement;
    }),
  );
  const endorsed = new peer.ChaincodeEndorsedAction();
  endorsed.setProposalResponsePayload(responsePayloadBytes);
  endorsed.setEndorsementsList(endorsements);
  const actionPayload = new peer.ChaincodeActionPayload();
  actionPayload.setChaincodeProposalPayload(proposalPayloadBytes);
  actionPayload.setAction(endorsed);
  const transactionAction = new peer.TransactionAction();
  transactionAction.setHeader(signatureHeaderBytes);
  transactionAction.setPayload(actionPayload.serializeBinary());
  const transaction = new peer.Transaction();
  transaction.setActionsList([transactionAction]);

  const header = new common.Header();
  header.setChannelHeader(channelHeaderBytes);
  header.setSignatureHeader(signatureHeaderBytes);
  const payload = new common.Payload();
  payload.setHeader(header);
  payload.setData(transaction.serializeBinary());
  const envelope = new common.Envelope();
  envelope.setPayload(payload.serializeBinary());
  const prepared = new gatewayProtos.PreparedTransaction();
  prepared.setTransactionId(txId);
  prepared.setEnvelope(envelope);

  const signature = await signDigest(forgery.creator, sha256(envelope.getPayload_asU8()));
  const submitted = await gateway.newSignedTransaction(prepared.serializeBinary(), signature).submit();
  const status = await submitted.getStatus();
  return { txId, blockNumber: status.blockNumber, code: status.code };
}
