import { benchOrdersSpecs, loadLabel, mergeOrdersRuns, ordersSpecs, type OrdersFigure } from './orders-suite';

const figure = (ordersPerSecond: number, over: Partial<OrdersFigure> = {}): OrdersFigure => ({
  flow: 'settle',
  inFlight: 300,
  batchWindowMs: 200,
  orders: 300,
  warmUp: 100,
  runs: 1,
  ordersPerSecond,
  transactionsPerOrder: 2,
  transactionsPerOrderByStep: { ship: 0.5 },
  latencyP50Ms: 1_000 * ordersPerSecond,
  latencyP99Ms: 2_000 * ordersPerSecond,
  failures: 0,
  balancesExact: true,
  phaseMedianMs: { 'banks approve': 10 * ordersPerSecond },
  cpuMsPerOrder: { peers: 100 * ordersPerSecond },
  keyLevelValidation: { signatureChecksPerOrder: 3 * ordersPerSecond },
  machineBusyCores: 1.9,
  eachRun: [{ ordersPerSecond, p99Ms: 2_000 * ordersPerSecond, failures: 0, balancesExact: true }],
  ...over,
});

describe('the orders suite', () => {
  it('takes every combination, the window varying fastest', () => {
    const specs = ordersSpecs({ flows: ['settle', 'dispute'], inFlight: [100, 300], windows: [0, 200], orders: 50, warmUp: 10 });
    expect(specs.map((s) => `${s.flow} ${s.inFlight} ${s.batchWindowMs}`)).toEqual([
      'settle 100 0',
      'settle 100 200',
      'settle 300 0',
      'settle 300 200',
      'dispute 100 0',
      'dispute 100 200',
      'dispute 300 0',
      'dispute 300 200',
    ]);
  });

  it('runs the offered rates open loop, after the loads in flight, and names each load', () => {
    const specs = ordersSpecs({ flows: ['settle'], inFlight: [300], rates: [10, 20], windows: [200], orders: 50, warmUp: 10 });
    expect(specs.map(loadLabel)).toEqual(['300 in flight', '10/s offered', '20/s offered']);
    expect(specs.filter((s) => s.offeredRate).every((s) => s.inFlight === 0)).toBe(true);
  });

  it('the bench compares batching with none, and the full bench loads ≥ 500 orders in flight', () => {
    const quick = benchOrdersSpecs(true);
    expect(quick.filter((s) => s.flow === 'settle').map((s) => s.batchWindowMs)).toEqual([0, 200]);
    expect(quick.some((s) => s.flow === 'dispute')).toBe(true);
    expect(Math.max(...benchOrdersSpecs(false).map((s) => s.inFlight))).toBeGreaterThanOrEqual(500);
  });

  it('every round warms up with a whole wave of its load, so the orders it measures are not the first burst', () => {
    for (const spec of [...benchOrdersSpecs(true), ...benchOrdersSpecs(false)]) {
      expect(spec.warmUp).toBeGreaterThanOrEqual(spec.inFlight);
      expect(spec.orders).toBeGreaterThanOrEqual(spec.inFlight);
    }
  });

  it("several runs: each figure the median of the runs', failures summed, balances exact only if every run's were", () => {
    const merged = mergeOrdersRuns([[figure(3)], [figure(5, { failures: 2 })], [figure(4, { balancesExact: false })]]);
    expect(merged).toHaveLength(1);
    expect(merged[0]).toMatchObject({
      runs: 3,
      ordersPerSecond: 4,
      latencyP99Ms: 8_000,
      failures: 2,
      balancesExact: false,
      phaseMedianMs: { 'banks approve': 40 },
      cpuMsPerOrder: { peers: 400 },
      keyLevelValidation: { signatureChecksPerOrder: 12 },
    });
    expect(merged[0]!.eachRun.map((r) => r.ordersPerSecond)).toEqual([3, 5, 4]);
  });

  it('one run is its own figure; no run, none', () => {
    expect(mergeOrdersRuns([[figure(3)]])).toEqual([figure(3)]);
    expect(mergeOrdersRuns([])).toEqual([]);
  });
});
