import { randomInt } from 'node:crypto';
import { settlementSplit, type Order, type OrderTerms, type OrderWindows } from '@securepay/client';
import { LedgerError } from '@securepay/ledger';
import { refusal, sha256Hex, sleep, type OrderParties } from './escrow-driver';
import { balanceChanges, MoneyWorld, platformWallet, type Bank } from './money';

/**
 * Every dispute, with real money, to the minor unit: who deposited (nobody, the buyer, the courier,
 * both) × the courier at the buyer's bank or another × the merchant at the buyer's bank or another.
 * Each case is a real order: escrowed, shipped, delivered, declared not received, the case's deposits
 * locked through the platform's ledger login and recorded on-chain by each party's own bank's bridge,
 * resolved by the platform, and paid out by the central bank's escrow agent. The expected changes
 * come from the rules (DESIGN §4.1), computed here, not from the contract's own payout code: the
 * winner gets its deposit back and half the loser's (rounded down), the platform the rest; a party
 * that did not deposit loses by default; courier wins → the merchant is paid (SETTLED), buyer wins →
 * the buyer is refunded (REFUNDED). Every price is odd, so "rounded down" is visible.
 *
 * The cases run in four concurrent lanes, one per bank configuration, each lane with a buyer, a
 * merchant and a courier of its own (enrolled at their banks' CAs, wallets opened and funded by their
 * banks) and one case at a time, so those wallets change only by the running case's order. The
 * platform's fee wallet is shared: each case's resolution (resolve → final state → no pending lock
 * left) runs alone, and the fee wallet is read just before and after it. Nothing else credits that
 * wallet: locks and deposits only take from the buyer's and courier's.
 */
type Side = 'buyer' | 'courier';
type Wallets = 'buyer' | 'merchant' | 'courier' | 'platform';
type Changes = Record<Wallets, bigint>;
type DepositStatus = 'none' | 'locked' | 'posted' | 'voided';

interface Case {
  name: string;
  deposits: Side[];
  courierBank: Bank;
  merchantBank: Bank;
  winner: Side;
}

interface Outcome {
  orderId: string;
  terms: OrderTerms;
  price: bigint;
  /** The deposits the chain holds once the deadline passed (or both were in). */
  recorded: Side[];
  resolution: Order['dispute'];
  finalState: string;
  changes: Changes;
  depositStatus: Record<Side, DepositStatus>;
  invariantOk: boolean;
  late: { who: Side; refused: string; statusBefore: DepositStatus; statusAfter: DepositStatus; before: bigint; after: bigint };
  /** Seconds spent: up to the dispute, deposits (and deadline), waiting for the resolution's turn, resolving. */
  timing: { dispute: number; deposits: number; queued: number; resolve: number };
}

const sides: Side[] = ['buyer', 'courier'];
const other = (side: Side): Side => (side === 'buyer' ? 'courier' : 'buyer');
/** Long enough for the agent to see the dispute and a bank's bridge to record a deposit under load. */
const depositWindowMs = 10_000;
/** Past the deadline on the peers' clocks too: they run on this machine, a moment apart at most. */
const pastDeadlineMs = 1_500;

/** What each wallet gains or loses, from the rules alone. */
function expectedChanges(terms: OrderTerms, winner: Side, deposited: Side[]): Changes {
  const price = BigInt(terms.price);
  const changes: Changes = { buyer: 0n, merchant: 0n, courier: 0n, platform: 0n };
  if (winner === 'courier') {
    // Delivery stands: the escrow pays the merchant and the platform's commission.
    const { merchantAmount, commissionAmount } = settlementSplit(terms);
    changes.buyer -= price;
    changes.merchant += merchantAmount;
    changes.platform += commissionAmount;
  }
  // The winner's own deposit comes back whole: no change. The loser's is split.
  const loser = other(winner);
  if (deposited.includes(loser)) {
    const half = deposited.includes(winner) ? price / 2n : 0n;
    changes[loser] -= price;
    changes[winner] += half;
    changes.platform += price - half;
  }
  return changes;
}

const bankLetter = (bank: Bank): string => bank.slice(4, 5);
const cases: Case[] = [];
for (const courierBank of ['BankAMSP', 'BankBMSP'] as const) {
  for (const merchantBank of ['BankAMSP', 'BankBMSP'] as const) {
    // With both deposits the platform may name either: courier where courier and merchant share a
    // bank, buyer otherwise, so each outcome appears with the merchant at either bank. With none,
    // the other way round. With one, the depositor wins (the other loses by default).
    const alternate: Side = courierBank === merchantBank ? 'courier' : 'buyer';
    for (const deposits of [[], ['buyer'], ['courier'], ['buyer', 'courier']] as Side[][]) {
      const winner = deposits.length === 2 ? alternate : deposits.length === 1 ? deposits[0]! : other(alternate);
      const who = deposits.length === 0 ? 'no deposit' : deposits.length === 2 ? 'both deposit' : `${deposits[0]} deposits`;
      cases.push({
        name: `${who}; buyer@A courier@${bankLetter(courierBank)} merchant@${bankLetter(merchantBank)}; ${winner} wins`,
        deposits,
        courierBank,
        merchantBank,
        winner,
      });
    }
  }
}

describe('disputes: every combination of deposits and banks, paid to the minor unit', () => {
  let world: MoneyWorld;
  const running = new Map<string, Promise<{ outcome: Outcome } | { error: unknown }>>();
  const outcomes = new Map<string, Outcome>();

  let queue: Promise<unknown> = Promise.resolve();
  /** Runs `step` after every step queued before it has finished: one resolution at a time. */
  const alone = <T>(step: () => Promise<T>): Promise<T> => {
    const run = queue.then(step);
    queue = run.catch(() => undefined);
    return run;
  };

  /**
   * A buyer at BankA, a merchant and a courier at the given banks, each with a funded wallet of its
   * own. One at a time: an enrollment costs this process seconds of CPU (key generation and signing
   * in JavaScript), which would starve the in-process bridges and agent if it ran beside the cases,
   * and the banks' CAs time out under many at once.
   */
  const newParties = async (merchantBank: Bank, courierBank: Bank): Promise<Required<OrderParties>> => ({
    buyer: await world.newCustomer('BankAMSP', 'buyer'),
    merchant: await world.newCustomer(merchantBank, 'merchant'),
    courier: await world.newCustomer(courierBank, 'courier'),
  });
  const lane = (c: Pick<Case, 'courierBank' | 'merchantBank'>): string => `courier@${c.courierBank} merchant@${c.merchantBank}`;
  const laneParties = new Map<string, Required<OrderParties>>();

  const depositStatus = async (orderId: string, side: Side): Promise<DepositStatus> => (await world.ledger.depositOf(orderId, side)).status;
  const recordedOn = (order: Order): Side[] => sides.filter((side) => order.dispute?.deposits[side] !== undefined);

  /** A delivered order of the given parties, declared not received. */
  async function disputedOrder(
    parties: Required<OrderParties>,
    price: bigint,
    windows: Partial<OrderWindows>,
  ): Promise<{ orderId: string; terms: OrderTerms; depositBy: number; declaredTx: string }> {
    const { orderId, terms } = await world.lockedOnly(price, parties);
    await world.driver.proposeTerms(orderId, terms, windows, 'buyer', parties);
    await world.driver.submit('platform', 'Approve', orderId);
    await world.driver.submitAs(parties.merchant, 'Approve', orderId);
    await world.until(orderId, 'ESCROWED', 60_000);
    await world.driver.submitAs(parties.merchant, 'Ship', orderId, '');
    await world.driver.submitAs(parties.courier, 'Deliver', orderId, sha256Hex());
    await world.driver.submitAs(parties.buyer, 'DeclareNonReceipt', orderId);
    const { dispute } = await world.driver.order(orderId);
    return { orderId, terms, depositBy: dispute!.depositBy, declaredTx: dispute!.txId };
  }

  const oddPrice = (): bigint => BigInt(randomInt(100_000_000_000, 999_999_999_999)) | 1n;

  async function runCase(c: Case, parties: Required<OrderParties>): Promise<Outcome> {
    let mark = Date.now();
    const lap = (): number => {
      const seconds = Math.round((Date.now() - mark) / 100) / 10;
      mark = Date.now();
      return seconds;
    };
    const { buyer, merchant, courier } = parties;
    const readParties = async (): Promise<Record<'buyer' | 'merchant' | 'courier', bigint>> => ({
      buyer: await world.available(buyer.wallet!),
      merchant: await world.available(merchant.wallet!),
      courier: await world.available(courier.wallet!),
    });
    const before = await readParties();
    const price = oddPrice();
    const windows = c.deposits.length === 2 ? {} : { depositMs: depositWindowMs };
    const { orderId, terms, depositBy } = await disputedOrder(parties, price, windows);
    const disputed = lap();

    for (const side of c.deposits) await world.lockDeposit(orderId, side, terms.price, parties[side]);
    await world.eventually(
      async () => {
        const recordedNow = recordedOn(await world.driver.order(orderId));
        return c.deposits.every((side) => recordedNow.includes(side));
      },
      `the banks record the ${c.deposits.join(' and ')} deposit(s) of ${orderId}`,
      60_000,
    );
    // A missing deposit is missing only once its deadline has passed; the resolution must wait for it anyway.
    if (c.deposits.length < 2) await sleep(Math.max(0, depositBy - Date.now()) + pastDeadlineMs);
    const recorded = recordedOn(await world.driver.order(orderId));
    const deposited = lap();

    let queued = 0;
    const resolved = await alone(async () => {
      queued = lap();
      const platformBefore = await world.available(platformWallet);
      await world.driver.submit('platform', 'ResolveDispute', orderId, c.winner, sha256Hex());
      const final = await world.until(orderId, c.winner === 'courier' ? 'SETTLED' : 'REFUNDED', 60_000);
      await world.eventually(
        async () => !(await world.ledger.ordersWithPending()).includes(orderId),
        `every lock of ${orderId} is resolved`,
        60_000,
      );
      const after = await readParties();
      const platformAfter = await world.available(platformWallet);
      const resolving = lap();
      return {
        resolving,
        final,
        changes: {
          buyer: after.buyer - before.buyer,
          merchant: after.merchant - before.merchant,
          courier: after.courier - before.courier,
          platform: platformAfter - platformBefore,
        },
      };
    });

    const statuses = { buyer: await depositStatus(orderId, 'buyer'), courier: await depositStatus(orderId, 'courier') };
    const invariantOk = (await world.ledger.checkInvariant()).ok;

    // A deposit locked after the resolution: the one who did not deposit (or the buyer) tries now.
    const who = sides.find((side) => !c.deposits.includes(side)) ?? 'buyer';
    const wallet = parties[who].wallet!;
    const lateBefore = await world.available(wallet);
    const statusBefore = await depositStatus(orderId, who);
    let refused = 'ACCEPTED';
    try {
      await world.db.platform.lockDeposit(`late.${orderId}.${who}`, {
        orderId,
        party: who,
        wallet,
        secret: world.secrets.get(wallet)!,
        amount: price,
      });
    } catch (error) {
      if (!(error instanceof LedgerError)) throw error;
      refused = error.code;
    }
    const late = {
      who,
      refused,
      statusBefore,
      statusAfter: await depositStatus(orderId, who),
      before: lateBefore,
      after: await world.available(wallet),
    };

    return {
      orderId,
      terms,
      price,
      recorded,
      resolution: resolved.final.dispute,
      finalState: resolved.final.state,
      changes: resolved.changes,
      depositStatus: statuses,
      invariantOk,
      late,
      timing: { dispute: disputed, deposits: deposited, queued, resolve: resolved.resolving },
    };
  }

  beforeAll(async () => {
    world = await MoneyWorld.create();
    for (const c of cases) if (!laneParties.has(lane(c))) laneParties.set(lane(c), await newParties(c.merchantBank, c.courierBank));
    // Each lane runs its cases one after another; the lanes run side by side.
    const lastOfLane = new Map<string, Promise<unknown>>();
    for (const c of cases) {
      const run = (lastOfLane.get(lane(c)) ?? Promise.resolve()).then(() => runCase(c, laneParties.get(lane(c))!));
      lastOfLane.set(
        lane(c),
        run.catch(() => undefined),
      );
      running.set(
        c.name,
        run.then(
          (outcome) => {
            outcomes.set(c.name, outcome);
            return { outcome };
          },
          (error: unknown) => ({ error }),
        ),
      );
    }
  }, 120_000);

  afterAll(async () => {
    await Promise.allSettled(running.values());
    const signed = (n: bigint): string => (n > 0n ? `+${n}` : `${n}`).padStart(15);
    const lines = cases.map((c) => {
      const o = outcomes.get(c.name);
      if (!o) return `  ${c.name.padEnd(62)} FAILED`;
      return [
        `  ${c.name.padEnd(62)}`,
        `recorded ${(o.recorded.join('+') || '-').padEnd(13)}`,
        `${o.finalState.padEnd(9)}`,
        `price ${o.price}`,
        `Δbuyer ${signed(o.changes.buyer)}`,
        `Δmerchant ${signed(o.changes.merchant)}`,
        `Δcourier ${signed(o.changes.courier)}`,
        `Δplatform ${signed(o.changes.platform)}`,
        `late ${o.late.who} deposit: ${o.late.refused}`,
        `s: ${Object.values(o.timing).join('/')}`,
      ].join('  ');
    });
    process.stdout.write(
      `\ndispute cases (${outcomes.size}/${cases.length} ran to the end; s: dispute/deposits/queued/resolve):\n${lines.join('\n')}\n`,
    );
    await world?.close();
  });

  it.each(cases.map((c) => [c.name, c] as const))(
    '%s',
    async (_name, c) => {
      const result = await running.get(c.name)!;
      if ('error' in result) throw result.error;
      const o = result.outcome;

      // The chain holds exactly the case's deposits, and the platform's decision.
      expect([...o.recorded].sort()).toEqual([...c.deposits].sort());
      expect(o.resolution?.resolution?.winner).toBe(c.winner);
      expect(o.finalState).toBe(c.winner === 'courier' ? 'SETTLED' : 'REFUNDED');

      // Every wallet moved by exactly what the rules say.
      expect(o.changes).toEqual(expectedChanges(o.terms, c.winner, c.deposits));

      // Each recorded deposit was paid out as the rules say: the winner's back, the loser's taken.
      for (const side of sides) {
        expect([side, o.depositStatus[side]]).toEqual([
          side,
          !c.deposits.includes(side) ? 'none' : side === c.winner ? 'voided' : 'posted',
        ]);
      }
      expect(o.invariantOk).toBe(true);

      // A deposit locked after the resolution is refused, and nothing is locked.
      expect(['WRONG_STATE', 'DEADLINE_PASSED']).toContain(o.late.refused);
      expect(o.late.statusAfter).toBe(o.late.statusBefore);
      expect(o.late.after).toBe(o.late.before);
    },
    300_000,
  );

  it('gives back in full a deposit that was locked but never recorded on-chain (its bank’s bridge was down until the deadline)', async () => {
    // Every lane is done: the parties of one may be used again.
    await Promise.allSettled(running.values());
    const parties = laneParties.get(lane({ courierBank: 'BankBMSP', merchantBank: 'BankBMSP' }))!;
    const { buyer, merchant, courier } = parties;
    const wallets: Record<Wallets, string> = {
      buyer: buyer.wallet!,
      merchant: merchant.wallet!,
      courier: courier.wallet!,
      platform: platformWallet,
    };
    const read = async (): Promise<Changes> => ({
      buyer: await world.available(wallets.buyer),
      merchant: await world.available(wallets.merchant),
      courier: await world.available(wallets.courier),
      platform: await world.available(wallets.platform),
    });
    const before = await read();
    const { orderId, terms, depositBy, declaredTx } = await disputedOrder(parties, oddPrice(), { depositMs: depositWindowMs });
    const price = BigInt(terms.price);

    // The buyer's bank goes silent for the whole deposit window; the courier's bank works.
    await world.stopBridge('BankAMSP');
    try {
      await world.lockDeposit(orderId, 'buyer', terms.price, buyer);
      await world.lockDeposit(orderId, 'courier', terms.price, courier);
      expect(await world.available(wallets.buyer)).toBe(before.buyer - 2n * price);
      await world.eventually(
        async () => recordedOn(await world.driver.order(orderId)).includes('courier'),
        'BankB records the courier’s deposit',
        60_000,
      );
      await sleep(Math.max(0, depositBy - Date.now()) + pastDeadlineMs);
      expect(recordedOn(await world.driver.order(orderId))).toEqual(['courier']);
      expect(await depositStatus(orderId, 'buyer')).toBe('locked');

      // On the chain the buyer never deposited, so it cannot win.
      expect(await refusal(world.driver.submit('platform', 'ResolveDispute', orderId, 'buyer', sha256Hex()))).toMatch(
        /did not deposit and loses by default/,
      );
      await world.driver.submit('platform', 'ResolveDispute', orderId, 'courier', sha256Hex());
      await world.until(orderId, 'SETTLED', 60_000);
      await world.eventually(async () => !(await world.ledger.ordersWithPending()).includes(orderId), 'every lock is resolved', 60_000);
    } finally {
      await world.startBridge('BankAMSP');
    }

    const { merchantAmount, commissionAmount } = settlementSplit(terms);
    // The buyer paid for the order once; its unrecorded deposit came back whole, none of it to anyone.
    const expected: Changes = { buyer: -price, merchant: merchantAmount, courier: 0n, platform: commissionAmount };
    const after = await read();
    expect(balanceChanges(before, after)).toEqual(expected);
    expect(await depositStatus(orderId, 'buyer')).toBe('voided');
    expect(await depositStatus(orderId, 'courier')).toBe('voided');

    // Back, BankA's bridge reads the dispute it missed, finds it resolved, and records nothing.
    const job = `${declaredTx}.${orderId}.deposit-buyer`;
    await world.eventually(
      async () =>
        (await world.db.owner.query('select 1 from bridge.processed where follower = $1 and job_id = $2', ['BankAMSP', job])).rowCount ===
        1,
      'BankA’s bridge handles the buyer’s deposit job it missed',
      60_000,
    );
    const order = await world.driver.order(orderId);
    expect([order.state, recordedOn(order)]).toEqual(['SETTLED', ['courier']]);
    const again = await read();
    expect(again).toEqual(after);
    expect((await world.ledger.checkInvariant()).ok).toBe(true);
  }, 300_000);
});
