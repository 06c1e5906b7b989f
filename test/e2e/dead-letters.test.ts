import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { settlementSplit } from '@securepay/client';
import { sleep } from './escrow-driver';
import { MoneyWorld } from './money';

const repo = path.resolve(__dirname, '..', '..');
const agentDeadLetters = require.resolve('@securepay/escrow-agent/src/dead-letters.ts');
const short = 2_000;

/**
 * A decision whose effect fails every attempt is parked in the escrow agent's dead-letter queue, not
 * lost, and the central bank operator's command lists it and replays it once the cause is fixed.
 */
describe('the dead-letter queue', () => {
  let world: MoneyWorld;
  beforeAll(async () => {
    world = await MoneyWorld.create();
  });
  afterAll(async () => world?.close());

  const deadLetters = (...args: string[]): string =>
    execFileSync(process.execPath, ['--import', 'tsx', agentDeadLetters, ...args], {
      cwd: repo,
      // The escrow agent's own credentials (its Redis user) and this world's namespace under its prefix.
      env: { ...process.env, ESCROW_AGENT_QUEUE_NAMESPACE: world.queueNamespace },
    }).toString();

  it("parks a compensation the merchant's bank's reserve cannot pay, then replays it once the reserve is topped up", async () => {
    const { orderId, terms } = await world.delivered({ settlementMs: short, proofMs: short });
    await world.stopBridge('BankBMSP');
    await world.driver.submit('buyer', 'Confirm', orderId);
    await sleep(short + 1_000);
    await world.driver.submit('merchant', 'Challenge', orderId);
    await sleep(short + 1_000);
    // The bank's reserve is drained (the central bank redeems it): the penalty cannot be paid.
    const reserve = await world.db.centralBank.balanceOf('reserve-BankBMSP');
    await world.db.centralBank.redeem(`drain.${orderId}`, 'reserve-BankBMSP', reserve);
    await world.stopAgent();
    await world.startAgent({ jobAttempts: 2, retryDelayMs: 50 });
    const before = await world.available(world.wallet('merchant'));
    await world.driver.submit('merchant', 'Compensate', orderId);
    await world.eventually(async () => deadLetters().includes(orderId), 'the compensation is a dead letter');
    expect(deadLetters()).toMatch(/INSUFFICIENT_FUNDS/);
    // Nothing moved: not the escrow, not a partial penalty.
    expect(await world.available(world.wallet('merchant'))).toBe(before);
    expect((await world.ledger.escrowOf(orderId)).status).toBe('posted');

    await world.db.centralBank.mint(`refill.${orderId}`, 'reserve-BankBMSP', reserve);
    expect(deadLetters('--replay')).toMatch(/replayed/);
    const penalty = (BigInt(terms.price) * 100n) / 10_000n;
    await world.eventually(
      async () => (await world.available(world.wallet('merchant'))) === before + penalty,
      'the merchant gets the penalty',
    );
    expect(deadLetters()).toMatch(/^0 dead letter\(s\)/m);
    expect(settlementSplit(terms).merchantAmount).toBeGreaterThan(0n);
    expect(await world.ledger.checkInvariant()).toMatchObject({ ok: true });
  });
});
