import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { CbdcLedger, dropDatabase, loginPool, type PartyCredentials } from '@securepay/ledger';
import { findParty, Layout, loadNetworkConfig, migrateLedger, ownerLogin, partyCredentials, runningProfile, up } from '@securepay/network';
import { supervisionSummary } from '@securepay/supervision';
import { printBalances, printTimelines } from './report';
import { Scenario } from './scenario';
import { DemoServices, demoEnvFile } from './services';
import { printDelivery, WebhookWitness } from './webhook-witness';

const log = pino({ base: undefined, level: process.env.LOG_LEVEL ?? 'info' }, pino.destination(2));
const out = (line: string): void => void process.stdout.write(`${line}\n`);

/**
 * A clean ledger for this run: the bridges' checkpoints and the API's users belong to one network's
 * life. Dropped and migrated with the database owner's credentials; the central bank opens the banks',
 * reserves' and platform's accounts.
 */
async function freshDatabase(layout: Layout): Promise<void> {
  await dropDatabase(ownerLogin(layout), layout.network.services.ledgerDb.database);
  await migrateLedger(layout);
}

/** A party's ledger over a small pool of its own; `end` closes it. */
function ledgerOf(credentials: PartyCredentials): { ledger: CbdcLedger; end(): Promise<void> } {
  const pool = loginPool(credentials.database, { max: 2 });
  return { ledger: new CbdcLedger(pool), end: () => pool.end() };
}

/** The central bank issues CBDC to each bank's account and funds its reserve. */
async function issueCurrency(layout: Layout, banks: string[]): Promise<void> {
  const centralBank = ledgerOf(partyCredentials(layout, findParty(layout.network, { kind: 'centralBank' })));
  try {
    for (const bank of banks) {
      await centralBank.ledger.mint(`mint.bank-${bank}`, `bank-${bank}`, 100_000_000n);
      await centralBank.ledger.mint(`mint.reserve-${bank}`, `reserve-${bank}`, 10_000_000n);
    }
  } finally {
    await centralBank.end();
  }
}

/**
 * `npm run demo`: from a fresh clone to a running SecurePay — network, the central bank's ledger
 * database and queues, the escrow agent, bridges, API — then a scenario through the API, each order's timeline, and a
 * balance table that must sum exactly.
 */
async function main(): Promise<void> {
  const started = Date.now();
  const progress = (message: string): void => log.info({ seconds: Math.round((Date.now() - started) / 1000) }, message);

  progress('bringing up the Fabric network, the ledger database and the queues (installs Fabric on the first run: a few minutes)');
  const layout: Layout = await up(loadNetworkConfig({ profile: process.env.SECUREPAY_PROFILE ?? runningProfile() }));
  const banks = layout.network.orgs.filter((o) => o.kind === 'bank').map((o) => o.mspId);

  const services = new DemoServices(layout, banks, {
    API_PORT: process.env.API_PORT ?? '3000',
    // This run's jobs apart from an earlier run's, under each bank's own prefix; demo.env records it.
    BRIDGE_QUEUE_NAMESPACE: `demo-${Date.now()}`,
    ESCROW_AGENT_QUEUE_NAMESPACE: `demo-${Date.now()}`,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
    // The demo's webhook receiver listens on this machine's loopback address.
    API_WEBHOOK_ALLOW_PRIVATE: 'on',
  });
  progress('stopping services of an earlier demo run, if any');
  await services.stopAll();
  progress('creating the CBDC ledger database (owner) and issuing currency to the banks (central bank)');
  await freshDatabase(layout);
  await issueCurrency(layout, banks);
  progress('starting the platform API');
  const api = await services.startApi();
  const startBlock = await api.chainHeight();
  progress("starting the central bank's escrow agent and the banks' bridges");
  services.startEscrowAgent(startBlock);
  for (const bank of banks) services.startBridge(bank, startBlock);
  await services.waitForOnboarding();
  progress("starting the central bank's supervision");
  const supervisionUrl = await services.startSupervision(startBlock);
  services.writeEnvFile(api.baseUrl);
  progress('subscribing a local webhook receiver to every settlement, as the platform');
  const witness = await WebhookWitness.subscribe(api, services.credentials.platformToken);

  progress('running the scenario through the API');
  const bankLedgers = new Map(
    banks.map((bank) => [bank, ledgerOf(partyCredentials(layout, findParty(layout.network, { kind: 'bank', mspId: bank })))]),
  );
  const scenario = new Scenario(api, { platform: services.credentials.platformToken }, out, {
    stopBridge: (bank) => services.stopBridge(bank),
    startBridge: (bank) => services.startBridge(bank),
    fund: async (bank, wallet, amount) => {
      await bankLedgers.get(bank)!.ledger.fund(`fund.${randomUUID()}`, `bank-${bank}`, wallet, amount);
    },
  });
  out('\n=== SecurePay demo ===\n');
  try {
    await scenario.run();
  } finally {
    for (const bank of bankLedgers.values()) await bank.end();
  }

  progress('waiting for the ledger to finish every payment');
  const centralBank = ledgerOf(partyCredentials(layout, findParty(layout.network, { kind: 'centralBank' })));
  // The balance table reads every account: the central bank's auditor view, with the owner's login.
  const owner = loginPool(ownerLogin(layout), { max: 1 });
  try {
    const deadline = Date.now() + 60_000;
    while ((await centralBank.ledger.ordersWithPending()).length > 0) {
      if (Date.now() > deadline) throw new Error('some orders still hold locked funds after 60 s: see the bridge logs');
      await new Promise((r) => setTimeout(r, 200));
    }
    out('\n=== Timelines (from the channel) ===');
    const unexpected = await printTimelines(api, scenario.orders, scenario.people, out);
    const exact = await printBalances(owner, centralBank.ledger, scenario.people, out);

    out('\n=== One webhook delivery, as the local receiver got it ===');
    const delivery = await witness.firstVerified();
    if (delivery) printDelivery(delivery, out);
    else out('no verified delivery arrived within 60 s: see the API log');
    const { verified, refused } = witness.counts();
    out(`(${verified} verified deliveries, ${refused} refused, to subscription ${witness.subscriptionId})`);

    out('\n=== Central bank supervision (its own peer, its own ledger login) ===');
    const supervision = await supervisionSummary(layout, { startBlock, log });
    out(supervision.text);
    const seconds = ((Date.now() - started) / 1000).toFixed(0);
    const states = unexpected.length === 0 ? 'all in their expected final state' : `${unexpected.length} NOT in their expected state`;
    out(`\nDone in ${seconds} s. ${scenario.orders.length} orders, ${states}; balances ${exact ? 'exact' : 'DO NOT SUM'}.`);
    out(`Dashboard: ${api.baseUrl}/   API description: ${api.baseUrl}/openapi.json`);
    out(`Credentials of this run (operator tokens, keystore secret, queue namespace): ${demoEnvFile}`);
    out(`Logs: ${layout.logDir}   Stop everything (network, ledger database, queues, bridges, API): npm run network:down`);
    out(`Central bank supervision: ${supervisionUrl}/ (token SUPERVISION_TOKEN in ${demoEnvFile})`);
    const clean = supervision.summary.supply.ok && supervision.summary.reconciliation.discrepancies === 0;
    if (!exact || unexpected.length > 0 || !delivery || !clean) process.exitCode = 1;
  } finally {
    await witness.close();
    await owner.end();
    await centralBank.end();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`\ndemo failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
