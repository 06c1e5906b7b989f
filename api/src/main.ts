import { parseArgs } from 'node:util';
import pino from 'pino';
import { Layout, loadNetworkConfig, readConnection, runningProfile } from '@securepay/network';
import { adminDatabaseUrl, migrate } from '@securepay/ledger';
import { loadApiConfig } from './config';
import { startPlatformApi } from './platform-api';

/**
 * The platform API as a process: `npm run api`. Configuration is the environment (see README);
 * SECUREPAY_KEYSTORE_SECRET and API_PLATFORM_TOKEN have no defaults.
 */
async function main(): Promise<void> {
  parseArgs({ options: {} });
  const log = pino({ base: { service: 'api' }, level: process.env.LOG_LEVEL ?? 'info' }, pino.destination(2));
  const config = loadApiConfig();
  await migrate();
  const layout = new Layout(loadNetworkConfig({ profile: process.env.SECUREPAY_PROFILE ?? runningProfile() }));
  const connections = new Map(layout.network.orgs.map((org) => [org.mspId, readConnection(layout, org.mspId)]));
  const api = await startPlatformApi({ config, databaseUrl: adminDatabaseUrl(), connections, log });
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
