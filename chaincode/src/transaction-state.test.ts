import { peer } from '@hyperledger/fabric-protos';
import type { ChaincodeStub } from 'fabric-shim';
import { TransactionState } from './transaction-state';

/**
 * The batching's bookkeeping over a stand-in stub that records what would reach the peer. What the
 * peer does with the messages is tested on the real network (test/e2e/escrow-batch.test.ts).
 */
interface Sent {
  method: string;
  type: number;
  payload: Uint8Array;
}

function recordingStub(committed: Record<string, string>) {
  const sent: Sent[] = [];
  const singles: string[] = [];
  const stub = {
    getTxID: () => 'tx-1',
    getChannelID: () => 'securepay',
    getState: async (key: string) => {
      singles.push(`getState ${key}`);
      return Buffer.from(committed[key] ?? '');
    },
    getPrivateData: async (collection: string, key: string) => {
      singles.push(`getPrivateData ${collection} ${key}`);
      return Buffer.from(committed[`${collection}/${key}`] ?? '');
    },
    putState: async (key: string, value: Uint8Array) => void singles.push(`putState ${key} ${Buffer.from(value).toString()}`),
    putPrivateData: async (collection: string, key: string) => void singles.push(`putPrivateData ${collection} ${key}`),
    setStateValidationParameter: async (key: string) => void singles.push(`setStateValidationParameter ${key}`),
    setPrivateDataValidationParameter: async (collection: string, key: string) =>
      void singles.push(`setPrivateDataValidationParameter ${collection} ${key}`),
    handler: {
      _askPeerAndListen: async (message: { getType(): number; getPayload_asU8(): Uint8Array }, method: string) => {
        sent.push({ method, type: message.getType(), payload: message.getPayload_asU8() });
        if (method !== 'GetStateMultiple') return Buffer.alloc(0);
        const request = peer.GetStateMultiple.deserializeBinary(message.getPayload_asU8());
        const prefix = request.getCollection() ? `${request.getCollection()}/` : '';
        const answer = new peer.GetStateMultipleResult();
        answer.setValuesList(request.getKeysList().map((key) => Buffer.from(committed[prefix + key] ?? '')));
        return Buffer.from(answer.serializeBinary());
      },
    },
  };
  return { stub: stub as unknown as ChaincodeStub, sent, singles };
}

const text = (value: Uint8Array): string => Buffer.from(value).toString();

describe('a transaction’s state, batched', () => {
  it('keeps the writes until flush, then sends them in one message, a key written twice with its last value', async () => {
    const { stub, sent, singles } = recordingStub({});
    const state = new TransactionState(stub, true);
    await state.put('o-1', Buffer.from('proposed'));
    await state.setValidationParameter('o-1', Buffer.from('policy'));
    await state.put('o-1', Buffer.from('approved'));
    await state.put('t-1', Buffer.from('terms'), 'orderTerms');
    expect(sent).toEqual([]);

    await state.flush();
    expect(singles).toEqual([]);
    expect(sent.map((s) => [s.method, s.type])).toEqual([['WriteBatchState', 24]]);
    const records = peer.WriteBatchState.deserializeBinary(sent[0]!.payload).getRecList();
    expect(
      records.map((r) => [r.getKey(), r.getCollection(), r.getType(), text(r.getValue_asU8()) || text(r.getMetadata()!.getValue_asU8())]),
    ).toEqual([
      ['o-1', '', peer.WriteRecord.Type.PUT_STATE, 'approved'],
      ['o-1', '', peer.WriteRecord.Type.PUT_STATE_METADATA, 'policy'],
      ['t-1', 'orderTerms', peer.WriteRecord.Type.PUT_STATE, 'terms'],
    ]);
    await expect(state.put('late', Buffer.from('x'))).rejects.toThrow(/after the transaction's writes were sent/);
  });

  it('reads a batch’s keys in one message and answers later reads from it, a key never asked twice', async () => {
    const { stub, sent, singles } = recordingStub({ 'o-1': 'one', 'o-2': 'two', 'orderTerms/t-1': 'terms one' });
    const state = new TransactionState(stub, true);
    expect(text(await state.get('o-1'))).toBe('one');
    await state.prefetch(['o-1', 'o-2', 'o-3']);
    await state.prefetch(['t-1', 't-2'], 'orderTerms');
    expect(sent.map((s) => s.method)).toEqual(['GetStateMultiple', 'GetStateMultiple']);
    expect(peer.GetStateMultiple.deserializeBinary(sent[0]!.payload).getKeysList()).toEqual(['o-2', 'o-3']);

    expect([text(await state.get('o-2')), text(await state.get('o-3')), text(await state.get('t-1', 'orderTerms'))]).toEqual([
      'two',
      '',
      'terms one',
    ]);
    expect(await state.get('t-2', 'orderTerms')).toHaveLength(0);
    expect(singles).toEqual(['getState o-1']);
    await state.flush();
    expect(sent).toHaveLength(2);
  });
});

describe('a transaction’s state, unbatched (SECUREPAY_STATE_BATCHING=off)', () => {
  it('sends each write as its own message at once, and reads one key at a time', async () => {
    const { stub, sent, singles } = recordingStub({ 'o-1': 'one' });
    const state = new TransactionState(stub, false);
    await state.prefetch(['o-1', 'o-2']);
    expect(text(await state.get('o-1'))).toBe('one');
    await state.put('o-1', Buffer.from('approved'));
    await state.setValidationParameter('t-1', Buffer.from('policy'), 'orderTerms');
    await state.flush();
    expect(sent).toEqual([]);
    expect(singles).toEqual(['getState o-1', 'putState o-1 approved', 'setPrivateDataValidationParameter orderTerms t-1']);
  });
});
