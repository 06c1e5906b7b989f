import path from 'node:path';
import {
  systemAccount,
  initCluster,
  canLogIn,
  ownerRole,
  postgresBinDir,
  postgresCommand,
  provisionRoles,
  type ClusterSpec,
  type ClusterUser,
} from '@securepay/ledger';
import { theOrg } from './config';
import type { Layout } from './layout';
import { log } from './log';
import { orgUser } from './org-users';
import { networkParties, ownerLogin, partyCredentials, superuserLogin } from './party-credentials';
import type { ProcessTable } from './processes';
import { waitReady } from './readiness';

export const ledgerDbProcessName = 'ledger-db';

/**
 * Where the cluster lives and whom it runs as: in the central bank's folder, as the central bank's
 * account. PostgreSQL will not run as root, so as root without org accounts it runs as Debian's
 * `postgres` account, its files outside the org folders (which that account cannot enter), and says
 * so; not as root, as the current user.
 */
function placement(layout: Layout): { home: string; user?: ClusterUser } {
  const centralBank = theOrg(layout.network, 'centralBank');
  const account = orgUser(centralBank);
  if (account) return { home: path.join(layout.orgHome(centralBank), 'ledger-db'), user: account };
  if (process.getuid?.() !== 0) return { home: path.join(layout.orgHome(centralBank), 'ledger-db') };
  const postgres = systemAccount('postgres');
  if (!postgres)
    throw new Error('the ledger database cannot run as root: turn org accounts on (SECUREPAY_ORG_USERS) or install postgresql');
  const home = path.join(layout.runtimeDir, 'ledger-db');
  log.warn({ home }, "no org accounts: the ledger database runs as Debian's postgres account, outside the central bank's folder");
  return { home, user: postgres };
}

/**
 * The CBDC ledger's own PostgreSQL cluster, the central bank's: made on first start (initdb), then
 * started if it is not running, ready once the superuser can log in, and its roles brought in line
 * with the credentials files (provisionCredentials first). A second call changes nothing.
 */
export async function startLedgerDatabase(layout: Layout, processes: ProcessTable): Promise<void> {
  const { ledgerDb } = layout.network.services;
  const superuser = superuserLogin(layout);
  const { home, user } = placement(layout);
  const spec: ClusterSpec = { home, host: ledgerDb.host, port: ledgerDb.port, superuserPassword: superuser.password, user };
  if (!processes.isRunning(ledgerDbProcessName)) {
    const binDir = postgresBinDir();
    initCluster(spec, binDir);
    const { command, args } = postgresCommand(spec, binDir);
    const record = processes.start({
      name: ledgerDbProcessName,
      command,
      args,
      env: { PATH: process.env.PATH, LANG: 'C.UTF-8' },
      log: layout.logFile(ledgerDbProcessName),
      marker: spec.home,
      user,
      stopSignal: 'SIGINT',
    });
    await waitReady(record, () => canLogIn(superuser));
  }
  const parties = networkParties(layout.network).map((party) => ({
    party,
    password: partyCredentials(layout, party, {}).database.password,
  }));
  await provisionRoles(superuser, { role: ownerRole, password: ownerLogin(layout).password }, parties);
}
