import type { ChaincodeStub } from 'fabric-shim';
import { readMultiple, sendWriteBatch, type WriteRecord } from './peer-batch-messages';

/** Fabric's metadata key for a key-level endorsement policy (what `setStateValidationParameter` writes). */
const validationParameterKey = 'VALIDATION_PARAMETER';

/**
 * World state and private data as one transaction sees them, with the peer's round trips batched:
 * the transaction's writes are kept and sent together by `flush` (one `WRITE_BATCH_STATE` message),
 * and keys read for a whole batch go in one `GET_STATE_MULTIPLE` (`prefetch`). Nothing changes in
 * what is read or written: a read answers committed state whether or not the transaction wrote the
 * key since (Fabric's simulator never shows a transaction its own writes), so keeping what was read
 * is exact; a key written twice keeps its last value, as the simulator would.
 *
 * `batched: false` sends each read and write as its own message (fabric-shim's way): for peers older
 * than Fabric 3, and to measure what the batching saves (`SECUREPAY_STATE_BATCHING=off`).
 */
export class TransactionState {
  private readonly read = new Map<string, Uint8Array>();
  private readonly writes = new Map<string, WriteRecord>();
  private flushed = false;

  constructor(
    private readonly stub: ChaincodeStub,
    private readonly batched: boolean,
  ) {}

  async get(key: string, collection = ''): Promise<Uint8Array> {
    const id = recordId(collection, key);
    const known = this.read.get(id);
    if (known) return known;
    const value = collection === '' ? await this.stub.getState(key) : await this.stub.getPrivateData(collection, key);
    this.read.set(id, value);
    return value;
  }

  /** Reads the keys not read yet, all in one message, so that the `get`s that follow cost no round trip. */
  async prefetch(keys: readonly string[], collection = ''): Promise<void> {
    const missing = [...new Set(keys)].filter((key) => !this.read.has(recordId(collection, key)));
    if (!this.batched || missing.length < 2) return;
    const values = await readMultiple(this.stub, collection, missing);
    missing.forEach((key, i) => this.read.set(recordId(collection, key), values[i]!));
  }

  async put(key: string, value: Uint8Array, collection = ''): Promise<void> {
    await this.write({ kind: 'put', collection, key, value });
  }

  /** The key-level (state-based) endorsement policy of a key. */
  async setValidationParameter(key: string, policy: Uint8Array, collection = ''): Promise<void> {
    await this.write({ kind: 'metadata', collection, key, metakey: validationParameterKey, value: policy });
  }

  /** Sends the writes kept so far. Called once, as the transaction ends; a write after it is a bug. */
  async flush(): Promise<void> {
    this.flushed = true;
    if (this.writes.size === 0) return;
    const records = [...this.writes.values()];
    this.writes.clear();
    await sendWriteBatch(this.stub, records);
  }

  private async write(record: WriteRecord): Promise<void> {
    if (this.flushed) throw new Error(`a write to ${record.key} after the transaction's writes were sent`);
    if (this.batched) {
      this.writes.set(`${record.kind}\u0000${recordId(record.collection, record.key)}`, record);
      return;
    }
    const { stub } = this;
    if (record.kind === 'put')
      await (record.collection === ''
        ? stub.putState(record.key, record.value)
        : stub.putPrivateData(record.collection, record.key, record.value));
    else if (record.collection === '') await stub.setStateValidationParameter(record.key, record.value);
    else await stub.setPrivateDataValidationParameter(record.collection, record.key, record.value);
  }
}

const recordId = (collection: string, key: string): string => `${collection}\u0000${key}`;

/** One state per transaction: every store a transaction makes shares it, so all its writes go in one batch. */
const states = new WeakMap<ChaincodeStub, TransactionState>();

/** `SECUREPAY_STATE_BATCHING=off` turns the batched messages off (read once: a server runs one way for its whole life). */
const batching = process.env.SECUREPAY_STATE_BATCHING !== 'off';

export function transactionState(stub: ChaincodeStub): TransactionState {
  let state = states.get(stub);
  if (!state) {
    state = new TransactionState(stub, batching);
    states.set(stub, state);
  }
  return state;
}
