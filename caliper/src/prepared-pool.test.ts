import { preparedOrders } from './prepared-pool';

const demand = { load: 128, ordersPerTx: 1, stepsPerOrder: 4, seconds: 10, generousRate: 250, fastestLatencySeconds: 0.2 };

describe('preparedOrders', () => {
  it('covers the generous rate over warm-up and measured seconds, plus the orders in flight', () => {
    // 250 order-steps/s × 10 s / 4 steps + 128 in flight
    expect(preparedOrders(demand)).toBe(753);
  });

  it('caps the rate at what the load can drive at the fastest latency', () => {
    // 32 / 0.2 s = 160 order-steps/s
    expect(preparedOrders({ ...demand, load: 32 })).toBe(432);
  });

  it('counts orders, not transactions, in a batched round', () => {
    // 5 batches of 100 in flight; 400 approvals/s × 8 s / 2 approvals + 500 in flight
    expect(preparedOrders({ load: 5, ordersPerTx: 100, stepsPerOrder: 2, seconds: 8, generousRate: 400, fastestLatencySeconds: 0.2 })).toBe(
      2100,
    );
  });

  it('refuses a demand it cannot size', () => {
    expect(() => preparedOrders({ ...demand, stepsPerOrder: 0 })).toThrow(/cannot size/);
  });
});
