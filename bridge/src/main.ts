import { parseArgs } from 'node:util';
import pino from 'pino';
import { orgAdmin, readConnection } from '@securepay/network';
import { bankAccounts } from './accounts';
import { bankSetup } from './bank-credentials';
import { batchWindowFromEnv } from './batch-window';
import { startBridge } from './bridge';
import { startCustomerOnboarding, type RunningOnboarding } from './customer-onboarding';
import { BridgeMetrics } from './metrics';
import { parseWindowPolicy } from './window-policy';

/**
 * One bank's bridge as a process: `tsx bridge/src/main.ts --bank BankAMSP`. It logs in to the ledger
 * and to Redis as the bank itself (its credentials file: SECUREPAY_CREDENTIALS, else the bank's own in
 * the network's folder) and runs no migration: `npm run ledger:migrate` does, with the owner's.
 * Environment: PLATFORM_WALLET, BRIDGE_METRICS_PORT, BRIDGE_START_BLOCK (where to start without a
 * checkpoint), BRIDGE_QUEUE_NAMESPACE, BRIDGE_BATCH_WINDOW_MS and BRIDGE_BATCH_MAX (how its steps are
 * batched); BRIDGE_ONBOARDING_PORT and BRIDGE_ONBOARDING_TOKEN (the
 * platform's token) serve the bank's customer onboarding beside it.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({ options: { bank: { type: 'string' } } });
  const bank = values.bank;
  if (!bank) throw new Error('usage: bridge --bank <MSP id>');
  const batchWindow = batchWindowFromEnv(process.env);
  const log = pino({ base: { bank } }, pino.destination(2));
  const { layout, credentials, queueNamespace } = bankSetup(bank);
  const connection = readConnection(layout, bank);
  const metrics = new BridgeMetrics();
  const metricsPort = Number(process.env.BRIDGE_METRICS_PORT ?? 0);
  if (metricsPort > 0) metrics.serve(metricsPort);
  const bridge = await startBridge({
    ...bankAccounts(bank),
    minWindows: parseWindowPolicy(process.env.BRIDGE_MIN_WINDOWS),
    batchWindow,
    connection,
    identity: orgAdmin(connection),
    database: credentials.database,
    queues: credentials.queues,
    queueNamespace,
    startBlock: process.env.BRIDGE_START_BLOCK ? BigInt(process.env.BRIDGE_START_BLOCK) : undefined,
    log,
    metrics,
  });
  let onboarding: RunningOnboarding | undefined;
  if (process.env.BRIDGE_ONBOARDING_PORT) {
    const platformToken = process.env.BRIDGE_ONBOARDING_TOKEN ?? '';
    if (platformToken.length < 32)
      throw new Error('BRIDGE_ONBOARDING_TOKEN (the platform’s token, 32+ characters) is required with BRIDGE_ONBOARDING_PORT');
    onboarding = await startCustomerOnboarding({ connection, platformToken, port: Number(process.env.BRIDGE_ONBOARDING_PORT), log });
  }
  const stop = (): void => {
    void Promise.all([bridge.stop(), onboarding?.close()]).then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`bridge failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
