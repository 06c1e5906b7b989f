import path from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { Layout, loadNetworkConfig, orgAdmin, readConnection, runningProfile } from '@securepay/network';
import { adminDatabaseUrl, CbdcLedger, LedgerError, migrate, roleDatabaseUrl } from '@securepay/ledger';
import pg from 'pg';
import { bankAccounts, bridgeRuntimeDir } from './accounts';
import { startBridge } from './bridge';
import { BridgeMetrics } from './metrics';

/**
 * One bank's bridge as a process: `tsx bridge/src/main.ts --bank BankAMSP`.
 * Environment: DATABASE_URL (owner, for migrations), REDIS_URL, PLATFORM_WALLET, BRIDGE_METRICS_PORT,
 * BRIDGE_START_BLOCK (where to start without a checkpoint), BRIDGE_QUEUE_PREFIX, BRIDGE_RUNTIME_DIR.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({ options: { bank: { type: 'string' } } });
  const bank = values.bank;
  if (!bank) throw new Error('usage: bridge --bank <MSP id>');
  const log = pino({ base: { bank } }, pino.destination(2));
  await migrate();
  const databaseUrl = roleDatabaseUrl('securepay_bridge', adminDatabaseUrl());
  const accounts = bankAccounts(bank);
  const setup = new pg.Pool({ connectionString: databaseUrl, max: 1 });
  await new CbdcLedger(setup)
    .openAccount(`open.${accounts.reserveAccount}`, { id: accounts.reserveAccount, kind: 'reserve', bank })
    .catch((error: unknown) => {
      if (!(error instanceof LedgerError && error.code === 'ALREADY_EXISTS')) throw error;
    });
  await setup.end();

  const layout = new Layout(loadNetworkConfig({ profile: process.env.SECUREPAY_PROFILE ?? runningProfile() }));
  const connection = readConnection(layout, bank);
  const metrics = new BridgeMetrics();
  const metricsPort = Number(process.env.BRIDGE_METRICS_PORT ?? 0);
  if (metricsPort > 0) metrics.serve(metricsPort);
  const bridge = await startBridge({
    ...accounts,
    connection,
    identity: orgAdmin(connection),
    databaseUrl,
    redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    keyDir: path.join(bridgeRuntimeDir, 'keys'),
    queuePrefix: process.env.BRIDGE_QUEUE_PREFIX,
    startBlock: process.env.BRIDGE_START_BLOCK ? BigInt(process.env.BRIDGE_START_BLOCK) : undefined,
    log,
    metrics,
  });
  const stop = (): void => {
    void bridge.stop().then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`bridge failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
