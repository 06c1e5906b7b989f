const Sequencer = require('@jest/test-sequencer').default;

/**
 * Tests share one running network. The API fault test kills a bank's peer and the orderer, and the
 * crash test restarts Redis and PostgreSQL under everyone, so they run after the others; the privacy
 * test reads the whole channel, so it runs after the tests that fill it; the lifecycle test takes the
 * network down and brings it back, so it runs last.
 */
const last = ['api-faults.test.ts', 'crash.test.ts', 'privacy.test.ts', 'lifecycle.test.ts'];
const rank = (t) => last.findIndex((name) => t.path.endsWith(name));

class SharedNetworkOrder extends Sequencer {
  sort(tests) {
    return [...tests].sort((a, b) => rank(a) - rank(b) || a.path.localeCompare(b.path));
  }
}

module.exports = SharedNetworkOrder;
