import type { DatabaseLogin } from '@securepay/ledger';
import { findParty, orgAdmin, partyCredentials, readConnection, theOrg, type Layout } from '@securepay/network';
import type { Logger } from 'pino';
import { openSupervisor, type OpenSupervisor } from './supervision-service';
import { renderSummary } from './summary-text';
import type { SupervisionSummary } from './supervisor';

export interface OnNetworkOptions {
  /** Another database than the central bank's credentials name (a test's throw-away one), with the central bank's login. */
  database?: DatabaseLogin;
  startBlock?: bigint;
  agingBands?: readonly number[];
  log: Logger;
}

/**
 * The supervisor of a running network, as the central bank: its own peer read with its org's
 * identity, its own ledger login (its credentials file, or SECUREPAY_CREDENTIALS). Never the escrow
 * agent's login, nor the owner's.
 */
export function supervisorOnNetwork(layout: Layout, options: OnNetworkOptions, env: NodeJS.ProcessEnv = process.env): OpenSupervisor {
  const centralBank = theOrg(layout.network, 'centralBank');
  const connection = readConnection(layout, centralBank.mspId);
  return openSupervisor({
    connection,
    identity: orgAdmin(connection),
    database: options.database ?? partyCredentials(layout, findParty(layout.network, { kind: 'centralBank' }), env).database,
    startBlock: options.startBlock,
    agingBands: options.agingBands,
    log: options.log,
  });
}

/** The supervision summary once, as data and as text: what the demo prints at its end. */
export async function supervisionSummary(
  layout: Layout,
  options: OnNetworkOptions,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ summary: SupervisionSummary; text: string }> {
  const opened = supervisorOnNetwork(layout, options, env);
  try {
    const summary = await opened.supervisor.summary();
    return { summary, text: renderSummary(summary) };
  } finally {
    await opened.close();
  }
}
