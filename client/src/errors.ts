import { CommitStatusError, EndorseError, type GatewayError } from '@hyperledger/fabric-gateway';

/**
 * The contract refused the transaction: retrying will not help. `code` is the contract's
 * (WRONG_STATE, NOT_FOUND, …); `txId` names the refused proposal when it was a submission.
 * Callers branch on `instanceof` and `code`, never on the message.
 */
export class ContractRefusal extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly txId?: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'ContractRefusal';
  }
}

/** The terms a peer served do not hash to the order's public `termsHash`: never act on them. */
export class TermsMismatch extends Error {
  readonly code = 'TERMS_MISMATCH';
  constructor(readonly orderId: string) {
    super(`the terms served for order ${orderId} do not match its public termsHash`);
    this.name = 'TermsMismatch';
  }
}

/** A gateway error's message with what each peer said: the contract's own words are in the details. */
export function peerWords(error: unknown): string {
  const details = (error as Partial<GatewayError>).details ?? [];
  return [(error as Error).message, ...details.map((d) => d.message)].join('; ');
}

/**
 * The contract's refusal inside a gateway error, if that is what it is. The peer reports a refusal
 * only as text (`chaincode response 500, CODE: message`): this is the one place that reads it.
 */
export function refusalOf(error: unknown): ContractRefusal | undefined {
  // Each peer's words on their own: a refusal's reason may itself hold a ';' (a batch lists its orders' reasons).
  const words = [(error as Error).message, ...((error as Partial<GatewayError>).details ?? []).map((d) => d.message)];
  const refusal = words.map((w) => /chaincode response 500, ([A-Z_]+): (.*)$/s.exec(w ?? '')).find((m) => m !== null);
  if (!refusal) return undefined;
  const txId = error instanceof EndorseError ? error.transactionId : undefined;
  return new ContractRefusal(refusal[1]!, refusal[2]!, txId, { cause: error });
}

// gRPC status codes (https://grpc.io/docs/guides/status-codes/).
const CANCELLED = 1;
const DEADLINE_EXCEEDED = 4;

/**
 * Whether a wait for a transaction's commit status ran out of time: no block carrying it reached the
 * gateway's peer before the wait's deadline (ordering stalled, or the orderer lost the transaction).
 * The peer's gRPC server (grpc-go) ends a call at its deadline with RST_STREAM CANCEL, which grpc-js
 * reports as CANCELLED when it is read before the client's own timer reports DEADLINE_EXCEEDED — on
 * a busy event loop it can be. Both are the one expiry: no commit-status call is cancelled on purpose.
 */
export function commitWaitExpired(error: unknown): boolean {
  return error instanceof CommitStatusError && (error.code === DEADLINE_EXCEEDED || error.code === CANCELLED);
}
