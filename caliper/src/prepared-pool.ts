/** What a round on prepared orders may consume, to size its pool before it starts. */
export interface PoolDemand {
  /** Transactions kept in flight. */
  load: number;
  /** Orders each transaction moves: 1, or the batch size of a batched round. */
  ordersPerTx: number;
  /** Measured steps each order takes in the round. */
  stepsPerOrder: number;
  /** Warm-up plus measured seconds: both take from the pool. */
  seconds: number;
  /** Order-steps per second (one order moved one step) above anything this network has reached. */
  generousRate: number;
  /** A transaction's latency can hardly fall below this, so `load` cannot drive more than load / it. */
  fastestLatencySeconds: number;
}

/**
 * Orders to have ready before a round so that it cannot run dry: what it could consume at a
 * generous rate (capped by what its load can drive at the fastest latency), plus every order that
 * can be mid-flow when the round stops.
 */
export function preparedOrders(demand: PoolDemand): number {
  const { load, ordersPerTx, stepsPerOrder, seconds, generousRate, fastestLatencySeconds } = demand;
  if (load < 1 || ordersPerTx < 1 || stepsPerOrder < 1 || seconds <= 0 || generousRate <= 0 || fastestLatencySeconds <= 0)
    throw new Error(`cannot size a pool for ${JSON.stringify(demand)}`);
  const rate = Math.min(generousRate, (load * ordersPerTx) / fastestLatencySeconds);
  return Math.ceil((rate * seconds) / stepsPerOrder + load * ordersPerTx);
}
