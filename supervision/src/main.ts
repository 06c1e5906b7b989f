import pino from 'pino';
import {
  findParty,
  Layout,
  loadNetworkConfig,
  orgAdmin,
  partyCredentials,
  readConnection,
  runningProfile,
  theOrg,
} from '@securepay/network';
import { loadSupervisionConfig } from './config';
import { startSupervision } from './supervision-service';

/**
 * The central bank's supervision as a process: `npm run supervision`. It reads the chain from the
 * central bank's own peer as the central bank's org identity and logs in to the ledger as the
 * central bank (its credentials file: SECUREPAY_CREDENTIALS, else its own in the central bank's
 * folder). Configuration is the environment (README); SUPERVISION_TOKEN has no default.
 */
async function main(): Promise<void> {
  const log = pino({ base: { service: 'supervision' }, level: process.env.LOG_LEVEL ?? 'info' }, pino.destination(2));
  const config = loadSupervisionConfig();
  const layout = new Layout(loadNetworkConfig({ profile: process.env.SECUREPAY_PROFILE ?? runningProfile() }));
  const centralBank = theOrg(layout.network, 'centralBank');
  const connection = readConnection(layout, centralBank.mspId);
  const running = await startSupervision({
    connection,
    identity: orgAdmin(connection),
    database: partyCredentials(layout, findParty(layout.network, { kind: 'centralBank' })).database,
    startBlock: config.SUPERVISION_START_BLOCK,
    agingBands: config.SUPERVISION_AGING_BANDS,
    host: config.SUPERVISION_HOST,
    port: config.SUPERVISION_PORT,
    token: config.SUPERVISION_TOKEN,
    allowIps: config.SUPERVISION_ALLOW_IPS,
    log,
  });
  process.stdout.write(`central bank supervision: ${running.url}/\n`);
  const stop = (): void => {
    void running.close().then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`supervision failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
