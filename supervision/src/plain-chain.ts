import { createHash, randomBytes } from 'node:crypto';
import { defaultWindows, type Order, type OrderState } from '@securepay/client';
import { orderKey } from '@securepay/escrow-agent';
import type { PublicTransaction } from '@securepay/network';
import type { ChainSource, ScannedBlock } from './chain-source';

/*
 * A chain given as plain data, for the tests: blocks of transactions that write orders as the
 * contract does (its namespace, its composite keys, the order's JSON), read by the same scan that
 * reads the central bank's peer.
 */

export const chaincode = 'securepay';
export const newTxId = (): string => randomBytes(32).toString('hex');
const hour = 3_600_000;

/** One step of an order's history: the transaction that took it to `to`. */
export interface Step {
  txId: string;
  to: OrderState;
  action: string;
  at?: number;
}

/** The order as public state holds it after `steps` (the last step's state), with the deadlines the contract sets. */
export function orderAfter(orderId: string, steps: readonly Step[], banks = { buyer: 'BankAMSP', merchant: 'BankBMSP' }): Order {
  const createdAt = steps[0]?.at ?? Date.now();
  const last = steps[steps.length - 1]!;
  const at = last.at ?? createdAt;
  return {
    orderId,
    state: last.to,
    buyer: { mspId: banks.buyer, partyId: 'p-buyer' },
    merchant: { mspId: banks.merchant, partyId: 'p-merchant' },
    termsHash: 'ab'.repeat(32),
    windows: defaultWindows,
    createdAt,
    approveBy: createdAt + hour,
    deliverBy: createdAt + 14 * 24 * hour,
    confirmBy: at + 3 * 24 * hour,
    settleBy: at + 24 * hour,
    ...(last.to === 'CHALLENGED' ? { proofBy: at + 24 * hour } : {}),
    ...(last.to === 'DISPUTED' ? { dispute: { at, txId: last.txId, depositBy: at + hour, resolveBy: at + 2 * hour, deposits: {} } } : {}),
    approvals: {},
    history: steps.map((s, i) => ({
      at: s.at ?? createdAt + i,
      txId: s.txId,
      action: s.action,
      from: i === 0 ? null : steps[i - 1]!.to,
      to: s.to,
      by: { mspId: 'PlatformMSP', role: 'platform' },
    })),
  };
}

/** A transaction writing these orders (a batch, if more than one). */
export function writing(
  orders: readonly Order[],
  options: { txId?: string; validationCode?: string; blockNumber?: bigint } = {},
): PublicTransaction {
  return {
    txId: options.txId ?? orders[0]?.history[orders[0].history.length - 1]?.txId ?? newTxId(),
    blockNumber: options.blockNumber ?? 0n,
    validationCode: options.validationCode ?? 'VALID',
    timestamp: new Date(),
    creatorMspId: 'PlatformMSP',
    writes: orders.map((order) => ({
      namespace: chaincode,
      key: orderKey(order.orderId),
      value: Buffer.from(JSON.stringify(order)),
      isDelete: false,
    })),
    metadataWrites: [],
    events: [],
    endorsements: [],
  };
}

/** A chain of blocks held in memory; it counts which blocks were asked for. */
export class PlainChain implements ChainSource {
  readonly blocksRead: bigint[] = [];
  private readonly chain: ScannedBlock[] = [];

  /** Appends a block holding these transactions; returns its number. */
  append(...transactions: PublicTransaction[]): bigint {
    const number = BigInt(this.chain.length);
    const txs = transactions.map((tx) => ({ ...tx, blockNumber: number }));
    const dataHash = createHash('sha256')
      .update(`${number}:${txs.map((t) => t.txId).join(',')}:${randomBytes(4).toString('hex')}`)
      .digest('hex');
    this.chain.push({ number, dataHash, transactions: txs });
    return number;
  }

  /** Stands another block in for block `number`, as a chain started afresh would hold. */
  replace(number: bigint, ...transactions: PublicTransaction[]): void {
    const others = new PlainChain();
    others.append(...transactions);
    this.chain[Number(number)] = {
      ...others.chain[0]!,
      number,
      transactions: others.chain[0]!.transactions.map((t) => ({ ...t, blockNumber: number })),
    };
  }

  truncate(height: number): void {
    this.chain.length = height;
  }

  async height(): Promise<bigint> {
    return BigInt(this.chain.length);
  }

  async *blocks(from: bigint, to: bigint): AsyncIterable<ScannedBlock> {
    for (let n = from; n < to && n < BigInt(this.chain.length); n++) {
      this.blocksRead.push(n);
      yield this.chain[Number(n)]!;
    }
  }
}
