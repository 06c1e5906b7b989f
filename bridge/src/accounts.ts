import type { BankAccounts } from './bank-duties';

/** The accounts a bank runs on the CBDC ledger, named after its MSP id. */
export function bankAccounts(bank: string): BankAccounts & { bankAccount: string } {
  return { bank, bankAccount: `bank-${bank}`, platformWallet: process.env.PLATFORM_WALLET ?? 'platform-fees' };
}
