/**
 * Money is an integer number of minor units, held as bigint and written as a string of digits: JSON
 * numbers lose precision past 2^53, and floats are never money. The bound fits PostgreSQL's BIGINT.
 */
export type Amount = bigint;

export const maxAmount: Amount = 10n ** 18n - 1n;
const digits = /^(0|[1-9][0-9]{0,17})$/;

export function parseAmount(value: unknown, field: string): Amount {
  if (typeof value !== 'string' || !digits.test(value)) {
    throw new Error(`${field} must be a string of digits: an integer number of minor units from 0 to ${maxAmount}`);
  }
  return BigInt(value);
}

export const formatAmount = (amount: Amount): string => amount.toString();
