import type { RoundSpec } from './caliper-run';
import { preparedOrders } from './prepared-pool';
import { warmUpSeconds } from './warm-up';

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
 * Pool sizing: order-steps per second no round has come near on this machine (Noop peaked at
 * ~170 tx/s; the batched approvals reached ~413 approvals/s on 2026-12-07 and emptied the pool that
 * 400 sized, so they get twice that), and a latency below any measured.
 */
const generousRate = { single: 250, batched: 800 };
const fastestLatencySeconds = 0.2;

/** One of the paper's stages or workflows, swept over loads; the best point with zero failures is its figure. */
export interface StagePlan {
  label: string;
  flow: string;
  /** Transactions kept in flight at each point of the sweep. */
  loads: number[];
  /** The shortest warm-up; flows on orders warm up until an order can have walked all its steps. */
  warmSeconds: number;
  seconds: number;
  /** The step that completes an order (none for Noop), and the measured steps each order takes. */
  finalStep?: string;
  stepsPerOrder: number;
  /** Flows on orders prepared before the round. */
  prepared: boolean;
  batchSize?: number;
}

/** The paper's Figure 7 stages and its three workflows, with Noop for the ceiling. */
export function stagePlans(quick: boolean): StagePlan[] {
  const loads = quick ? [32, 128] : [32, 64, 128, 256];
  const timing = { warmSeconds: quick ? 2 : 5, seconds: quick ? 8 : 20 };
  const plan = (label: string, flow: string, finalStep: string | undefined, stepsPerOrder: number, prepared = false): StagePlan => ({
    label,
    flow,
    loads,
    ...timing,
    ...(finalStep ? { finalStep } : {}),
    stepsPerOrder,
    prepared,
  });
  return [
    // Noop is the ceiling every ratio uses: it goes one step further, to be sure it saturates.
    { ...plan('noop', 'noop', undefined, 1), loads: quick ? [32, 128, 256] : [32, 64, 128, 256, 512] },
    plan('proposal', 'propose', 'propose', 1),
    plan('endorsement', 'endorse', 'approveMerchantBank', 4, true),
    {
      // Batches of 100 as a bank's bridge sends them, several batches in flight: ≥ 500 orders at once.
      ...plan('endorsement (batched)', 'endorse-batch', 'batchMerchantBank', 2, true),
      loads: quick ? [5] : [5, 10],
      seconds: quick ? 6 : 20,
      batchSize: 100,
    },
    plan('escrow execution', 'escrow', 'confirm', 3, true),
    plan('full workflow', 'full', 'confirm', 8),
    plan('dispute workflow', 'dispute', 'resolveForCourier', 11),
    plan('settlement-proof workflow', 'settlement-proof', 'recordSettlement', 9),
  ];
}

/** A sweep point's label: the stage's label and its load. */
export const pointLabel = (label: string, load: number): string => `${label} @${load}`;

/** The closed-loop Caliper rounds of a stage's load sweep, each with a pool that cannot run dry. */
export function closedLoopRounds(plan: StagePlan): RoundSpec[] {
  return plan.loads.map((load) => closedLoopRound(plan, load));
}

/** Transactions per second the workflows reach here, to estimate how long an order takes (warm-up). */
const assumedTps = 100;

function closedLoopRound(plan: StagePlan, load: number): RoundSpec {
  // A batched round moves each order in two batches, later stage first: no pipeline to fill.
  const warmSeconds = plan.batchSize
    ? plan.warmSeconds
    : warmUpSeconds({ stepsPerOrder: plan.stepsPerOrder, load, assumedTps, minimum: plan.warmSeconds });
  return {
    label: pointLabel(plan.label, load),
    flow: plan.flow,
    warmSeconds,
    txDuration: plan.seconds,
    load,
    ...(plan.batchSize ? { batchSize: plan.batchSize } : {}),
    ...(plan.prepared
      ? {
          preparedOrders: preparedOrders({
            load,
            ordersPerTx: plan.batchSize ?? 1,
            stepsPerOrder: plan.stepsPerOrder,
            seconds: warmSeconds + plan.seconds,
            generousRate: plan.batchSize ? generousRate.batched : generousRate.single,
            fastestLatencySeconds,
          }),
        }
      : {}),
  };
}

/** The workflows whose throughput–latency curve is also drawn open loop. */
export const openLoopFlows = ['full', 'dispute', 'settlement-proof'];

/** Offered rates of the open-loop sweep, as fractions of the workflow's best closed-loop goodput. */
export function openLoopFractions(quick: boolean): number[] {
  return quick ? [0.5, 0.9, 1.2] : [0.3, 0.5, 0.7, 0.85, 1, 1.15, 1.3];
}

/** An open-loop point's label: the stage's label and the fraction of its closed-loop best offered. */
export const openLoopLabel = (label: string, fraction: number): string => `${label} open loop ${Math.round(fraction * 100)}%`;

/** The open-loop Caliper rounds of one workflow, at fractions of the goodput it reached closed loop. */
export function openLoopRounds(plan: StagePlan, bestGoodputTps: number, quick: boolean): (RoundSpec & { stepsPerOrder: number })[] {
  return openLoopFractions(quick).map((fraction) => ({
    label: openLoopLabel(plan.label, fraction),
    flow: plan.flow,
    // Long enough for the first arrivals to reach their last step (a step takes ~0.6 s at these rates).
    warmSeconds: Math.max(plan.warmSeconds, Math.ceil(plan.stepsPerOrder * 0.6)),
    txDuration: quick ? 6 : plan.seconds,
    // Orders arrive at the rate whose steps make up this fraction of the closed-loop goodput.
    offeredOrdersPerSecond: Math.max(0.5, Math.round(((bestGoodputTps * fraction) / plan.stepsPerOrder) * 100) / 100),
    stepsPerOrder: plan.stepsPerOrder,
  }));
}

/** Block size and batch timeout for the full workflow. */
export function sweepPoints(quick: boolean): { size: number; timeout: string }[] {
  // Quick: one small block size; the stage rounds give the default (500 / 250 ms) beside it.
  if (quick) return [{ size: 20, timeout: '250ms' }];
  return [10, 20, 40, 80, 160].flatMap((size) => ['100ms', '500ms', '2s'].map((timeout) => ({ size, timeout })));
}
