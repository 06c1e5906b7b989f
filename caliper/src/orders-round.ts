import { randomBytes, randomInt } from 'node:crypto';
import { defaultBatchWindow, settlementSplit } from '@securepay/client';
import { ApiWorld, type RegisteredUser } from '@securepay/demo';
import { Layout, loadNetworkConfig, runningProfile } from '@securepay/network';
import { percentile } from '@securepay/network/bench/stats';
import type { Logger } from 'pino';
import { cpuByGroup, procSnapshotSchema, type CpuWindow, type ProcSnapshot } from './cpu-groups';
import { committedTransactions } from './committed-transactions';
import { closedLoop, openLoop } from './order-arrivals';
import { OrderWatch } from './order-watch';
import { processGroupRoots } from './process-groups';
import { validationLoad } from './validation-load';

// The Caliper workers' snapshot of every process's CPU time (plain JavaScript, shared with them).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { procSnapshot } = require('../workloads/proc-snapshot') as { procSnapshot: () => unknown };
const snapshot = (): ProcSnapshot => procSnapshotSchema.parse(procSnapshot());
/** Linux's USER_HZ. */
const ticksPerSecond = 100;

/** `settle`: proposal → four approvals → ship → deliver → confirm → paid and proven. `dispute`: the buyer denies delivery, both deposit, the courier wins. */
export type OrderFlow = 'settle' | 'dispute';

export interface OrdersRoundSpec {
  flow: OrderFlow;
  /**
   * Orders measured: those finishing after the first `warmUp` (which fill the pipeline) and before
   * `inFlight` more (started so that the load stays whole until the last measured one is done).
   */
  orders: number;
  warmUp: number;
  /** Orders in progress at once (closed loop: a new one starts when one finishes). */
  inFlight: number;
  /**
   * Open loop instead: orders started per second, evenly spaced, however many are under way
   * (`inFlight` is then not used). What a platform sees from buyers who do not wait for each other;
   * a closed loop's orders tend to move in waves that share batches.
   */
  offeredRate?: number;
  /** The API's and the bridges' batch window; 0 sends every step as its own transaction. */
  batchWindowMs: number;
  /** The most orders one of their batches carries (the product's default, `defaultBatchWindow`, unless given). */
  batchMaxOrders?: number;
  /**
   * Who carries merchants' and couriers' steps (the API's `API_USER_STEPS`): `platform`, as signed
   * intents in its batch (the product's default, if not given), or `user`, in batches of their own.
   */
  userSteps?: 'platform' | 'user';
}

export interface OrdersRoundResult extends OrdersRoundSpec {
  seconds: number;
  ordersPerSecond: number;
  /** Transactions that changed orders while the measured orders ran, per measured order. */
  transactionsPerOrder: number;
  /**
   * The same by what the transactions did (`ship`, `approve+propose`, …): which party's batches stayed
   * small. Steps of one party's stream share a transaction, so a kind may name several.
   */
  transactionsPerOrderByStep: Record<string, number>;
  /** From the buyer's POST /orders until the chain says SETTLED (the money posted before it). */
  latencyMs: { p50: number; p99: number; max: number };
  failures: number;
  firstFailure?: string;
  /** Open loop only: orders that started late because too many were under way (`openLoop`); above 0, the rate was not carried. */
  arrivalsHeld?: number;
  /** Every wallet moved by exactly what the orders' terms say, and minted = balances + locked. */
  balancesExact: boolean;
  /** Median milliseconds of each phase of a measured order: where its completion time goes. */
  phaseMedianMs: Record<string, number>;
  /**
   * CPU per process group over the measured orders, with CPU milliseconds per order. The API, the
   * bridges, the escrow agent and the load driver share one process here (`bench driver`).
   */
  cpu: CpuWindow & { msPerOrder: Record<string, number> };
  /**
   * What each committing peer did to check the key-level endorsement policies of the measured window's
   * transactions, per measured order (`validation-load.ts`): the part of validation that grows with
   * the batch.
   */
  keyLevelValidation: { ordersPerTransaction: number; signatureChecksPerOrder: number; hashedKiBPerOrder: number };
}

const commissionBps = 250;
/**
 * How long an order may wait for the chain in one phase before the round counts it failed. Unbatched
 * at 300 in flight an order takes over 2 minutes end to end (Little's law at ~2.3 orders/s), and the
 * 120 s of earlier benches counted 27 such slow but settled orders as failures (2026-12-07 full bench).
 */
const phasePatienceMs = 600_000;
const proof = (): string => randomBytes(32).toString('hex');

/**
 * Whole orders through the platform API, with the central bank's escrow agent and both banks' bridges
 * running (an `ApiWorld`): the headline figure, orders carried from proposal to settled money per second.
 * Order states come from one chaincode-event stream (`OrderWatch`), not from polling the API.
 */
export async function runOrdersRound(spec: OrdersRoundSpec, log: Logger): Promise<OrdersRoundResult> {
  const batchWindow = String(spec.batchWindowMs);
  const maxOrders = spec.batchMaxOrders ?? defaultBatchWindow.maxOrders;
  // The bench drives a platform backend's whole load from one address; the rate limit is not under test.
  const world = await ApiWorld.create(
    {
      API_RATE_LIMIT: '100000000',
      API_RATE_LIMIT_USER: '100000000',
      API_RATE_LIMIT_OPERATOR: '100000000',
      API_BATCH_WINDOW_MS: batchWindow,
      API_BATCH_MAX: String(maxOrders),
      ...(spec.userSteps ? { API_USER_STEPS: spec.userSteps } : {}),
    },
    { batchWindow: { windowMs: spec.batchWindowMs, maxOrders } },
  );
  const layout = new Layout(loadNetworkConfig({ profile: runningProfile() }));
  const watch = await OrderWatch.start(layout, await world.client.chainHeight());
  try {
    const parties = await registerParties(world, spec);
    const before = await balances(world, parties);
    const drive = orderDriver(world, watch, parties, spec.flow);
    let measuring: { startedAt: number; cpuStart: ProcSnapshot; endedAt?: number; cpuEnd?: ProcSnapshot } | undefined;
    const openWindow = (): void => {
      measuring = { startedAt: Date.now(), cpuStart: snapshot() };
      log.info({ flow: spec.flow, warmUp: spec.warmUp }, 'warm-up done; measuring');
    };
    if (spec.warmUp === 0) openWindow();
    const progress = (done: number): void => {
      if (done === spec.warmUp && !measuring) openWindow();
      if (done === spec.warmUp + spec.orders) Object.assign(measuring!, { endedAt: Date.now(), cpuEnd: snapshot() });
      if (done % 100 === 0) log.info({ flow: spec.flow, done, measuredBy: spec.warmUp + spec.orders }, 'orders done');
    };
    // The load stays whole until the last measured order is done: closed, `inFlight` more orders; open, starts until then.
    const arrivals = spec.offeredRate
      ? await openLoop(spec.offeredRate, spec.warmUp + spec.orders, drive, progress)
      : { outcomes: await closedLoop(spec.warmUp + spec.orders + spec.inFlight, spec.inFlight, drive, progress), held: 0 };
    const results = arrivals.outcomes;
    if (arrivals.held > 0)
      log.warn({ offeredRate: spec.offeredRate, held: arrivals.held }, 'more orders under way than the open loop allows');
    const { startedAt, cpuStart, endedAt, cpuEnd } = measuring as Required<NonNullable<typeof measuring>>;
    const cpuWindow = cpuByGroup(cpuStart, cpuEnd, processGroupRoots(layout.network, process.pid, undefined), ticksPerSecond);
    const seconds = (endedAt - startedAt) / 1000;
    const windowTransactions = watch.transactions.filter((t) => t.at >= startedAt && t.at <= endedAt);
    const transactions = windowTransactions.length;
    // The orders that finished inside the window; the ones after it kept the load up until it closed.
    const measured = results.slice(spec.warmUp, spec.warmUp + spec.orders);
    const latencies = measured.filter((m) => m.ok).map((m) => m.ms);
    const failures = measured.filter((m) => !m.ok);
    const measuredPhases = measured.flatMap((m) => (m.phases ? [m.phases] : []));
    const phaseMedianMs = Object.fromEntries(
      Object.keys(measuredPhases[0] ?? {}).map((phase) => [
        phase,
        percentile(
          measuredPhases.map((p) => p[phase] ?? 0),
          50,
        ),
      ]),
    );
    const exact = await balancesMoveExactly(world, parties, before, [...drive.prices], spec.flow);
    const keyLevel = await keyLevelValidation(layout, windowTransactions, latencies.length);
    return {
      ...spec,
      seconds,
      ordersPerSecond: latencies.length / seconds,
      transactionsPerOrder: transactions / Math.max(1, latencies.length),
      transactionsPerOrderByStep: perOrderByStep(windowTransactions, latencies.length),
      latencyMs:
        latencies.length > 0
          ? { p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: Math.max(...latencies) }
          : { p50: 0, p99: 0, max: 0 },
      failures: failures.length,
      ...(failures[0] ? { firstFailure: failures[0].error } : {}),
      ...(spec.offeredRate ? { arrivalsHeld: arrivals.held } : {}),
      balancesExact: exact,
      phaseMedianMs,
      keyLevelValidation: keyLevel,
      cpu: {
        ...cpuWindow,
        msPerOrder: Object.fromEntries(
          cpuWindow.groups.map((g) => [g.group, Math.round((g.cpuSeconds * 1000) / Math.max(1, latencies.length))]),
        ),
      },
    };
  } finally {
    watch.close();
    await world.close();
  }
}

function perOrderByStep(transactions: readonly { steps: string }[], orders: number): Record<string, number> {
  const counts = new Map<string, number>();
  for (const t of transactions) counts.set(t.steps, (counts.get(t.steps) ?? 0) + 1);
  return Object.fromEntries([...counts].map(([steps, n]) => [steps, Math.round((n / Math.max(1, orders)) * 1000) / 1000]));
}

interface Parties {
  buyers: RegisteredUser[];
  merchants: RegisteredUser[];
  couriers: RegisteredUser[];
}

async function registerParties(world: ApiWorld, spec: OrdersRoundSpec): Promise<Parties> {
  // A few at a time: each registration is a CA registration and enrollment, and a CA flooded with
  // them times its clients out.
  const count = async (n: number, role: 'buyer' | 'merchant' | 'courier', bank: string): Promise<RegisteredUser[]> => {
    const users: RegisteredUser[] = [];
    while (users.length < n)
      users.push(...(await Promise.all(Array.from({ length: Math.min(4, n - users.length) }, () => world.register(role, bank)))));
    return users;
  };
  const buyers = await count(spec.offeredRate ? 64 : Math.min(spec.inFlight, 64), 'buyer', 'BankAMSP');
  const merchants = await count(4, 'merchant', 'BankBMSP');
  const couriers = await count(4, 'courier', 'BankBMSP');
  // Enough for every order at the highest price, its dispute deposit included.
  await Promise.all([...buyers, ...couriers].map((u) => world.fund(u, 10n ** 12n)));
  return { buyers, merchants, couriers };
}

/** Where an order's time went: per phase, the milliseconds it took. */
type Phases = Record<string, number>;
type Drive = ((index: number) => Promise<Phases>) & { prices: bigint[] };

function orderDriver(world: ApiWorld, watch: OrderWatch, parties: Parties, flow: OrderFlow): Drive {
  const { client, tokens } = world;
  const pick = <T>(list: T[], i: number): T => list[i % list.length]!;
  const prices: bigint[] = [];
  const drive = async (i: number): Promise<Phases> => {
    const timing: Phases = {};
    let mark = Date.now();
    const lap = (phase: string): void => {
      timing[phase] = Date.now() - mark;
      mark = Date.now();
    };
    const [buyer, merchant, courier] = [pick(parties.buyers, i), pick(parties.merchants, i), pick(parties.couriers, i)];
    const price = BigInt(randomInt(1_000, 100_000));
    const { orderId } = await client.post<{ orderId: string }>('/orders', buyer.token, {
      merchantId: merchant.user.userId,
      courierId: courier.user.userId,
      productId: `sku-${i}`,
      price: price.toString(),
    });
    prices.push(price);
    lap('propose');
    // The platform approved as it carried the proposal (API_PLATFORM_APPROVAL=on-proposal): the merchant's turn.
    await client.post(`/orders/${orderId}/approve`, merchant.token);
    lap('approve');
    await watch.reached(orderId, 'ESCROWED', phasePatienceMs);
    lap('banks approve');
    await client.post(`/orders/${orderId}/ship`, merchant.token);
    lap('ship');
    await client.post(`/orders/${orderId}/deliver`, courier.token, { proofHash: proof() });
    lap('deliver');
    if (flow === 'settle') await client.post(`/orders/${orderId}/confirm`, buyer.token);
    else {
      await client.post(`/orders/${orderId}/non-receipt`, buyer.token);
      lap('non-receipt');
      await Promise.all([client.post(`/orders/${orderId}/deposit`, buyer.token), client.post(`/orders/${orderId}/deposit`, courier.token)]);
      await watch.happened(orderId, 'recordDeposit', 2, phasePatienceMs);
      lap('deposits');
      await client.post(`/orders/${orderId}/resolve`, tokens.platform, { winner: 'courier', evidenceHash: proof() });
    }
    lap(flow === 'settle' ? 'confirm' : 'resolve');
    await watch.reached(orderId, 'SETTLED', phasePatienceMs);
    lap('paid and proven');
    return timing;
  };
  return Object.assign(drive, { prices });
}

type Balances = Map<string, bigint>;

async function balances(world: ApiWorld, parties: Parties): Promise<Balances> {
  const users = [...parties.buyers, ...parties.merchants, ...parties.couriers];
  const entries = await Promise.all(users.map(async (u) => [u.user.wallet, await world.available(u)] as const));
  return new Map([...entries, ['platform-fees', await world.db.centralBank.balanceOf('platform-fees')]]);
}

/**
 * Once every lock is resolved: buyers paid the prices (and in disputes lost their deposits),
 * merchants got price less commission, couriers in disputes half the buyer's deposit, the platform
 * the commissions (and the other halves); and the ledger's invariant holds.
 */
async function balancesMoveExactly(
  world: ApiWorld,
  parties: Parties,
  before: Balances,
  prices: bigint[],
  flow: OrderFlow,
): Promise<boolean> {
  const sum = (f: (price: bigint) => bigint): bigint => prices.reduce((total, p) => total + f(p), 0n);
  const commission = (price: bigint): bigint =>
    settlementSplit({ price: price.toString(), commissionBps } as Parameters<typeof settlementSplit>[0]).commissionAmount;
  const expected = {
    buyers: -sum((p) => (flow === 'dispute' ? 2n * p : p)),
    merchants: sum((p) => p - commission(p)),
    couriers: flow === 'dispute' ? sum((p) => p / 2n) : 0n,
    platform: sum((p) => commission(p) + (flow === 'dispute' ? p - p / 2n : 0n)),
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    const after = await balances(world, parties);
    const moved = (users: RegisteredUser[]): bigint =>
      users.reduce((t, u) => t + after.get(u.user.wallet)! - before.get(u.user.wallet)!, 0n);
    const actual = {
      buyers: moved(parties.buyers),
      merchants: moved(parties.merchants),
      couriers: moved(parties.couriers),
      platform: after.get('platform-fees')! - before.get('platform-fees')!,
    };
    const same = (Object.keys(expected) as (keyof typeof expected)[]).every((k) => expected[k] === actual[k]);
    if (same) return (await world.db.centralBank.checkInvariant()).ok;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** The key-level policy checks of these transactions, read back from the platform's peer, per measured order. */
async function keyLevelValidation(
  layout: Layout,
  transactions: readonly { txId: string; blockNumber: bigint }[],
  orders: number,
): Promise<OrdersRoundResult['keyLevelValidation']> {
  if (transactions.length === 0) return { ordersPerTransaction: 0, signatureChecksPerOrder: 0, hashedKiBPerOrder: 0 };
  const blocks = transactions.map((t) => t.blockNumber);
  const [first, last] = [blocks.reduce((a, b) => (b < a ? b : a)), blocks.reduce((a, b) => (b > a ? b : a))];
  const ids = new Set(transactions.map((t) => t.txId));
  const measured = (await committedTransactions(layout, first, last)).filter((tx) => ids.has(tx.txId));
  const load = validationLoad(measured, layout.network.chaincode.name);
  const round = (n: number): number => Math.round(n * 10) / 10;
  return {
    ordersPerTransaction: round(load.orderWrites / Math.max(1, load.transactions)),
    signatureChecksPerOrder: round(load.signatureChecks / Math.max(1, orders)),
    hashedKiBPerOrder: round(load.hashedBytes / 1024 / Math.max(1, orders)),
  };
}
