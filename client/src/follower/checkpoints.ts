/** Where a follower is in the channel: a chaincode event's block and transaction. */
export interface EventPosition {
  blockNumber: bigint;
  transactionId: string;
}

/**
 * Where a follower keeps its place and which jobs have taken effect: durable, so that a restart
 * resumes after the last event whose every job is done, and a job run again is known done.
 */
export interface FollowerCheckpoints {
  load(): Promise<EventPosition | undefined>;
  save(position: EventPosition): Promise<void>;
  /** Marks jobs (or parts of one: a job may cover several orders) as having taken effect. */
  markProcessed(jobIds: string[]): Promise<void>;
  processed(jobIds: string[]): Promise<Set<string>>;
}
