import { common, msp } from '@hyperledger/fabric-protos';
import { verify } from 'node:crypto';
import { orderSchema, type Order } from '@securepay/client';
import type { PublicTransaction } from '@securepay/network';
import type { ChannelTrust } from './channel-trust';

/** What the chain decided about one order, proven from the block on the agent's own peer. */
export interface ProvenDecision {
  txId: string;
  blockNumber: bigint;
  orderId: string;
  /** The order exactly as the transaction wrote it. */
  order: Order;
  /** The orgs whose peers validly endorsed the transaction. */
  endorsedBy: string[];
}

export type DecisionRefusalCode = 'NOT_FOUND' | 'NOT_VALID' | 'NOT_WRITTEN' | 'NOT_ENDORSED';

/** The transaction does not prove a decision the escrow may act on; nothing moves. */
export class DecisionRefused extends Error {
  constructor(
    readonly code: DecisionRefusalCode,
    message: string,
  ) {
    super(`${code}: ${message}`);
    this.name = 'DecisionRefused';
  }
}

/** The world-state key the contract keeps an order under (a composite key of type `order`). */
export const orderKey = (orderId: string): string => `\u0000order\u0000${orderId}\u0000`;

/**
 * Proves that a committed transaction decided an order's fate, or refuses (`endorsedBy`: the
 * transaction's `validEndorsers`):
 * - the agent's own peer marked it VALID (an MVCC-invalidated or policy-failed transaction proves nothing);
 * - it wrote the order's key in the contract's namespace (what it wrote is the decision, not what an
 *   event or a queued job says);
 * - it carries valid endorsements — signature checked, certificate issued by the org's CA in the
 *   channel config, NodeOU `peer` — from the platform, the order's buyer's bank and its merchant's
 *   bank: the order's own policy. Two orgs that leave one of them out (the platform and one bank writing
 *   a forged order straight into CONFIRMED, say) satisfy the chaincode's policy but prove nothing here.
 *
 * One exception, the order's creation: a new key is validated under the chaincode's policy (the
 * platform and one of the banks), so the gateway often gathers only two endorsements for a
 * `Propose`. A creation is proven with at least two of the order's orgs if it also set the order
 * key's own endorsement policy to exactly those three orgs, as the contract does — from then on every
 * change needs all three. It moves no money; it only tells the agent the order exists on the chain,
 * so its lock is no orphan. A creation without that policy (written by hand) proves nothing.
 */
export function proveDecision(
  tx: PublicTransaction,
  orderId: string,
  options: { chaincode: string; platformMspId: string; endorsedBy: readonly string[] },
): ProvenDecision {
  if (tx.validationCode !== 'VALID') {
    throw new DecisionRefused('NOT_VALID', `transaction ${tx.txId} is ${tx.validationCode} on the central bank's peer`);
  }
  const write = tx.writes.find((w) => w.namespace === options.chaincode && w.key === orderKey(orderId) && !w.isDelete);
  if (!write) throw new DecisionRefused('NOT_WRITTEN', `transaction ${tx.txId} did not write order ${orderId}`);
  const parsed = orderSchema.safeParse(JSON.parse(write.value.toString('utf8')));
  if (!parsed.success || parsed.data.orderId !== orderId) {
    throw new DecisionRefused('NOT_WRITTEN', `transaction ${tx.txId} wrote something under order ${orderId} that is not that order`);
  }
  const order = parsed.data;
  const { endorsedBy } = options;
  const required = [...new Set([options.platformMspId, order.buyer.mspId, order.merchant.mspId])].sort();
  const missing = required.filter((mspId) => !endorsedBy.includes(mspId));
  const creation = isCreation(tx, order) && protectedBy(tx, options.chaincode, orderKey(orderId), required);
  const enough = creation
    ? required.filter((mspId) => endorsedBy.includes(mspId)).length >= Math.min(2, required.length)
    : missing.length === 0;
  if (!enough) {
    throw new DecisionRefused(
      'NOT_ENDORSED',
      `transaction ${tx.txId} was endorsed by ${endorsedBy.join(', ') || 'no valid peer'}; order ${orderId} needs ${required.join(', ')} (missing ${missing.join(', ')})`,
    );
  }
  return { txId: tx.txId, blockNumber: tx.blockNumber, orderId, order, endorsedBy: [...endorsedBy] };
}

/**
 * The order's first transaction: PROPOSED, its history opening with a `propose` and holding only this
 * transaction's steps (the platform may approve in the transaction that carries the proposal).
 */
const isCreation = (tx: PublicTransaction, order: Order): boolean =>
  order.state === 'PROPOSED' && order.history[0]?.action === 'propose' && order.history.every((entry) => entry.txId === tx.txId);

/** Whether the transaction set the key's own endorsement policy to all of `orgs`' peers, nothing less. */
function protectedBy(tx: PublicTransaction, chaincode: string, key: string, orgs: string[]): boolean {
  const parameter = tx.metadataWrites.find((m) => m.namespace === chaincode && m.key === key && m.name === 'VALIDATION_PARAMETER');
  if (!parameter) return false;
  try {
    const envelope = common.SignaturePolicyEnvelope.deserializeBinary(parameter.value);
    const rule = envelope.getRule()?.getNOutOf();
    const peers = envelope.getIdentitiesList().map((principal) => {
      const role = msp.MSPRole.deserializeBinary(principal.getPrincipal_asU8());
      return role.getRole() === msp.MSPRole.MSPRoleType.PEER ? role.getMspIdentifier() : '';
    });
    return rule !== undefined && rule.getN() === orgs.length && [...peers].sort().join() === orgs.join();
  } catch {
    return false;
  }
}

/**
 * The orgs whose peers validly endorsed the transaction: each signature checked over the proposal
 * response, each certificate issued by its org's CA in the channel config and carrying the `peer`
 * NodeOU. Done once per transaction, whatever number of orders it changed.
 */
export function validEndorsers(tx: PublicTransaction, trust: ChannelTrust): string[] {
  return [
    ...new Set(tx.endorsements.filter((e) => trust.isPeerOf(e.mspId, e.certificatePem) && signatureHolds(e)).map((e) => e.mspId)),
  ].sort();
}

function signatureHolds(endorsement: PublicTransaction['endorsements'][number]): boolean {
  try {
    return verify('sha256', endorsement.signedBytes, endorsement.certificatePem, endorsement.signature);
  } catch {
    return false;
  }
}
