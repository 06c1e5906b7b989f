import type { OrderChange } from '@securepay/client';
import type { PublicTransaction } from '@securepay/network';
import { projectChange } from './order-projection';

const chaincode = 'securepay';
const orderKey = (orderId: string): string => `\u0000order\u0000${orderId}\u0000`;
const buyer = { mspId: 'BankAMSP', partyId: 'pbuyer' };
const merchant = { mspId: 'BankBMSP', partyId: 'pmerchant' };
const courier = { mspId: 'BankBMSP', partyId: 'pcourier' };

/** An order as the contract writes it, with the fields the client's schema checks. */
function writtenOrder(orderId: string, state: string, withCourier: boolean): object {
  const windows = { approvalMs: 1, deliveryMs: 1, confirmationMs: 1, depositMs: 1, resolutionMs: 1, settlementMs: 1, proofMs: 1 };
  return {
    orderId,
    state,
    buyer,
    merchant,
    ...(withCourier ? { courier } : {}),
    termsHash: 'ab'.repeat(32),
    windows,
    createdAt: 1_700_000_000_000,
    approveBy: 1_700_000_100_000,
    deliverBy: 1_700_000_200_000,
    approvals: {},
    history: [{ at: 1_700_000_000_000, txId: 'tx0', action: 'propose', from: null, to: 'PROPOSED', by: { ...buyer, role: 'buyer' } }],
  };
}

function transaction(writes: PublicTransaction['writes'], validationCode = 'VALID'): PublicTransaction {
  return {
    txId: 'f'.repeat(64),
    blockNumber: 17n,
    validationCode,
    timestamp: new Date(1_700_000_050_000),
    creatorMspId: 'BankBMSP',
    writes,
    metadataWrites: [],
    events: [],
    endorsements: [],
  };
}

const change = (orderId: string): OrderChange => ({
  orderId,
  action: 'ship',
  from: 'ESCROWED',
  to: 'SHIPPED',
  buyerBank: 'BankAMSP',
  merchantBank: 'BankBMSP',
});

const write = (key: string, value: object | string) => ({
  namespace: chaincode,
  key,
  value: Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)),
  isDelete: false,
});

describe('projectChange: an order as one transaction wrote it', () => {
  it('takes the parties, times and position from the transaction, never a name, price or wallet', () => {
    const tx = transaction([write(orderKey('o-1'), writtenOrder('o-1', 'SHIPPED', true))]);
    const projected = projectChange(tx, 3, chaincode, change('o-1'));
    expect(projected).toEqual({
      orderId: 'o-1',
      state: 'SHIPPED',
      buyer,
      merchant,
      courier,
      buyerBank: 'BankAMSP',
      merchantBank: 'BankBMSP',
      createdAt: new Date(1_700_000_000_000),
      updatedAt: new Date(1_700_000_050_000),
      txId: 'f'.repeat(64),
      position: { blockNumber: 17n, txIndex: 3 },
    });
  });

  it('leaves the courier out while the order names none', () => {
    const tx = transaction([write(orderKey('o-1'), writtenOrder('o-1', 'PROPOSED', false))]);
    expect(projectChange(tx, 0, chaincode, change('o-1'))).not.toHaveProperty('courier');
  });

  it('picks the named order out of a batch transaction', () => {
    const tx = transaction([
      write(orderKey('o-1'), writtenOrder('o-1', 'ESCROWED', false)),
      write(orderKey('o-2'), writtenOrder('o-2', 'PROPOSED', false)),
    ]);
    expect(projectChange(tx, 0, chaincode, change('o-2'))?.state).toBe('PROPOSED');
  });

  it.each([
    ['an invalid transaction', transaction([write(orderKey('o-1'), writtenOrder('o-1', 'SHIPPED', true))], 'MVCC_READ_CONFLICT')],
    ['no write of the order', transaction([write(orderKey('o-9'), writtenOrder('o-9', 'SHIPPED', true))])],
    [
      'a write in another namespace',
      transaction([{ ...write(orderKey('o-1'), writtenOrder('o-1', 'SHIPPED', true)), namespace: 'other' }]),
    ],
    ['a write that is no JSON', transaction([write(orderKey('o-1'), '{not json')])],
    ['a write that is no order', transaction([write(orderKey('o-1'), { orderId: 'o-1' })])],
  ])('projects nothing from %s', (_name, tx) => {
    expect(projectChange(tx, 0, chaincode, change('o-1'))).toBeUndefined();
  });
});
