export { createSupervisionApp, type SupervisionAppOptions, type SupervisionReads } from './app';
export { deadlineOf, ordersWritten, type UnreadableWrite } from './chain-orders';
export { ChainScan, type ChainScanOptions, type ScanProgress } from './chain-scan';
export { PeerChainSource, scannedBlock, type ChainSource, type ScannedBlock } from './chain-source';
export { loadSupervisionConfig, supervisionConfigSchema, type SupervisionConfig } from './config';
export { supervisionSummary, supervisorOnNetwork, type OnNetworkOptions } from './on-network';
export {
  agentJobId,
  agentProcessed,
  decisionsToCheck,
  reconcile,
  settledStatus,
  verdict,
  type AgentSide,
  type Awaiting,
  type AwaitingKind,
  type ChainSide,
  type Discrepancy,
  type DiscrepancyKind,
  type LedgerSide,
  type Reconciliation,
} from './reconciliation';
export { renderSummary } from './summary-text';
export { ChainMismatch, SupervisionRefusal } from './supervision-error';
export {
  openSupervisor,
  startSupervision,
  type OpenSupervisor,
  type RunningSupervision,
  type SupervisorOptions,
} from './supervision-service';
export {
  defaultAgingBands,
  Supervisor,
  type ChainPosition,
  type ReconciliationReport,
  type SupervisionSummary,
  type SupplyReport,
} from './supervisor';
