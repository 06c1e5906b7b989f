import type { DatabaseLogin } from '@securepay/ledger';
import { findParty, orgAdmin, partyCredentials, readConnection, theOrg, type Layout } from '@securepay/network';
import path from 'node:path';
import { startEscrowAgent, type EscrowAgentOptions, type RunningAgent } from './agent';

/**
 * The escrow agent of a running network: reading the central bank's own peer as the central bank,
 * logged in as the escrow agent (its credentials file, or `database` for a test's throw-away
 * database), its receipt key in the central bank's folder unless `keyDir` says otherwise.
 */
export function startAgentOnNetwork(
  layout: Layout,
  options: Pick<EscrowAgentOptions, 'queueNamespace' | 'startBlock' | 'sweepEveryMs' | 'jobAttempts' | 'retryDelayMs' | 'log'> & {
    database?: DatabaseLogin;
    keyDir?: string;
  },
  env: NodeJS.ProcessEnv = process.env,
): Promise<RunningAgent> {
  const centralBank = theOrg(layout.network, 'centralBank');
  const connection = readConnection(layout, centralBank.mspId);
  const credentials = partyCredentials(layout, findParty(layout.network, { kind: 'escrowAgent' }), env);
  return startEscrowAgent({
    connection,
    identity: orgAdmin(connection),
    database: options.database ?? credentials.database,
    queues: credentials.queues,
    queueNamespace: options.queueNamespace,
    keyDir: options.keyDir ?? path.join(layout.orgHome(centralBank), 'escrow-agent'),
    platformMspId: theOrg(layout.network, 'platform').mspId,
    startBlock: options.startBlock,
    sweepEveryMs: options.sweepEveryMs,
    jobAttempts: options.jobAttempts,
    retryDelayMs: options.retryDelayMs,
    log: options.log,
  });
}
