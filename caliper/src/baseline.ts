import { randomBytes } from 'node:crypto';
import { percentile } from '@securepay/network/bench/stats';
import { createTestDatabase } from '@securepay/ledger';
import { Layout, ledgerAccess, loadNetworkConfig, runningProfile } from '@securepay/network';

const steps = ['approvePlatform', 'approveMerchant', 'approveBuyerBank', 'approveMerchantBank', 'ship', 'deliver', 'confirm'] as const;
const nextState: Record<(typeof steps)[number], [string, string]> = {
  approvePlatform: ['PROPOSED', 'PROPOSED'],
  approveMerchant: ['PROPOSED', 'PROPOSED'],
  approveBuyerBank: ['PROPOSED', 'PROPOSED'],
  approveMerchantBank: ['PROPOSED', 'ESCROWED'],
  ship: ['ESCROWED', 'SHIPPED'],
  deliver: ['SHIPPED', 'DELIVERED'],
  confirm: ['DELIVERED', 'CONFIRMED'],
};

export interface BaselineFigures {
  succeeded: number;
  failed: number;
  goodputTps: number;
  avgLatencyMs: number;
  p50LatencyMs: number;
  p99LatencyMs: number;
}

/**
 * The centralized baseline: the same normal workflow — propose with the escrow lock, four
 * approvals, ship, deliver, confirm — as one PostgreSQL transaction per step on the same machine,
 * with the same number of steps in flight. The orders table is the platform's database; the lock
 * is the same CBDC ledger function the platform API uses, as the platform's role. No blockchain, no
 * signatures. On a throw-away database of the running network's ledger cluster.
 */
export async function runCentralizedBaseline(options: { seconds: number; load: number }): Promise<BaselineFigures> {
  const layout = new Layout(loadNetworkConfig({ profile: runningProfile() }));
  // Pools of 20 (the owner's for the orders table, the platform's for the ledger), as an app server would keep.
  const db = await createTestDatabase(ledgerAccess(layout), { prefix: 'securepay_baseline', poolSize: 20 });
  const admin = db.owner;
  try {
    await admin.query(
      `create table orders (id text primary key, state text not null, approvals int not null default 0, updated_at timestamptz not null default now())`,
    );
    const ledger = db.platform;
    const bankA = db.bank('BankAMSP');
    await db.centralBank.openAccount('open.bank', { id: 'bank-BankAMSP', kind: 'bank', bank: 'BankAMSP' });
    await db.centralBank.mint('mint.bank', 'bank-BankAMSP', 10n ** 15n);
    await db.centralBank.openAccount('open.platform', {
      id: 'platform',
      kind: 'platform',
      bank: 'PlatformMSP',
      ownerSecret: 's'.repeat(20),
    });
    const buyers = Array.from({ length: options.load }, (_, i) => `buyer-${i}`);
    for (const id of [...buyers, 'merchant']) {
      await bankA.openAccount(`open.${id}`, { id, kind: 'user', bank: 'BankAMSP', ownerSecret: 's'.repeat(20) });
    }
    for (const b of buyers) await bankA.fund(`fund.${b}`, 'bank-BankAMSP', b, 10n ** 12n);

    const latencies: number[] = [];
    let failed = 0;
    const started = Date.now();
    const deadline = started + options.seconds * 1000;
    await Promise.all(
      buyers.map(async (buyer) => {
        while (Date.now() < deadline) {
          const id = `o-${randomBytes(8).toString('hex')}`;
          const timed = async (work: () => Promise<unknown>): Promise<boolean> => {
            const t = Date.now();
            try {
              await work();
              latencies.push(Date.now() - t);
              return true;
            } catch (error) {
              if (failed === 0) process.stderr.write(`baseline: first failure: ${(error as Error).message}\n`);
              failed += 1;
              return false;
            }
          };
          const proposed = await timed(async () => {
            await ledger.lockEscrow(`lock.${id}`, {
              orderId: id,
              buyerWallet: buyer,
              secret: 's'.repeat(20),
              merchantWallet: 'merchant',
              platformWallet: 'platform',
              merchantAmount: 975n,
              commissionAmount: 25n,
            });
            await admin.query(`insert into orders (id, state) values ($1, 'PROPOSED')`, [id]);
          });
          if (!proposed) continue;
          for (const step of steps) {
            if (Date.now() >= deadline) break;
            const [from, to] = nextState[step];
            await timed(async () => {
              const result = await admin.query(
                `update orders set state = $2, approvals = approvals + $4, updated_at = now() where id = $1 and state = $3`,
                [id, to, from, step.startsWith('approve') ? 1 : 0],
              );
              if (result.rowCount !== 1) throw new Error(`${step}: order ${id} not ${from}`);
            });
          }
        }
      }),
    );
    const seconds = (Date.now() - started) / 1000;
    return {
      succeeded: latencies.length,
      failed,
      goodputTps: Math.round((latencies.length / seconds) * 10) / 10,
      avgLatencyMs: Math.round(latencies.reduce((a, b) => a + b, 0) / latencies.length),
      p50LatencyMs: percentile(latencies, 50),
      p99LatencyMs: percentile(latencies, 99),
    };
  } finally {
    await db.drop();
  }
}
