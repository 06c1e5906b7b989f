import http from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** What an operator watches on a bank's bridge, served for Prometheus at /metrics. */
export class BridgeMetrics {
  readonly registry = new Registry();
  readonly eventsRead = new Counter({
    name: 'securepay_bridge_events_read_total',
    help: 'Chaincode events read',
    registers: [this.registry],
  });
  readonly jobs = new Counter({
    name: 'securepay_bridge_jobs_total',
    help: 'Jobs by outcome',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  readonly ledgerOperations = new Counter({
    name: 'securepay_bridge_ledger_operations_total',
    help: 'Effects applied to the CBDC ledger and the chain, by what was done',
    labelNames: ['effect'],
    registers: [this.registry],
  });
  readonly outstandingEvents = new Gauge({
    name: 'securepay_bridge_outstanding_events',
    help: 'Events read whose jobs are not all done',
    registers: [this.registry],
  });
  readonly effectLag = new Histogram({
    name: 'securepay_bridge_effect_lag_seconds',
    help: 'From reading a committed event to its effect on the ledger',
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
    registers: [this.registry],
  });
  readonly batchOrders = new Histogram({
    name: 'securepay_bridge_batch_orders',
    help: 'Orders per batch transaction (ActBatch) the bridge sent',
    buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500],
    registers: [this.registry],
  });
  readonly batchSeconds = new Histogram({
    name: 'securepay_bridge_batch_seconds',
    help: 'From sending a batch transaction to its commit (or failure), retries included',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
    registers: [this.registry],
  });
  readonly batchedSteps = new Counter({
    name: 'securepay_bridge_batched_steps_total',
    help: 'Steps sent in batches, by kind (approve, reject, recordDeposit, recordSettlement) and outcome (done, refused, failed)',
    labelNames: ['kind', 'outcome'],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'securepay_bridge_' });
  }

  serve(port: number, host = '127.0.0.1'): http.Server {
    return http
      .createServer((req, res) => {
        if (req.url !== '/metrics') {
          res.writeHead(404).end();
          return;
        }
        void this.registry.metrics().then((body) => res.writeHead(200, { 'content-type': this.registry.contentType }).end(body));
      })
      .listen(port, host);
  }
}
