import { parseArgs } from 'node:util';
import { connectGateway, Layout, loadNetworkConfig, orgAdmin, readConnection, runningProfile, up } from '../src';
import { log } from '../src/log';
import { ProcessTable } from '../src/processes';
import { MemorySampler } from './memory';
import { median, percentile } from './stats';

/**
 * Submit-to-commit latency of sequential `Noop` transactions, against a baseline measured in the same
 * run: the round trip of a query (`evaluate`), which has no ordering or commit. Also the network's
 * memory while it works.
 *
 *   npm run bench:noop -- --runs 5 --count 100
 */
async function main(): Promise<void> {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' }, count: { type: 'string', default: '100' } } });
  const runs = Number(values.runs);
  const count = Number(values.count);
  const network = loadNetworkConfig({ profile: process.env.SECUREPAY_PROFILE ?? runningProfile() });
  const layout = await up(network);
  const sampler = new MemorySampler(new ProcessTable(layout.pidDir).all());
  const connection = readConnection(new Layout(network), 'PlatformMSP');
  const { gateway, close } = connectGateway(connection, orgAdmin(connection));
  const contract = gateway.getNetwork(connection.channel).getContract(connection.chaincode, 'diagnostics');

  const results = [];
  sampler.start();
  for (let run = 1; run <= runs; run++) {
    const submit: number[] = [];
    const evaluate: number[] = [];
    for (let i = 0; i < count; i++) {
      let started = performance.now();
      await contract.evaluate('Noop');
      evaluate.push(performance.now() - started);
      started = performance.now();
      const committed = await contract.submitAsync('Noop');
      const status = await committed.getStatus();
      if (!status.successful) throw new Error(`Noop ${committed.getTransactionId()} failed: code ${status.code}`);
      submit.push(performance.now() - started);
    }
    const row = {
      run,
      submitToCommitMedianMs: round(median(submit)),
      submitToCommitP99Ms: round(percentile(submit, 99)),
      evaluateMedianMs: round(median(evaluate)),
    };
    log.info(row, `run ${run}/${runs}`);
    results.push(row);
  }
  const memory = sampler.stop();
  close();

  const summary = {
    profile: network.profile,
    batch: network.batch,
    transactionsPerRun: count,
    runs: results,
    medianOfRuns: {
      submitToCommitMs: median(results.map((r) => r.submitToCommitMedianMs)),
      evaluateMs: median(results.map((r) => r.evaluateMedianMs)),
      submitToCommitOverEvaluate: round(median(results.map((r) => r.submitToCommitMedianMs / r.evaluateMedianMs))),
      submitToCommitOverBatchTimeout: round(median(results.map((r) => r.submitToCommitMedianMs)) / durationMs(network.batch.batchTimeout)),
    },
    memory,
  };
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
}

const round = (n: number): number => Math.round(n * 10) / 10;
const durationMs = (d: string): number => (d.endsWith('ms') ? Number(d.slice(0, -2)) : Number(d.slice(0, -1)) * 1000);

main().catch((error: unknown) => {
  log.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
