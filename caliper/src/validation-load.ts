import type { PublicTransaction } from '@securepay/network';

/** Fabric's metadata name for a key's own endorsement policy. */
const validationParameter = 'VALIDATION_PARAMETER';
const orderKeyPrefix = '\u0000order\u0000';

/**
 * What every committing peer does to check key-level endorsement policies for some transactions,
 * counted from the blocks themselves. Fabric 3.1 (core/common/validation/statebased,
 * `baseEvaluator.Evaluate`) evaluates the policy of each written key that has one on its own: every
 * endorsement's signature is verified again, over the whole proposal response payload plus the
 * endorser's identity. A transaction of N orders therefore costs N × endorsements signature checks
 * over a payload that itself grows with N — the hashing grows with the square of the batch.
 * Keys without a policy of their own are judged by the chaincode's policy, once per transaction.
 */
export interface ValidationLoad {
  transactions: number;
  /** Order changes the transactions carried (one per order and transaction). */
  orderWrites: number;
  /** Signature checks one committing peer makes for these transactions' endorsement policies. */
  signatureChecks: number;
  /** Bytes one committing peer hashes for those checks. */
  hashedBytes: number;
}

/**
 * The load of the VALID transactions of `chaincode`. A written order key has a policy of its own
 * unless this transaction created it (the contract sets one on every new order, in the same
 * transaction, and the chaincode's policy judges that creation). Private keys are not seen here
 * (blocks carry only their hashes): the contract gives a private key a policy when it first writes
 * it, and rewrites few (the terms are written once), so this misses at most the one check of the
 * chaincode's policy in a transaction whose only unguarded write is private.
 */
export function validationLoad(transactions: readonly PublicTransaction[], chaincode: string): ValidationLoad {
  const load: ValidationLoad = { transactions: 0, orderWrites: 0, signatureChecks: 0, hashedBytes: 0 };
  for (const tx of transactions) {
    if (tx.validationCode !== 'VALID') continue;
    const orderWrites = tx.writes.filter((w) => w.namespace === chaincode && w.key.startsWith(orderKeyPrefix));
    if (orderWrites.length === 0) continue;
    const created = new Set(tx.metadataWrites.filter((m) => m.namespace === chaincode && m.name === validationParameter).map((m) => m.key));
    const policyKeys = orderWrites.filter((w) => !created.has(w.key)).length;
    const unguarded = tx.writes.filter((w) => w.namespace === chaincode).length - policyKeys + created.size;
    // Each key-level policy verifies every endorsement over its signed bytes; the chaincode's policy
    // does so once, if some write has no policy of its own or none had one.
    const evaluations = policyKeys + (unguarded > 0 || policyKeys === 0 ? 1 : 0);
    const signedBytes = tx.endorsements.reduce((sum, e) => sum + e.signedBytes.length, 0);
    load.transactions += 1;
    load.orderWrites += orderWrites.length;
    load.signatureChecks += evaluations * tx.endorsements.length;
    load.hashedBytes += evaluations * signedBytes;
  }
  return load;
}
