import type { Amount } from './amount';

export type DisputeWinner = 'buyer' | 'courier';

export interface DisputePayouts {
  buyer: Amount;
  courier: Amount;
  platform: Amount;
}

/**
 * How the dispute deposits (each equal to the price) are paid out once the platform has named the
 * honest party. The winner gets its deposit back plus half the loser's, rounded down; the platform
 * gets the other half, so an odd deposit's extra minor unit goes to the platform. A party that did
 * not deposit gets nothing and forfeits nothing. The payouts always add up to what was deposited.
 */
export function disputePayouts(price: Amount, winner: DisputeWinner, deposited: { buyer: boolean; courier: boolean }): DisputePayouts {
  const loser: DisputeWinner = winner === 'buyer' ? 'courier' : 'buyer';
  const payouts: DisputePayouts = { buyer: 0n, courier: 0n, platform: 0n };
  if (deposited[winner]) payouts[winner] += price;
  if (deposited[loser]) {
    const toWinner = price / 2n;
    payouts[winner] += toWinner;
    payouts.platform += price - toWinner;
  }
  return payouts;
}
