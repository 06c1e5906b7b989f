import { peer } from '@hyperledger/fabric-protos';
import { decodeValues, encodeGetMultiple, encodeWriteBatch } from './peer-batch-messages';

/** The payloads checked against Fabric's own generated classes for them (fabric-protos 0.3, chaincode_shim.proto). */
describe('the batched chaincode messages, as Fabric reads them', () => {
  it('writes every put and key-level policy of a batch as WriteBatchState records', () => {
    const policy = Buffer.from([1, 2, 3]);
    const decoded = peer.WriteBatchState.deserializeBinary(
      encodeWriteBatch([
        { kind: 'put', collection: '', key: '\u0000order\u0000o-1\u0000', value: Buffer.from('{"state":"PROPOSED"}') },
        { kind: 'metadata', collection: '', key: '\u0000order\u0000o-1\u0000', metakey: 'VALIDATION_PARAMETER', value: policy },
        { kind: 'put', collection: 'orderTerms', key: '\u0000terms\u0000o-1\u0000', value: Buffer.from('{"price":"100"}') },
        { kind: 'put', collection: '', key: 'empty', value: new Uint8Array() },
      ]),
    );
    expect(
      decoded.getRecList().map((r) => ({
        type: r.getType(),
        key: r.getKey(),
        collection: r.getCollection(),
        value: Buffer.from(r.getValue_asU8()).toString(),
        metakey: r.getMetadata()?.getMetakey(),
        metadata: r.getMetadata() ? [...r.getMetadata()!.getValue_asU8()] : undefined,
      })),
    ).toEqual([
      {
        type: peer.WriteRecord.Type.PUT_STATE,
        key: '\u0000order\u0000o-1\u0000',
        collection: '',
        value: '{"state":"PROPOSED"}',
        metakey: undefined,
        metadata: undefined,
      },
      {
        type: peer.WriteRecord.Type.PUT_STATE_METADATA,
        key: '\u0000order\u0000o-1\u0000',
        collection: '',
        value: '',
        metakey: 'VALIDATION_PARAMETER',
        metadata: [1, 2, 3],
      },
      {
        type: peer.WriteRecord.Type.PUT_STATE,
        key: '\u0000terms\u0000o-1\u0000',
        collection: 'orderTerms',
        value: '{"price":"100"}',
        metakey: undefined,
        metadata: undefined,
      },
      { type: peer.WriteRecord.Type.PUT_STATE, key: 'empty', collection: '', value: '', metakey: undefined, metadata: undefined },
    ]);
  });

  it('asks for many keys of world state or of a collection in one GetStateMultiple', () => {
    const request = peer.GetStateMultiple.deserializeBinary(encodeGetMultiple('orderTerms', ['a', 'b', 'c']));
    expect(request.getKeysList()).toEqual(['a', 'b', 'c']);
    expect(request.getCollection()).toBe('orderTerms');
    expect(peer.GetStateMultiple.deserializeBinary(encodeGetMultiple('', ['x'])).getCollection()).toBe('');
  });

  it('reads the answer in the keys’ order, a missing key as an empty value', () => {
    const answer = new peer.GetStateMultipleResult();
    answer.setValuesList([Buffer.from('first'), new Uint8Array(), Buffer.from('third')]);
    expect(decodeValues(answer.serializeBinary()).map((v) => Buffer.from(v).toString())).toEqual(['first', '', 'third']);
    expect(decodeValues(new peer.GetStateMultipleResult().serializeBinary())).toEqual([]);
  });
});
