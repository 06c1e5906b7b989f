import { percentile } from '@securepay/network/bench/stats';
import type { TxRecord } from './caliper-run';

export interface RoundSummary {
  label: string;
  flow: string;
  succeeded: number;
  failed: number;
  /** Successful transactions per second, from the first send to the last answer. */
  goodputTps: number;
  /** Attempted transactions per second over the same span. */
  sendRateTps: number;
  avgLatencyMs: number;
  p50LatencyMs: number;
  p99LatencyMs: number;
  /** Orders that reached ESCROWED per second (the batched-approval round only). */
  escrowedPerSecond?: number;
  blockSize: number;
  batchTimeout: string;
}

/** A round's figures from the workers' own records of every transaction (Caliper's report has no percentiles). */
export function summariseRound(
  label: string,
  flow: string,
  records: TxRecord[],
  batch: { maxMessageCount: number; batchTimeout: string },
): RoundSummary {
  if (records.length === 0) throw new Error(`round ${label} recorded no transactions`);
  const ok = records.filter((r) => r.ok);
  const seconds = (Math.max(...records.map((r) => r.end)) - Math.min(...records.map((r) => r.start))) / 1000;
  const latencies = ok.map((r) => r.end - r.start);
  const round = (n: number): number => Math.round(n * 10) / 10;
  const escrowed = ok.filter((r) => r.step === 'batchMerchantBank').reduce((sum, r) => sum + r.orders, 0);
  return {
    label,
    flow,
    succeeded: ok.length,
    failed: records.length - ok.length,
    goodputTps: round(ok.length / seconds),
    sendRateTps: round(records.length / seconds),
    avgLatencyMs: latencies.length ? Math.round(latencies.reduce((a, b) => a + b, 0) / latencies.length) : 0,
    p50LatencyMs: latencies.length ? percentile(latencies, 50) : 0,
    p99LatencyMs: latencies.length ? percentile(latencies, 99) : 0,
    ...(flow === 'endorse-batch' ? { escrowedPerSecond: round(escrowed / seconds) } : {}),
    blockSize: batch.maxMessageCount,
    batchTimeout: batch.batchTimeout,
  };
}
