import { maxAmount, parseAmount } from './amount';
import { disputePayouts } from './payouts';
import { settlementSplit } from './terms';
import { terms } from './test-fixtures';

const both = { buyer: true, courier: true };

describe('disputePayouts', () => {
  it('returns the winner its deposit plus half the loser’s, and the platform the other half', () => {
    expect(disputePayouts(1000n, 'courier', both)).toEqual({ courier: 1500n, buyer: 0n, platform: 500n });
    expect(disputePayouts(1000n, 'buyer', both)).toEqual({ buyer: 1500n, courier: 0n, platform: 500n });
  });

  it('gives the odd minor unit of an odd deposit to the platform', () => {
    expect(disputePayouts(101n, 'buyer', both)).toEqual({ buyer: 151n, courier: 0n, platform: 51n });
    expect(disputePayouts(1n, 'courier', both)).toEqual({ courier: 1n, buyer: 0n, platform: 1n });
  });

  it('stays exact at the largest amount a wallet can hold', () => {
    const payouts = disputePayouts(maxAmount, 'courier', both);
    expect(payouts.courier).toBe(maxAmount + maxAmount / 2n);
    expect(payouts.courier + payouts.platform).toBe(2n * maxAmount);
    expect(payouts.platform).toBe(500_000_000_000_000_000n);
  });

  it('returns the only deposit to a winner whose opponent never deposited, and splits nothing', () => {
    expect(disputePayouts(1000n, 'courier', { buyer: false, courier: true })).toEqual({ courier: 1000n, buyer: 0n, platform: 0n });
  });

  it('pays nothing when nobody deposited', () => {
    expect(disputePayouts(1000n, 'buyer', { buyer: false, courier: false })).toEqual({ buyer: 0n, courier: 0n, platform: 0n });
  });

  it.each([1n, 2n, 3n, 999n, 10_001n, maxAmount])('always pays out exactly what was deposited (price %s)', (price) => {
    for (const winner of ['buyer', 'courier'] as const) {
      for (const deposited of [both, { buyer: true, courier: false }, { buyer: false, courier: true }]) {
        if (!deposited[winner] && deposited[winner === 'buyer' ? 'courier' : 'buyer']) continue; // refused by the machine
        const p = disputePayouts(price, winner, deposited);
        const total = (deposited.buyer ? price : 0n) + (deposited.courier ? price : 0n);
        expect(p.buyer + p.courier + p.platform).toBe(total);
      }
    }
  });
});

describe('settlementSplit', () => {
  it('rounds the commission down so the merchant’s share is never short', () => {
    expect(settlementSplit({ ...terms, price: '999', commissionBps: 250 })).toEqual({ merchantAmount: 975n, commissionAmount: 24n });
    expect(settlementSplit({ ...terms, price: '10001', commissionBps: 0 })).toEqual({ merchantAmount: 10001n, commissionAmount: 0n });
    expect(settlementSplit({ ...terms, price: '10001', commissionBps: 10_000 })).toEqual({ merchantAmount: 0n, commissionAmount: 10001n });
  });

  it('is exact for the largest price', () => {
    const split = settlementSplit({ ...terms, price: maxAmount.toString(), commissionBps: 1 });
    expect(split.merchantAmount + split.commissionAmount).toBe(maxAmount);
    expect(split.commissionAmount).toBe(maxAmount / 10_000n);
  });
});

describe('parseAmount', () => {
  it.each([
    ['12', 12n],
    ['0', 0n],
    [maxAmount.toString(), maxAmount],
  ])('reads %s', (text, value) => {
    expect(parseAmount(text, 'price')).toBe(value);
  });
  it.each([[12], ['-1'], ['1.5'], ['1e3'], ['012'], [''], [(maxAmount + 1n).toString()], [null]])('refuses %p', (value) => {
    expect(() => parseAmount(value, 'price')).toThrow(/price must be a string of digits/);
  });
});
