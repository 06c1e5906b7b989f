import { supersedes } from './listed-order';

const at = (blockNumber: bigint, txIndex: number) => ({ blockNumber, txIndex });

describe('supersedes: which change of an order the listing keeps', () => {
  it('takes the first change of an order it has not seen', () => {
    expect(supersedes(at(5n, 0), undefined)).toBe(true);
  });

  it('keeps what it holds when the same change is read again', () => {
    expect(supersedes(at(5n, 2), at(5n, 2))).toBe(false);
  });

  it('takes a change from a later block, whatever its place in it', () => {
    expect(supersedes(at(6n, 0), at(5n, 9))).toBe(true);
  });

  it('never goes back to a change from an earlier block', () => {
    expect(supersedes(at(4n, 9), at(5n, 0))).toBe(false);
  });

  it('within one block, orders by the transaction’s place', () => {
    expect(supersedes(at(5n, 3), at(5n, 2))).toBe(true);
    expect(supersedes(at(5n, 1), at(5n, 2))).toBe(false);
  });

  it('compares block numbers as numbers past 2^53', () => {
    expect(supersedes(at(2n ** 60n + 1n, 0), at(2n ** 60n, 5))).toBe(true);
  });
});
