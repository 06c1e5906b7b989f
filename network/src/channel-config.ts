import type { Network } from '@hyperledger/fabric-gateway';
import { common, msp, orderer } from '@hyperledger/fabric-protos';

/** Who orders the channel and whose signatures make a block valid, as the channel's config says. */
export interface OrderingService {
  consensus: string;
  /** For BFT each consenter's id and org; for Raft the host:port of each consenter (Raft names no org). */
  consenters: { id?: number; mspId?: string; endpoint: string; identityPem?: string }[];
  /**
   * BlockValidation: under BFT a signature policy `n` out of the consenters' own identities; under
   * Raft an implicit-meta rule such as `ANY Writers`.
   */
  blockValidation: { kind: 'signature'; required: number; of: number } | { kind: 'implicit'; rule: string };
}

/** The channel's current config, as the peer behind `network` holds it. */
export async function channelConfig(network: Network): Promise<common.Config> {
  return common.Config.deserializeBinary(await network.getContract('cscc').evaluateTransaction('GetChannelConfig', network.getName()));
}

export function orderingService(config: common.Config): OrderingService {
  const group = config.getChannelGroup()!.getGroupsMap().get('Orderer')!;
  const value = (key: string): Uint8Array => group.getValuesMap().get(key)!.getValue_asU8();
  const type = orderer.ConsensusType.deserializeBinary(value('ConsensusType'));
  const consensus = type.getType();
  const consenters =
    consensus === 'BFT'
      ? common.Orderers.deserializeBinary(value('Orderers'))
          .getConsenterMappingList()
          .map((c) => ({
            id: c.getId(),
            mspId: c.getMspId(),
            endpoint: `${c.getHost()}:${c.getPort()}`,
            identityPem: Buffer.from(c.getIdentity_asU8()).toString('utf8'),
          }))
      : orderer.etcdraft.ConfigMetadata.deserializeBinary(type.getMetadata_asU8())
          .getConsentersList()
          .map((c) => ({ endpoint: `${c.getHost()}:${c.getPort()}` }));
  const policy = group.getPoliciesMap().get('BlockValidation')!.getPolicy()!;
  let blockValidation: OrderingService['blockValidation'];
  if (policy.getType() === common.Policy.PolicyType.SIGNATURE) {
    const envelope = common.SignaturePolicyEnvelope.deserializeBinary(policy.getValue_asU8());
    const rule = envelope.getRule()!.getNOutOf()!;
    blockValidation = { kind: 'signature', required: rule.getN(), of: envelope.getIdentitiesList().length };
  } else {
    const meta = common.ImplicitMetaPolicy.deserializeBinary(policy.getValue_asU8());
    const names = Object.fromEntries(Object.entries(common.ImplicitMetaPolicy.Rule).map(([name, code]) => [code, name]));
    blockValidation = { kind: 'implicit', rule: `${names[meta.getRule()]} ${meta.getSubPolicy()}` };
  }
  return { consensus, consenters, blockValidation };
}

/**
 * Who signed a block: under BFT each orderer signs with its consenter id (the identifier header),
 * under Raft with its identity (the signature header). Returned as `id:<n>` or the signer's MSP id.
 */
export function blockSigners(block: common.Block): string[] {
  const bytes = block.getMetadata()!.getMetadataList_asU8()[common.BlockMetadataIndex.SIGNATURES]!;
  return common.Metadata.deserializeBinary(bytes)
    .getSignaturesList()
    .map((signature) => {
      const identifier = signature.getIdentifierHeader_asU8();
      if (identifier.length > 0) return `id:${common.IdentifierHeader.deserializeBinary(identifier).getIdentifier()}`;
      const header = common.SignatureHeader.deserializeBinary(signature.getSignatureHeader_asU8());
      return msp.SerializedIdentity.deserializeBinary(header.getCreator_asU8()).getMspid();
    });
}
