import type { Contract, Gateway, Proposal } from '@hyperledger/fabric-gateway';
import { signers } from '@hyperledger/fabric-gateway';
import { common, gateway as gatewayProtos, peer } from '@hyperledger/fabric-protos';
import { Timestamp } from 'google-protobuf/google/protobuf/timestamp_pb';
import { createHash, createPrivateKey } from 'node:crypto';
import type { SigningIdentity } from '@securepay/network';

/**
 * A proposal exactly as the gateway's client builds it, but dated `datedAtMs` instead of now: what a
 * member does to have a deadline judged at a time of its choosing. The transaction id does not depend
 * on the timestamp, so only the channel header changes; the submitter signs the result with its own key.
 */
export async function datedProposal(
  gateway: Gateway,
  contract: Contract,
  signer: SigningIdentity,
  name: string,
  options: { arguments: string[]; endorsingOrganizations: string[]; datedAtMs: number },
): Promise<Proposal> {
  const honest = contract.newProposal(name, { arguments: options.arguments, endorsingOrganizations: options.endorsingOrganizations });
  const proposed = gatewayProtos.ProposedTransaction.deserializeBinary(honest.getBytes());
  const signed = proposed.getProposal()!;
  const proposal = peer.Proposal.deserializeBinary(signed.getProposalBytes_asU8());
  const header = common.Header.deserializeBinary(proposal.getHeader_asU8());
  const channelHeader = common.ChannelHeader.deserializeBinary(header.getChannelHeader_asU8());
  const timestamp = new Timestamp();
  timestamp.setSeconds(Math.floor(options.datedAtMs / 1000));
  timestamp.setNanos((options.datedAtMs % 1000) * 1e6);
  channelHeader.setTimestamp(timestamp);
  header.setChannelHeader(channelHeader.serializeBinary());
  proposal.setHeader(header.serializeBinary());
  signed.setProposalBytes(proposal.serializeBinary());
  signed.setSignature(new Uint8Array());
  const bytes = proposed.serializeBinary();
  const digest = createHash('sha256').update(signed.getProposalBytes_asU8()).digest();
  // Fabric takes only low-S ECDSA signatures; the gateway's own signer normalises them.
  const signature = await signers.newPrivateKeySigner(createPrivateKey(signer.privateKeyPem))(digest);
  return gateway.newSignedProposal(bytes, signature);
}
