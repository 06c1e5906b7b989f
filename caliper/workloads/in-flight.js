'use strict';

// Transactions a worker's workload module has taken on and not finished, shared with the rate
// controller in the same worker process: it counts from the moment the workload starts choosing an
// order, which Caliper's own counters (they start at the send) do not see.
// `capped`: arrivals the open-loop controller held back at its in-flight guard this round (reported).
module.exports = { count: 0, capped: 0 };
