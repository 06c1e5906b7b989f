import { ApiError } from './api-error';

/** What a `503` names as unavailable, so that a backend can tell "retry later" from a bug. */
export const unavailableCodes = {
  /** A Fabric peer did not answer; the subject is its org's MSP id (or the orgs', comma-separated). */
  PEER_UNAVAILABLE: 5,
  /** The ordering service did not take or deliver the transaction; the subject is the orderer's MSP id when known. */
  ORDERER_UNAVAILABLE: 5,
  /** The CBDC ledger's database did not answer. */
  LEDGER_UNAVAILABLE: 2,
  /** Redis did not answer. */
  QUEUE_UNAVAILABLE: 2,
  /** A bank's customer onboarding (served by its bridge) did not answer; the subject is the bank's MSP id. */
  BANK_UNAVAILABLE: 5,
} as const;
export type UnavailableCode = keyof typeof unavailableCodes;

/**
 * A dependency the request needed did not answer: `503` with a retryable code naming it and a
 * `Retry-After` (seconds). Nothing the caller sent was wrong; an idempotent retry completes the step
 * exactly once (`step-recovery.ts`).
 */
export class ServiceUnavailable extends ApiError {
  override readonly retryAfterSeconds: number;

  constructor(
    readonly unavailable: UnavailableCode,
    readonly subject: string,
    what: string,
    options?: { cause?: unknown },
  ) {
    const retryAfterSeconds = unavailableCodes[unavailable];
    super(503, unavailable, `${what}; retry after ${retryAfterSeconds} s`);
    this.retryAfterSeconds = retryAfterSeconds;
    if (options?.cause !== undefined) this.cause = options.cause;
    this.name = 'ServiceUnavailable';
  }
}
