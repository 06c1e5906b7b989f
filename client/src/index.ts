export { EscrowClient, type BatchOutcome, type Commit, type EscrowClientOptions, type StepsOutcome } from './escrow-client';
export type { Committed, RetryLog } from './chain-submitter';
export type { BatchApproval, BatchRefusal, BatchSteps, Payouts } from './contract-results';
export { orderSchema } from './contract-results';
export { commitWaitExpired, ContractRefusal, peerWords, refusalOf, TermsMismatch } from './errors';
export { orderChangeSchema, ordersChangedSchema, type OrderChange, type OrdersChanged } from './orders-changed';

// The contract's data and the pure helpers its callers need, so that they import them from here.
export {
  approvalSlots,
  slotsOf,
  type ApprovalSlot,
  type Approval,
  defaultCompensation,
  defaultWindows,
  disputePayouts,
  idPattern,
  isFinal,
  orderStates,
  OrderRefused,
  propose,
  receiptBytes,
  settlementSplit,
  walletCommitment,
  signedReceiptSchema,
  windowOverridesSchema,
  type WindowBounds,
  type ChannelDefaults,
  type CompensationPolicy,
  type DisputeWinner,
  type Order,
  type OrderState,
  type OrderTerms,
  type OrderWindows,
  type PartyRef,
  type Proposal,
  type SettlementReceipt,
  type SignedReceipt,
} from '@securepay/chaincode/src/order';
export { followChain, NotYet, type ChainFollowerOptions, type FollowedJob, type RunningFollower } from './follower/follow-chain';
export type { EventPosition, FollowerCheckpoints } from './follower/checkpoints';
export { readEvents } from './follower/read-events';
export { deadLetterCommand, deadLetters, type DeadLetterQueues } from './follower/dead-letters';
export { settleAll, type Settled } from './follower/settle-all';
export { customerRegisteredSchema, customerRequestSchema, type CustomerRequest } from './customer-request';
export { newCertificateRequest, SelfSigningUser, type ApiAnswer } from './self-custody';
export {
  approveIntent,
  confirmIntent,
  defaultIntentLifetimeMs,
  deliverIntent,
  nonReceiptIntent,
  proposeIntent,
  shipIntent,
  signIntent,
} from './intent';
export type { Batch, BatchStep, CarriedBatch, Intent, SignedIntent } from '@securepay/chaincode/src/order';
export { defaultBatchWindow, StepBatcher, type BatchedStep, type BatchWindow } from './step-batcher';
export {
  defaultWebhookToleranceSeconds,
  signWebhook,
  verifyWebhook,
  webhookSignature,
  webhookSignatureHeader,
  WebhookSignatureError,
  type VerifyWebhookOptions,
  type WebhookSignatureCode,
} from './webhook-signature';
export {
  readWebhook,
  webhookEventSchema,
  webhookEventTypeOf,
  webhookEventTypes,
  type WebhookEvent,
  type WebhookEventType,
} from './webhook-event';
export { WebhookReceiver, type ReceivedDelivery, type ReceiverAnswer, type WebhookReceiverOptions } from './webhook-receiver';
