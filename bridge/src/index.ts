export { bankAccounts, bridgeRuntimeDir } from './accounts';
export { bridgeQueuePrefix, deadLetterQueueName, queueName, startBridge, type BridgeOptions, type RunningBridge } from './bridge';
export type { BankAccounts } from './lifecycle-driver';
export { BridgeMetrics } from './metrics';
