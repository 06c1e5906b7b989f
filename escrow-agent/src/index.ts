export {
  agentDeadLetterQueueName,
  agentFollower,
  agentQueueName,
  agentQueuePrefix,
  decisionJobSchema,
  startEscrowAgent,
  type DecisionJob,
  type EscrowAgentOptions,
  type RunningAgent,
} from './agent';
export { ChannelTrust } from './channel-trust';
export { DecisionRefused, orderKey, proveDecision, validEndorsers, type ProvenDecision } from './decision-proof';
export { escrowEffects, type EscrowEffect } from './escrow-effects';
export { startAgentOnNetwork } from './agent-on-network';
