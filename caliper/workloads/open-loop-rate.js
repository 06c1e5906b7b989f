'use strict';

// An open-loop load: arrivals (here: orders, each walking its steps) come at a fixed rate whatever the system does with them,
// the way independent customers arrive. `tps` is arrivals per second. The n-th is due at start + n / tps; one that is late goes at
// once, so a slow system sees the backlog it would see in life instead of a politely slowed client.
// Caliper's own fixed-rate controller paces by the connector's count of sent transactions, which
// lags behind ours (a step first waits for its order), so it bursts; this one counts its own calls.
const RateInterface = require('@hyperledger/caliper-core/lib/worker/rate-control/rateInterface');
const inFlight = require('./in-flight');

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

class OpenLoopRate extends RateInterface {
  constructor(testMessage, stats, workerIndex) {
    super(testMessage, stats, workerIndex);
    this.tps = Math.max(0.1, Number(this.options.tps ?? 10) / this.numberOfWorkers);
    // Only a guard against exhausting the worker's memory far past saturation; reached, it is reported.
    this.maxInFlight = Math.max(1, Number(this.options.maxInFlight ?? 4000));
    this.offered = 0;
    this.start = undefined;
  }

  async applyRateControl() {
    const now = Date.now();
    if (this.start === undefined) this.start = now;
    const due = this.start + (this.offered * 1000) / this.tps;
    this.offered += 1;
    if (due > now) await sleep(due - now);
    if (inFlight.count >= this.maxInFlight) {
      inFlight.capped = (inFlight.capped ?? 0) + 1;
      while (inFlight.count >= this.maxInFlight) await sleep(1);
    }
  }

  async end() {}
}

module.exports.createRateController = (testMessage, stats, workerIndex) => new OpenLoopRate(testMessage, stats, workerIndex);
