import { CbdcLedger, LedgerError, loginPool, migrate, type AccountKind } from '@securepay/ledger';
import type { Layout } from './layout';
import { log } from './log';
import { findParty, networkParties, ownerLogin, partyCredentials } from './party-credentials';

/**
 * The migration step (`npm run ledger:migrate`), with the database owner's credentials from the
 * central bank's folder — the only thing that uses them: creates the ledger database, applies the
 * migrations and records the network's parties. Then, as the central bank, opens the accounts the
 * services expect: each bank's `bank-<MSP>` and `reserve-<MSP>`, and the platform's fee wallet
 * (`platform-fees`, its owner credential the platform's `walletSecret`). Run after `network:up`.
 */
export async function migrateLedger(layout: Layout, database?: string): Promise<void> {
  const { network } = layout;
  const applied = await migrate(ownerLogin(layout), networkParties(network), database);
  log.info({ applied, database: database ?? network.services.ledgerDb.database }, 'ledger migrated');
  const centralBank = findParty(network, { kind: 'centralBank' });
  const platform = partyCredentials(layout, findParty(network, { kind: 'platform' }), {});
  const pool = loginPool(partyCredentials(layout, centralBank, {}).database, { database, max: 1 });
  const ledger = new CbdcLedger(pool);
  const open = async (id: string, kind: AccountKind, bank: string, ownerSecret?: string): Promise<void> => {
    await ledger.openAccount(`open.${id}`, { id, kind, bank, ownerSecret }).catch((error: unknown) => {
      if (!(error instanceof LedgerError && error.code === 'ALREADY_EXISTS')) throw error;
    });
  };
  try {
    for (const bank of network.orgs.filter((o) => o.kind === 'bank')) {
      await open(`bank-${bank.mspId}`, 'bank', bank.mspId);
      await open(`reserve-${bank.mspId}`, 'reserve', bank.mspId);
    }
    await open(platformWallet, 'platform', platform.mspId, platform.walletSecret);
  } finally {
    await pool.end();
  }
}

/** Where the platform's commissions go: the API and the bridges agree on it. */
export const platformWallet = 'platform-fees';
