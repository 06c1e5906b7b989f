import type { PublicTransaction } from '@securepay/network';
import { validationLoad } from './validation-load';

const cc = 'securepay';
const orderKey = (id: string): string => `\u0000order\u0000${id}\u0000`;
const endorsement = (bytes: number) => ({
  mspId: 'PlatformMSP',
  certificatePem: '',
  signedBytes: Buffer.alloc(bytes),
  signature: Buffer.alloc(0),
});

/** A transaction writing these orders, endorsed by three peers that each signed `signed` bytes. */
function tx(orderIds: string[], { created = [] as string[], other = 0, signed = 1_000, code = 'VALID' } = {}): PublicTransaction {
  return {
    txId: 't',
    blockNumber: 1n,
    validationCode: code,
    timestamp: new Date(0),
    creatorMspId: 'PlatformMSP',
    writes: [
      ...orderIds.map((id) => ({ namespace: cc, key: orderKey(id), value: Buffer.from('{}'), isDelete: false })),
      ...Array.from({ length: other }, (_, i) => ({
        namespace: cc,
        key: `\u0000nonce\u0000${i}\u0000`,
        value: Buffer.from('1'),
        isDelete: false,
      })),
    ],
    metadataWrites: created.map((id) => ({ namespace: cc, key: orderKey(id), name: 'VALIDATION_PARAMETER', value: Buffer.from('p') })),
    events: [],
    endorsements: [endorsement(signed), endorsement(signed), endorsement(signed)],
  };
}

describe('validationLoad: the key-level policy checks a committing peer makes', () => {
  it('checks every endorsement once per order key with a policy, and the chaincode policy only when a write has none', () => {
    // A batch of 3 existing orders and nothing else: 3 policies × 3 endorsements, no chaincode policy.
    expect(validationLoad([tx(['a', 'b', 'c'])], cc)).toEqual({ transactions: 1, orderWrites: 3, signatureChecks: 9, hashedBytes: 9_000 });
    // With a nonce key (a batch of intents): the chaincode's policy once more.
    expect(validationLoad([tx(['a', 'b'], { other: 2 })], cc).signatureChecks).toBe(9);
    // Orders created here are judged by the chaincode's policy, once for all of them.
    expect(validationLoad([tx(['a', 'b'], { created: ['a', 'b'] })], cc).signatureChecks).toBe(3);
  });

  it('grows with the square of the batch when the signed payload grows with it', () => {
    const batch = (n: number) =>
      tx(
        Array.from({ length: n }, (_, i) => `o-${i}`),
        { signed: 500 + 2_000 * n },
      );
    const perOrder = (n: number) => validationLoad([batch(n)], cc).hashedBytes / n;
    expect(perOrder(100) / perOrder(10)).toBeGreaterThan(9);
  });

  it('counts only valid transactions that write orders', () => {
    expect(validationLoad([tx(['a'], { code: 'MVCC_READ_CONFLICT' }), tx([], { other: 1 })], cc)).toEqual({
      transactions: 0,
      orderWrites: 0,
      signatureChecks: 0,
      hashedBytes: 0,
    });
  });
});
