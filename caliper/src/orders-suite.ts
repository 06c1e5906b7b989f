import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { median } from '@securepay/network/bench/stats';
import { lineChartSvg, renderCharts } from './charts';
import { runOrdersRound, type OrderFlow, type OrdersRoundResult, type OrdersRoundSpec } from './orders-round';

/** One combination of flow, orders in flight and batch window: the medians of its runs, and each run. */
export interface OrdersFigure extends OrdersRoundSpec {
  runs: number;
  ordersPerSecond: number;
  transactionsPerOrder: number;
  /** `OrdersRoundResult.transactionsPerOrderByStep`, medians. */
  transactionsPerOrderByStep: Record<string, number>;
  latencyP50Ms: number;
  latencyP99Ms: number;
  failures: number;
  /** Open loop: arrivals held back over all runs (`OrdersRoundResult.arrivalsHeld`); above 0, the offered rate was not carried. */
  arrivalsHeld?: number;
  balancesExact: boolean;
  phaseMedianMs: Record<string, number>;
  cpuMsPerOrder: Record<string, number>;
  /** Each committing peer's key-level policy checks per order (`OrdersRoundResult.keyLevelValidation`), medians. */
  keyLevelValidation: Record<string, number>;
  machineBusyCores: number;
  eachRun: { ordersPerSecond: number; p99Ms: number; failures: number; balancesExact: boolean }[];
}

/** Per key, the median over runs (a key a run lacks counts as 0 there). */
const medianOfKeys = (records: Record<string, number>[]): Record<string, number> =>
  Object.fromEntries([...new Set(records.flatMap((r) => Object.keys(r)))].map((k) => [k, median(records.map((r) => r[k] ?? 0))]));

/** Every combination of the flows, loads and windows given, the load and window varying fastest. */
export function ordersSpecs(grid: {
  flows: OrderFlow[];
  inFlight: number[];
  windows: number[];
  orders: number;
  warmUp: number;
  /** Offered rates (orders/s) to run open loop, after the closed-loop loads. */
  rates?: number[];
  batchMaxOrders?: number;
  userSteps?: OrdersRoundSpec['userSteps'];
}): OrdersRoundSpec[] {
  // Only the settings given: a round without them runs the product's defaults.
  const given = {
    ...(grid.batchMaxOrders === undefined ? {} : { batchMaxOrders: grid.batchMaxOrders }),
    ...(grid.userSteps === undefined ? {} : { userSteps: grid.userSteps }),
  };
  const loads = [
    ...grid.inFlight.map((inFlight) => ({ inFlight })),
    ...(grid.rates ?? []).map((offeredRate) => ({ inFlight: 0, offeredRate })),
  ];
  return grid.flows.flatMap((flow) =>
    loads.flatMap((load) =>
      grid.windows.map((batchWindowMs) => ({ flow, ...load, batchWindowMs, orders: grid.orders, warmUp: grid.warmUp, ...given })),
    ),
  );
}

/** How a round's load is named: `300 in flight`, or `20/s offered` for an open-loop round. */
export const loadLabel = (spec: Pick<OrdersRoundSpec, 'inFlight' | 'offeredRate'>): string =>
  spec.offeredRate ? `${spec.offeredRate}/s offered` : `${spec.inFlight} in flight`;

/**
 * A round's warm-up is one wave of its load: with as many orders as in flight they all start at once,
 * and one wave of batches carries them, which measures a burst rather than the steady state. (The
 * quick bench of 2026-12-03 measured 300 orders at 300 in flight: 12.99 orders/s at 0.18
 * transactions per order; in steady state the same load carries ~9–12 orders/s at ~1.)
 */
const steady = (inFlight: number, waves: number): { warmUp: number; orders: number } => ({ warmUp: inFlight, orders: waves * inFlight });

/** What `npm run bench` measures end to end: the settle flow by window and by load, and the dispute flow once. */
export function benchOrdersSpecs(quick: boolean): OrdersRoundSpec[] {
  const waves = quick ? 1 : 2;
  return [
    ...ordersSpecs({ flows: ['settle'], inFlight: [300], windows: quick ? [0, 200] : [0, 50, 200], ...steady(300, waves) }),
    ...(quick ? [] : [100, 500].flatMap((n) => ordersSpecs({ flows: ['settle'], inFlight: [n], windows: [200], ...steady(n, waves) }))),
    // Open loop, orders arriving evenly rather than in a closed loop's waves, below and near what this
    // machine carried steadily on 2026-12-07 (15 orders/s): 600 measured after 200.
    ...(quick ? [] : ordersSpecs({ flows: ['settle'], inFlight: [], rates: [8, 16], windows: [200], warmUp: 200, orders: 600 })),
    ...ordersSpecs({ flows: ['dispute'], inFlight: [300], windows: [200], ...steady(300, waves) }),
  ];
}

/**
 * Runs each spec `runs` times, each round a fresh `ApiWorld` on the running network, writing every
 * run to `runs.json` as it ends (an interrupted suite keeps what it measured); returns the medians
 * and draws orders/s by batch window and completion p99 against orders/s.
 */
export async function runOrdersSuite(specs: OrdersRoundSpec[], runs: number, outDir: string, log: Logger): Promise<OrdersFigure[]> {
  const results: { spec: OrdersRoundSpec; runs: OrdersRoundResult[] }[] = [];
  for (const [i, spec] of specs.entries()) {
    const done: OrdersRoundResult[] = [];
    for (let run = 1; run <= runs; run++) {
      log.info({ ...spec, run, round: `${i + 1} of ${specs.length}` }, 'orders round');
      const result = await runOrdersRound(spec, log);
      log.info({ ordersPerSecond: result.ordersPerSecond, p99Ms: result.latencyMs.p99, failures: result.failures }, 'orders round done');
      done.push(result);
      writeFileSync(path.join(outDir, 'orders-runs.json'), JSON.stringify([...results, { spec, runs: done }], null, 2));
    }
    results.push({ spec, runs: done });
  }
  const figures = results.map(({ spec, runs: r }) => figureOf(spec, r));
  await drawOrders(outDir, figures).catch((error: unknown) => log.warn({ err: error }, 'orders charts not rendered'));
  return figures;
}

function figureOf(spec: OrdersRoundSpec, r: OrdersRoundResult[]): OrdersFigure {
  return {
    ...spec,
    runs: r.length,
    ordersPerSecond: median(r.map((x) => x.ordersPerSecond)),
    transactionsPerOrder: median(r.map((x) => x.transactionsPerOrder)),
    transactionsPerOrderByStep: medianOfKeys(r.map((x) => x.transactionsPerOrderByStep)),
    latencyP50Ms: median(r.map((x) => x.latencyMs.p50)),
    latencyP99Ms: median(r.map((x) => x.latencyMs.p99)),
    failures: r.reduce((t, x) => t + x.failures, 0),
    ...(spec.offeredRate ? { arrivalsHeld: r.reduce((t, x) => t + (x.arrivalsHeld ?? 0), 0) } : {}),
    balancesExact: r.every((x) => x.balancesExact),
    phaseMedianMs: medianOfKeys(r.map((x) => x.phaseMedianMs)),
    cpuMsPerOrder: medianOfKeys(r.map((x) => x.cpu.msPerOrder)),
    keyLevelValidation: medianOfKeys(r.map((x) => x.keyLevelValidation)),
    machineBusyCores: median(r.map((x) => x.cpu.machineBusyCores)),
    eachRun: r.map((x) => ({
      ordersPerSecond: x.ordersPerSecond,
      p99Ms: x.latencyMs.p99,
      failures: x.failures,
      balancesExact: x.balancesExact,
    })),
  };
}

/**
 * Each spec's figure over several bench runs (each run's suite measured it once): the median of the
 * runs' figures, every run's own beside it. The charts are drawn again in `outDir` from the medians.
 */
export function mergeOrdersRuns(perRun: OrdersFigure[][]): OrdersFigure[] {
  if (perRun.length <= 1) return perRun[0] ?? [];
  return perRun[0]!.map((first, i) => {
    const same = perRun.map((figures) => figures[i]!);
    const m = (pick: (f: OrdersFigure) => number): number => median(same.map(pick));
    return {
      ...first,
      runs: same.length,
      ordersPerSecond: m((f) => f.ordersPerSecond),
      transactionsPerOrder: m((f) => f.transactionsPerOrder),
      transactionsPerOrderByStep: medianOfKeys(same.map((f) => f.transactionsPerOrderByStep ?? {})),
      latencyP50Ms: m((f) => f.latencyP50Ms),
      latencyP99Ms: m((f) => f.latencyP99Ms),
      failures: same.reduce((t, f) => t + f.failures, 0),
      ...(first.offeredRate ? { arrivalsHeld: same.reduce((t, f) => t + (f.arrivalsHeld ?? 0), 0) } : {}),
      balancesExact: same.every((f) => f.balancesExact),
      phaseMedianMs: medianOfKeys(same.map((f) => f.phaseMedianMs)),
      cpuMsPerOrder: medianOfKeys(same.map((f) => f.cpuMsPerOrder)),
      keyLevelValidation: medianOfKeys(same.map((f) => f.keyLevelValidation)),
      machineBusyCores: m((f) => f.machineBusyCores),
      eachRun: same.flatMap((f) => f.eachRun),
    };
  });
}

export async function drawOrders(outDir: string, figures: OrdersFigure[]): Promise<void> {
  const keys = <T>(values: T[]): T[] => [...new Set(values)];
  const byWindow = keys(figures.map((f) => `${f.flow}, ${loadLabel(f)}`))
    .map((name) => {
      // A window of 0 (unbatched) is one of the points: the window axis is linear.
      const points = figures
        .filter((f) => `${f.flow}, ${loadLabel(f)}` === name)
        .map((f) => ({ x: f.batchWindowMs, y: f.ordersPerSecond }))
        .sort((a, b) => a.x - b.x);
      return { name, points };
    })
    .filter((s) => s.points.length > 1);
  const arrivals = (f: OrdersFigure): string => (f.offeredRate ? 'open' : 'closed');
  const curve = keys(figures.map((f) => `${f.flow} ${f.batchWindowMs} ms ${arrivals(f)}`)).map((name) => {
    // In order of load, so the curve bends back where more load brought fewer orders.
    const points = figures
      .filter((f) => `${f.flow} ${f.batchWindowMs} ms ${arrivals(f)}` === name)
      .sort((a, b) => (a.offeredRate ?? a.inFlight) - (b.offeredRate ?? b.inFlight))
      .map((f) => ({ x: f.ordersPerSecond, y: f.latencyP99Ms / 1000 }));
    return { name, points };
  });
  await renderCharts(outDir, {
    ...(byWindow.length
      ? {
          'orders-by-window': lineChartSvg(
            'Orders settled per second by batch window',
            'batch window (ms)',
            'orders/s',
            byWindow,
            'linear',
          ),
        }
      : {}),
    'orders-latency': lineChartSvg('Order completion p99 against orders/s', 'orders completed/s', 'p99 completion (s)', curve, 'linear'),
  });
}
