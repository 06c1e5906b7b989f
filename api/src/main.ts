import { parseArgs } from 'node:util';
import pino from 'pino';
import { findParty, Layout, loadNetworkConfig, partyCredentials, readConnection, readEndpoints, runningProfile } from '@securepay/network';
import { loadApiConfig } from './config';
import { startPlatformApi } from './platform-api';

/**
 * The platform API as a process: `npm run api`. Configuration is the environment (see README);
 * SECUREPAY_KEYSTORE_SECRET and API_PLATFORM_TOKEN have no defaults. It logs in to the ledger and to
 * Redis as the platform (its credentials file: SECUREPAY_CREDENTIALS, else the platform's own in the
 * network's folder) and runs no migration: `npm run ledger:migrate` does, with the owner's.
 */
async function main(): Promise<void> {
  parseArgs({ options: {} });
  const log = pino({ base: { service: 'api' }, level: process.env.LOG_LEVEL ?? 'info' }, pino.destination(2));
  const config = loadApiConfig();
  const layout = new Layout(loadNetworkConfig({ profile: process.env.SECUREPAY_PROFILE ?? runningProfile() }));
  const platform = findParty(layout.network, { kind: 'platform' });
  const credentials = partyCredentials(layout, platform);
  if (!credentials.walletSecret) throw new Error("the platform's credentials carry no walletSecret for its fee wallet");
  // Its own org's connection; of every other org only what that org publishes.
  const platformConnection = readConnection(layout, platform.mspId);
  const endpoints = new Map(
    layout.network.orgs.filter((org) => org.mspId !== platform.mspId).map((org) => [org.mspId, readEndpoints(layout, org.mspId)]),
  );
  const api = await startPlatformApi({
    config,
    database: credentials.database,
    queues: credentials.queues,
    platformWalletSecret: credentials.walletSecret,
    platformConnection,
    endpoints,
    log,
  });
  const stop = (): void => {
    void api.close().then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`platform API failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
