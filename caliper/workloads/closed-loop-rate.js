'use strict';

// A closed-loop load: each worker keeps `transactionLoad` transactions in flight and sends the next
// one the moment one finishes. Caliper's own fixed-load controller sleeps by a formula instead,
// which on slow transactions parks a worker for tens of seconds.
const RateInterface = require('@hyperledger/caliper-core/lib/worker/rate-control/rateInterface');
const inFlight = require('./in-flight');

class ClosedLoopRate extends RateInterface {
  constructor(testMessage, stats, workerIndex) {
    super(testMessage, stats, workerIndex);
    this.load = Math.max(1, Number(this.options.transactionLoad ?? 10));
  }

  async applyRateControl() {
    while (inFlight.count >= this.load) {
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  }

  async end() {}
}

module.exports.createRateController = (testMessage, stats, workerIndex) => new ClosedLoopRate(testMessage, stats, workerIndex);
