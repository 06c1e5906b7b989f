import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { settlementSplit } from '@securepay/client';
import { sleep } from './escrow-driver';
import { MoneyWorld } from './money';

const repo = path.resolve(__dirname, '..', '..');
const deadLettersMain = require.resolve('@securepay/bridge/src/dead-letters.ts');
const short = 2_000;

/**
 * A job that fails every attempt is parked in the bank's dead-letter queue, not lost, and the
 * operator's command lists it and replays it once the cause is fixed.
 */
describe('the dead-letter queue', () => {
  let world: MoneyWorld;
  beforeAll(async () => {
    world = await MoneyWorld.create();
  });
  afterAll(async () => world?.close());

  const deadLetters = (...args: string[]): string =>
    execFileSync(process.execPath, ['--import', 'tsx', deadLettersMain, '--bank', 'BankBMSP', ...args], {
      cwd: repo,
      // The bank's own credentials (its Redis user) and this world's namespace under its prefix.
      env: { ...process.env, BRIDGE_QUEUE_NAMESPACE: world.queueNamespace },
    }).toString();

  it('parks a compensation whose reserve account is missing, then replays it once the account exists', async () => {
    const { orderId, terms } = await world.delivered({ settlementMs: short, proofMs: short });
    await world.stopBridge('BankBMSP');
    await world.driver.submit('buyer', 'Confirm', orderId);
    await sleep(short + 1_000);
    await world.driver.submit('merchant', 'Challenge', orderId);
    await sleep(short + 1_000);
    await world.driver.submit('merchant', 'Compensate', orderId);
    const before = await world.available(world.wallet('merchant'));

    // The bank's bridge comes back misconfigured: its reserve account does not exist.
    await world.startBridge('BankBMSP', { reserveAccount: 'reserve-not-opened', jobAttempts: 2, retryDelayMs: 50 });
    await world.eventually(async () => deadLetters().includes(orderId), 'the compensation is a dead letter');
    expect(deadLetters()).toMatch(/not a reserve account/);
    expect(await world.available(world.wallet('merchant'))).toBe(before);

    await world.db.centralBank.openAccount('open-reserve-not-opened', { id: 'reserve-not-opened', kind: 'reserve', bank: 'BankBMSP' });
    await world.db.centralBank.mint('mint-reserve-not-opened', 'reserve-not-opened', 10n ** 15n);
    expect(deadLetters('--replay')).toMatch(/replayed/);
    const { merchantAmount } = settlementSplit(terms);
    await world.eventually(
      async () => (await world.available(world.wallet('merchant'))) === before + merchantAmount,
      'the merchant is compensated',
    );
    expect(deadLetters()).toMatch(/^0 dead letter\(s\)/m);
    expect(await world.ledger.checkInvariant()).toMatchObject({ ok: true });
  });
});
