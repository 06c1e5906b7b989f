import type { RoundSpec } from './caliper-run';

/** The SecurePay paper's figures (Fabric 2.2, 8-core laptop + 4-core VMs), in transactions per second. */
export const paper = {
  full: 256.4,
  fullLatencyS: 4.29,
  dispute: 86.4,
  disputeLatencyS: 4.81,
  settlementProof: 81.4,
  settlementProofLatencyS: 5.07,
  centralized: 774.2,
};

/**
 * Transactions kept in flight. On 2 cores one Caliper worker with 32 in flight gave the most goodput
 * at the least latency (README: tuning); more load only queues.
 */
export const load = 32;

/** The paper's Figure 7 stages and its three workflows, with Noop for the ceiling. */
export function stageRounds(quick: boolean): RoundSpec[] {
  const seconds = quick ? 10 : 30;
  // Prepared pools a little larger than a round can use, so that it never runs dry.
  const prepared = quick ? 200 : 600;
  const batchOrders = quick ? 400 : 1_000;
  const batchSize = 100;
  return [
    { label: 'noop', flow: 'noop', txDuration: seconds, load },
    { label: 'proposal', flow: 'propose', txDuration: seconds, load },
    { label: 'endorsement', flow: 'endorse', txDuration: seconds, preparedOrders: prepared, load },
    {
      label: 'endorsement (batched)',
      flow: 'endorse-batch',
      txDuration: Math.min(seconds, 10),
      preparedOrders: batchOrders,
      batchSize,
      load: 8,
    },
    { label: 'escrow execution', flow: 'escrow', txDuration: seconds, preparedOrders: prepared, load },
    { label: 'full workflow', flow: 'full', txDuration: seconds, load },
    { label: 'dispute workflow', flow: 'dispute', txDuration: seconds, load },
    { label: 'settlement-proof workflow', flow: 'settlement-proof', txDuration: seconds, load },
  ];
}

/** Block size and batch timeout for the full workflow. */
export function sweepPoints(quick: boolean): { size: number; timeout: string }[] {
  if (quick)
    return [
      { size: 20, timeout: '250ms' },
      { size: 160, timeout: '250ms' },
    ];
  return [10, 20, 40, 80, 160].flatMap((size) => ['100ms', '500ms', '2s'].map((timeout) => ({ size, timeout })));
}
