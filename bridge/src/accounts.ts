import path from 'node:path';
import type { BankAccounts } from './lifecycle-driver';

/** The bridge's runtime files (ledger keys), git-ignored. */
export const bridgeRuntimeDir = process.env.BRIDGE_RUNTIME_DIR ?? path.resolve(__dirname, '..', '.runtime');

/** The accounts a bank runs on the CBDC ledger, named after its MSP id. */
export function bankAccounts(bank: string): BankAccounts & { bankAccount: string } {
  return {
    bank,
    bankAccount: `bank-${bank}`,
    reserveAccount: `reserve-${bank}`,
    platformWallet: process.env.PLATFORM_WALLET ?? 'platform-fees',
  };
}
