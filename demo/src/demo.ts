import pg from 'pg';
import pino from 'pino';
import { Layout, loadNetworkConfig, runningProfile, up } from '@securepay/network';
import { CbdcLedger, dropDatabase, migrate, roleDatabaseUrl } from '@securepay/ledger';
import { ensureLocalServices } from './local-services';
import { printBalances, printTimelines } from './report';
import { Scenario } from './scenario';
import { DemoServices, demoEnvFile } from './services';

const log = pino({ base: undefined, level: process.env.LOG_LEVEL ?? 'info' }, pino.destination(2));
const out = (line: string): void => void process.stdout.write(`${line}\n`);

const databaseUrl = process.env.DEMO_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/securepay_demo';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const banks = ['BankAMSP', 'BankBMSP'];

/** A clean ledger for this run: the bridges' checkpoints and the API's users belong to one network's life. */
async function freshDatabase(): Promise<void> {
  await dropDatabase(databaseUrl);
  await migrate(databaseUrl);
}

/** The central bank issues CBDC to each bank and funds its reserve. */
async function issueCurrency(): Promise<void> {
  const pool = new pg.Pool({ connectionString: roleDatabaseUrl('securepay_central_bank', databaseUrl), max: 1 });
  const centralBank = new CbdcLedger(pool);
  for (const bank of banks) {
    await centralBank.openAccount(`open.bank-${bank}`, { id: `bank-${bank}`, kind: 'bank', bank });
    await centralBank.openAccount(`open.reserve-${bank}`, { id: `reserve-${bank}`, kind: 'reserve', bank });
    await centralBank.mint(`mint.bank-${bank}`, `bank-${bank}`, 100_000_000n);
    await centralBank.mint(`mint.reserve-${bank}`, `reserve-${bank}`, 10_000_000n);
  }
  await pool.end();
}

/**
 * `npm run demo`: from a fresh clone to a running SecurePay — network, ledger, bridges, API — then a
 * scenario through the API, each order's timeline, and a balance table that must sum exactly.
 */
async function main(): Promise<void> {
  const started = Date.now();
  const progress = (message: string): void => log.info({ seconds: Math.round((Date.now() - started) / 1000) }, message);

  progress('checking PostgreSQL and Redis');
  await ensureLocalServices(databaseUrl, redisUrl);
  progress('bringing up the Fabric network (installs Fabric on the first run: a few minutes)');
  const layout: Layout = await up(loadNetworkConfig({ profile: process.env.SECUREPAY_PROFILE ?? runningProfile() }));

  const services = new DemoServices(layout, banks, {
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    API_PORT: process.env.API_PORT ?? '3000',
    BRIDGE_QUEUE_PREFIX: `demo-${Date.now()}`,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
  });
  progress('stopping services of an earlier demo run, if any');
  await services.stopAll();
  progress('creating the CBDC ledger database and issuing currency to the banks');
  await freshDatabase();
  await issueCurrency();
  progress('starting the platform API');
  const api = await services.startApi();
  const startBlock = await api.chainHeight();
  progress("starting both banks' bridges");
  for (const bank of banks) services.startBridge(bank, startBlock);
  services.writeEnvFile(api.baseUrl);

  progress('running the scenario through the API');
  const scenario = new Scenario(api, { platform: services.credentials.platformToken, banks: services.credentials.bankTokens }, out, {
    stop: (bank) => services.stopBridge(bank),
    start: (bank) => services.startBridge(bank),
  });
  out('\n=== SecurePay demo ===\n');
  await scenario.run();

  progress('waiting for the ledger to finish every payment');
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  const ledger = new CbdcLedger(pool);
  const deadline = Date.now() + 60_000;
  while ((await ledger.ordersWithPending()).length > 0) {
    if (Date.now() > deadline) throw new Error('some orders still hold locked funds after 60 s: see the bridge logs');
    await new Promise((r) => setTimeout(r, 200));
  }

  out('\n=== Timelines (from the channel) ===');
  const unexpected = await printTimelines(api, scenario.orders, scenario.people, out);
  const exact = await printBalances(pool, ledger, scenario.people, out);
  await pool.end();
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  const states = unexpected.length === 0 ? 'all in their expected final state' : `${unexpected.length} NOT in their expected state`;
  out(`\nDone in ${seconds} s. ${scenario.orders.length} orders, ${states}; balances ${exact ? 'exact' : 'DO NOT SUM'}.`);
  out(`Dashboard: ${api.baseUrl}/   API description: ${api.baseUrl}/openapi.json`);
  out(`Credentials of this run (operator tokens, keystore secret): ${demoEnvFile}`);
  out(`Logs: ${layout.logDir}   Stop everything (network, bridges, API): npm run network:down`);
  if (!exact || unexpected.length > 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  process.stderr.write(`\ndemo failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
