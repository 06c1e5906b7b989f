import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import IORedis from 'ioredis';
import { CbdcLedger, freePort, loginClient, loginPool, redisOptions } from '@securepay/ledger';
import { loadNetworkConfig, theOrg } from './config';
import { Layout } from './layout';
import { ledgerDbProcessName, startLedgerDatabase } from './ledger-db';
import { migrateLedger } from './ledger-setup';
import { sealOrgHome } from './org-users';
import { findParty, ownerCredentialsFile, partyCredentials, partyCredentialsFile, provisionCredentials } from './party-credentials';
import { ProcessTable } from './processes';
import { queuesProcessName, startQueues } from './queues';

/**
 * The ledger database and the queues as `network:up` runs them — provisioned credentials, the
 * process table, the org's account — in a runtime folder of the test's own, on ports of its own:
 * the running network's are never touched. No Fabric node is started.
 */
let layout: Layout;
let processes: ProcessTable;
let runtime: string;

beforeAll(async () => {
  runtime = mkdtempSync(path.join(tmpdir(), 'securepay-services-'));
  // Org accounts must reach their own folders inside it, as they reach network/.runtime.
  chmodSync(runtime, 0o755);
  mkdirSync(path.join(runtime, 'orgs'), { mode: 0o755 });
  const network = loadNetworkConfig({ env: {} });
  const services = {
    ledgerDb: { ...network.services.ledgerDb, port: await freePort(55632) },
    queues: { ...network.services.queues, port: await freePort(16579) },
  };
  layout = new Layout({ ...network, services }, runtime);
  processes = new ProcessTable(layout.pidDir);
  provisionCredentials(layout);
  for (const org of layout.network.orgs) sealOrgHome(layout, org);
}, 30_000);
afterAll(async () => {
  await processes?.stop(ledgerDbProcessName);
  await processes?.stop(queuesProcessName);
  rmSync(runtime, { recursive: true, force: true });
});

describe('provisioning', () => {
  it("writes each party's credentials into its own org's folder, readable by its owner only", () => {
    const bankA = findParty(layout.network, 'bank-BankAMSP');
    const escrowAgent = findParty(layout.network, { kind: 'escrowAgent' });
    expect(partyCredentialsFile(layout, bankA)).toBe(path.join(runtime, 'orgs', 'BankA', 'credentials', 'bank-BankAMSP.json'));
    expect(partyCredentialsFile(layout, escrowAgent)).toContain(path.join('orgs', 'CentralBank', 'credentials'));
    expect(ownerCredentialsFile(layout)).toContain(path.join('orgs', 'CentralBank', 'credentials'));
    for (const file of [partyCredentialsFile(layout, bankA), ownerCredentialsFile(layout)]) expect(statSync(file).mode & 0o777).toBe(0o600);
    const credentials = partyCredentials(layout, bankA, {});
    expect(credentials).toMatchObject({
      kind: 'bank',
      mspId: 'BankAMSP',
      queues: { user: 'bank-BankAMSP', prefix: 'securepay:bank-BankAMSP' },
    });
    expect(partyCredentials(layout, findParty(layout.network, { kind: 'platform' }), {}).walletSecret).toEqual(expect.any(String));
  });

  it('keeps the passwords it made: provisioning again changes nothing', () => {
    const bankA = findParty(layout.network, 'bank-BankAMSP');
    const before = partyCredentials(layout, bankA, {});
    provisionCredentials(layout);
    expect(partyCredentials(layout, bankA, {})).toEqual(before);
  });
});

describe('the ledger database and the queues as processes of the network', () => {
  it('starts the cluster once, as the central bank, and a second start changes nothing', async () => {
    await startLedgerDatabase(layout, processes);
    const first = processes.read(ledgerDbProcessName)!;
    await startLedgerDatabase(layout, processes);
    expect(processes.read(ledgerDbProcessName)!.pid).toBe(first.pid);
    expect(processes.isRunning(ledgerDbProcessName)).toBe(true);
    const owner = statSync(path.join(layout.orgHome(theOrg(layout.network, 'centralBank')), 'ledger-db', 'data'));
    if (process.getuid?.() === 0) expect(owner.uid).not.toBe(0);
  }, 60_000);

  it('migrates with the owner’s credentials and opens the standing accounts; parties log in with their own', async () => {
    await migrateLedger(layout);
    await migrateLedger(layout); // again: nothing to apply, nothing to open
    const platform = partyCredentials(layout, findParty(layout.network, { kind: 'platform' }), {});
    const pool = loginPool(platform.database, { max: 1 });
    try {
      expect(await new CbdcLedger(pool).balance('platform-fees', platform.walletSecret!)).toMatchObject({ available: '0' });
    } finally {
      await pool.end();
    }
    const wrong = loginClient({ ...platform.database, password: 'not-the-password-0000' });
    await expect(wrong.connect()).rejects.toMatchObject({ code: '28P01' });
  }, 60_000);

  it('is started again by the next start after it died, with its data', async () => {
    const before = processes.read(ledgerDbProcessName)!.pid;
    process.kill(before, 'SIGKILL');
    while (processes.isRunning(ledgerDbProcessName)) await new Promise((r) => setTimeout(r, 100));
    await startLedgerDatabase(layout, processes);
    expect(processes.read(ledgerDbProcessName)!.pid).not.toBe(before);
    const centralBank = partyCredentials(layout, findParty(layout.network, { kind: 'centralBank' }), {});
    const pool = loginPool(centralBank.database, { max: 1 });
    try {
      expect(await new CbdcLedger(pool).checkInvariant()).toMatchObject({ ok: true });
    } finally {
      await pool.end();
    }
  }, 60_000);

  it('runs the queues with a user per party; stopping goes through the process table', async () => {
    await startQueues(layout, processes);
    const bankA = partyCredentials(layout, findParty(layout.network, 'bank-BankAMSP'), {}).queues;
    const redis = new IORedis({ ...redisOptions(bankA), lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    redis.on('error', () => undefined);
    try {
      await redis.connect();
      await redis.set(`${bankA.prefix}:probe`, '1');
      await expect(redis.set('securepay:bank-BankBMSP:probe', '1')).rejects.toThrow(/NOPERM/);
    } finally {
      redis.disconnect();
    }
    expect(await processes.stop(queuesProcessName)).toBe(true);
    expect(await processes.stop(ledgerDbProcessName)).toBe(true);
    expect(processes.all().map((r) => r.name)).toEqual([]);
  }, 60_000);
});
