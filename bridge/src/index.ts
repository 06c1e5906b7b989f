export { bankAccounts } from './accounts';
export { bridgeQueuePrefix, deadLetterQueueName, queueName, startBridge, type BridgeOptions, type RunningBridge } from './bridge';
export type { BankAccounts } from './bank-duties';
export { BridgeMetrics } from './metrics';
export { startCustomerOnboarding, type CustomerOnboardingOptions, type RunningOnboarding } from './customer-onboarding';
