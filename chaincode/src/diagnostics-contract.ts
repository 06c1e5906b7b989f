import { Context, Contract, Info, Returns, Transaction } from 'fabric-contract-api';
import { canonicalJson } from './canonical-json';
import { termsCollection } from './order-store';

const probeIdPattern = /^[A-Za-z0-9_-]{1,64}$/;

export interface ProbeRecord {
  probeId: string;
  mspId: string;
  role: string | null;
  txId: string;
}

/**
 * Transactions that prove the pipeline end to end (identity attributes, public and private writes,
 * events) and measure the network's ceiling (`Noop`). They touch no order.
 */
@Info({ title: 'DiagnosticsContract', description: 'Pipeline probes and the no-op benchmark transaction' })
export class DiagnosticsContract extends Contract {
  constructor() {
    super('diagnostics');
  }

  /**
   * Records who called (MSP id and `role` certificate attribute), stores the transient `note` in the
   * private collection, and emits `ProbeRecorded`.
   */
  @Transaction()
  @Returns('string')
  async RecordProbe(ctx: Context, probeId: string): Promise<string> {
    if (!probeIdPattern.test(probeId)) throw new Error(`probeId must match ${probeIdPattern}`);
    const key = ctx.stub.createCompositeKey('probe', [probeId]);
    const existing = await ctx.stub.getState(key);
    if (existing.length > 0) throw new Error(`probe ${probeId} already exists`);

    const record: ProbeRecord = {
      probeId,
      mspId: ctx.clientIdentity.getMSPID(),
      role: ctx.clientIdentity.getAttributeValue('role'),
      txId: ctx.stub.getTxID(),
    };
    await ctx.stub.putState(key, Buffer.from(canonicalJson(record)));

    const note = ctx.stub.getTransient().get('note');
    if (note !== undefined && note.length > 0) {
      await ctx.stub.putPrivateData(termsCollection, key, note);
    }
    ctx.stub.setEvent('ProbeRecorded', Buffer.from(canonicalJson({ version: 1, ...record })));
    return canonicalJson(record);
  }

  @Transaction(false)
  @Returns('string')
  async ReadProbe(ctx: Context, probeId: string): Promise<string> {
    const value = await ctx.stub.getState(ctx.stub.createCompositeKey('probe', [probeId]));
    if (value.length === 0) throw new Error(`probe ${probeId} does not exist`);
    return Buffer.from(value).toString('utf8');
  }

  /** The private note; only peers of the collection's member orgs hold it. */
  @Transaction(false)
  @Returns('string')
  async ReadProbeNote(ctx: Context, probeId: string): Promise<string> {
    const value = await ctx.stub.getPrivateData(termsCollection, ctx.stub.createCompositeKey('probe', [probeId]));
    if (value.length === 0) throw new Error(`probe ${probeId} has no private note here`);
    return Buffer.from(value).toString('utf8');
  }

  /** Writes nothing and reads nothing: the cost of a transaction through endorsement, ordering and commit. */
  @Transaction()
  async Noop(): Promise<void> {
    // Intentionally empty.
  }
}
