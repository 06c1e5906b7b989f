import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { z } from 'zod';
import { ensureChromium } from '@securepay/demo';
import { down, loadNetworkConfig, peerBuilds, runningProfile, up } from '@securepay/network';
import { ordersSpecs, runOrdersSuite } from './orders-suite';

const log = pino({ base: undefined }, pino.destination(2));
const list = (text: string): number[] => text.split(',').map((n) => z.coerce.number().int().min(0).parse(n));

/**
 * Orders per second, end to end: every combination of flow, orders in flight and batch window, each a
 * fresh `ApiWorld` (API, bridges, escrow agent) on the running network, `runs` times; the medians go
 * to `results/<date>-orders/summary.json` with every run beside them, and charts.
 *
 *   npm run bench:orders -- --flows settle,dispute --in-flight 100,200,400 --windows 0,50,200 --orders 1000 --runs 3
 *
 * `--rates 10,20`: open-loop rounds at these offered orders/s (orders started evenly, however many are
 * under way); given alone, no closed-loop rounds.
 * `--batch-max N`: the most orders one batch of the API or a bridge carries (the product's default, 200, if not given).
 * `--user-steps platform|user`: who carries merchants' and couriers' steps (the API's `API_USER_STEPS`;
 * the product's default, `platform`, if not given).
 * The channel's block cutting is the running network's (`SECUREPAY_BATCH_TIMEOUT`, `SECUREPAY_BATCH_SIZE`
 * when it was brought up); summary.json records it.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      flows: { type: 'string', default: 'settle,dispute' },
      'in-flight': { type: 'string' },
      rates: { type: 'string' },
      windows: { type: 'string', default: '50' },
      orders: { type: 'string', default: '600' },
      'warm-up': { type: 'string', default: '100' },
      runs: { type: 'string', default: '1' },
      'batch-max': { type: 'string' },
      'user-steps': { type: 'string' },
      out: { type: 'string' },
    },
  });
  const flows = z.array(z.enum(['settle', 'dispute'])).parse(values.flows.split(','));
  const specs = ordersSpecs({
    flows,
    // 200 in flight unless loads are given: in flight, offered rates or both.
    inFlight: values['in-flight'] !== undefined ? list(values['in-flight']) : values.rates !== undefined ? [] : [200],
    ...(values.rates === undefined ? {} : { rates: list(values.rates).filter((r) => r > 0) }),
    windows: list(values.windows),
    orders: Number(values.orders),
    warmUp: Number(values['warm-up']),
    ...(values['batch-max'] === undefined ? {} : { batchMaxOrders: z.coerce.number().int().min(1).max(500).parse(values['batch-max']) }),
    ...(values['user-steps'] === undefined ? {} : { userSteps: z.enum(['platform', 'user']).parse(values['user-steps']) }),
  });
  const outDir =
    values.out ?? path.resolve(__dirname, '..', 'results', `${new Date().toISOString().slice(0, 16).replace(/:/g, '')}-orders`);
  mkdirSync(outDir, { recursive: true });
  try {
    ensureChromium(); // for the charts' PNGs
  } catch (error) {
    log.warn({ err: error }, 'no Chromium: the charts will be SVG only');
  }
  const layout = await up(loadNetworkConfig({ profile: runningProfile() ?? 'raft1' }));
  // The release's build, or a build with one of network/fabric-patches named after its commit.
  const fabricPeers = [...new Set(Object.values(await peerBuilds(layout)))];

  const summary = await runOrdersSuite(specs, Number(values.runs), outDir, log);
  writeFileSync(
    path.join(outDir, 'summary.json'),
    // up() refuses a running channel cut with other settings, so these are the channel's own.
    JSON.stringify({ machine: `${os.cpus().length} cores`, fabricPeers, blockCutting: layout.network.batch, rounds: summary }, null, 2),
  );
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
