import { ContractRefusal } from '@securepay/client';
import { LedgerError } from '@securepay/ledger';

/** A request the API refuses, with the HTTP status and a stable code a client can branch on. */
export class ApiError extends Error {
  /** When to try again, in seconds, for a refusal that passes (a lockout, an unavailable dependency): sent as `Retry-After`. */
  retryAfterSeconds?: number;

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields?: { path: string; message: string }[],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

const contractStatus: Record<string, number> = {
  BAD_ARGUMENT: 400,
  WRONG_PARTY: 403,
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  WRONG_STATE: 409,
  ALREADY_DONE: 409,
  DEADLINE_PASSED: 409,
  TOO_EARLY: 409,
  INVALID_PROOF: 422,
};

const ledgerStatus: Record<string, number> = {
  BAD_ARGUMENT: 400,
  UNAUTHORISED: 403,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  INSUFFICIENT_FUNDS: 409,
  IDEMPOTENCY_CONFLICT: 409,
};

/**
 * What a refusal by the contract or the ledger means for the caller. Anything else is our fault and
 * becomes an opaque 500: stack traces and internal messages stay in the log.
 */
export function asApiError(error: unknown): ApiError | undefined {
  if (error instanceof ApiError) return error;
  if (error instanceof ContractRefusal) return new ApiError(contractStatus[error.code] ?? 409, error.code, error.message);
  if (error instanceof LedgerError) {
    return new ApiError(ledgerStatus[error.code] ?? 409, error.code, error.reason);
  }
  return undefined;
}
