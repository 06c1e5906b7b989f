import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { z } from 'zod';
import { down, loadNetworkConfig, runningProfile, up } from '@securepay/network';
import { median } from '@securepay/network/bench/stats';
import { lineChartSvg, renderCharts } from './charts';
import { runOrdersRound, type OrderFlow, type OrdersRoundResult, type OrdersRoundSpec } from './orders-round';

const log = pino({ base: undefined }, pino.destination(2));
/** Per key, the median over runs. */
const medianOfKeys = (records: Record<string, number>[]): Record<string, number> =>
  Object.fromEntries(Object.keys(records[0] ?? {}).map((k) => [k, median(records.map((r) => r[k] ?? 0))]));
const list = (text: string): number[] => text.split(',').map((n) => z.coerce.number().int().min(0).parse(n));

/**
 * Orders per second, end to end: every combination of flow, orders in flight and batch window, each a
 * fresh `ApiWorld` (API, bridges, escrow agent) on the running network, `runs` times; the medians go
 * to `results/<date>-orders/summary.json` with every run beside them, and charts.
 *
 *   npm run bench:orders -- --flows settle,dispute --in-flight 100,200,400 --windows 0,50,200 --orders 1000 --runs 3
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      flows: { type: 'string', default: 'settle,dispute' },
      'in-flight': { type: 'string', default: '200' },
      windows: { type: 'string', default: '50' },
      orders: { type: 'string', default: '600' },
      'warm-up': { type: 'string', default: '100' },
      runs: { type: 'string', default: '1' },
      out: { type: 'string' },
    },
  });
  const flows = z.array(z.enum(['settle', 'dispute'])).parse(values.flows.split(','));
  const specs: OrdersRoundSpec[] = flows.flatMap((flow: OrderFlow) =>
    list(values['in-flight']).flatMap((inFlight) =>
      list(values.windows).map((batchWindowMs) => ({
        flow,
        inFlight,
        batchWindowMs,
        orders: Number(values.orders),
        warmUp: Number(values['warm-up']),
      })),
    ),
  );
  const runs = Number(values.runs);
  const outDir =
    values.out ?? path.resolve(__dirname, '..', 'results', `${new Date().toISOString().slice(0, 16).replace(/:/g, '')}-orders`);
  mkdirSync(outDir, { recursive: true });
  await up(loadNetworkConfig({ profile: runningProfile() ?? 'raft1' }));

  const results: { spec: OrdersRoundSpec; runs: OrdersRoundResult[] }[] = [];
  for (const spec of specs) {
    const done: OrdersRoundResult[] = [];
    for (let run = 1; run <= runs; run++) {
      log.info({ ...spec, run }, 'orders round');
      const result = await runOrdersRound(spec, log);
      log.info(result, 'orders round done');
      done.push(result);
      writeFileSync(path.join(outDir, 'runs.json'), JSON.stringify([...results, { spec, runs: done }], null, 2));
    }
    results.push({ spec, runs: done });
  }
  const summary = results.map(({ spec, runs: r }) => ({
    ...spec,
    runs: r.length,
    ordersPerSecond: median(r.map((x) => x.ordersPerSecond)),
    transactionsPerOrder: median(r.map((x) => x.transactionsPerOrder)),
    latencyP50Ms: median(r.map((x) => x.latencyMs.p50)),
    latencyP99Ms: median(r.map((x) => x.latencyMs.p99)),
    failures: r.reduce((t, x) => t + x.failures, 0),
    balancesExact: r.every((x) => x.balancesExact),
    phaseMedianMs: medianOfKeys(r.map((x) => x.phaseMedianMs)),
    cpuMsPerOrder: medianOfKeys(r.map((x) => x.cpu.msPerOrder)),
    machineBusyCores: median(r.map((x) => x.cpu.machineBusyCores)),
    eachRun: r.map((x) => ({
      ordersPerSecond: x.ordersPerSecond,
      p99Ms: x.latencyMs.p99,
      failures: x.failures,
      balancesExact: x.balancesExact,
    })),
  }));
  writeFileSync(path.join(outDir, 'summary.json'), JSON.stringify({ machine: `${os.cpus().length} cores`, rounds: summary }, null, 2));
  const byWindow = flows.flatMap((flow) =>
    list(values['in-flight']).map((inFlight) => ({
      name: `${flow}, ${inFlight} in flight`,
      points: summary.filter((s) => s.flow === flow && s.inFlight === inFlight).map((s) => ({ x: s.batchWindowMs, y: s.ordersPerSecond })),
    })),
  );
  const curve = flows.flatMap((flow) =>
    list(values.windows).map((w) => ({
      name: `${flow}, window ${w} ms`,
      points: summary
        .filter((s) => s.flow === flow && s.batchWindowMs === w)
        .map((s) => ({ x: s.ordersPerSecond, y: s.latencyP99Ms / 1000 })),
    })),
  );
  await renderCharts(outDir, {
    'orders-by-window': lineChartSvg('Orders settled per second by batch window', 'batch window (ms)', 'orders/s', byWindow),
    'orders-latency': lineChartSvg(
      'Order completion p99 against orders/s (in flight swept)',
      'orders settled/s',
      'p99 completion (s)',
      curve,
    ),
  }).catch((error: unknown) => log.warn({ err: error }, 'charts not rendered'));
  log.info({ outDir, summary }, 'orders bench done');
  if (process.env.SECUREPAY_BENCH_DOWN === '1') await down(loadNetworkConfig({ profile: runningProfile() }));
}

// Exits when done: the services' Redis and gateway clients would keep a finished process alive.
main().then(
  () => process.exit(0),
  (error: unknown) => {
    log.error({ err: error }, 'orders bench failed');
    process.exit(1);
  },
);
