import { CommitError, StatusCode, type Contract } from '@hyperledger/fabric-gateway';
import { commitWaitExpired, peerWords, refusalOf } from './errors';

/** Wraps a `beforeSubmit` failure so that it is never mistaken for a transient network error. */
class PreparationFailed extends Error {
  constructor(override readonly cause: unknown) {
    super('preparing the submission failed');
  }
}

const retryableGrpc = new Set([4, 10, 14]); // DEADLINE_EXCEEDED, ABORTED, UNAVAILABLE

/** Where retries are noted: a pino logger fits; the client itself needs no logging library. */
export interface RetryLog {
  debug(details: object, message: string): void;
}

/** A committed transaction: what the contract returned and where the channel put it. */
export interface Committed<T = string> {
  result: T;
  txId: string;
  blockNumber: bigint;
}

export interface SubmitOptions {
  transientData?: Record<string, string>;
  /**
   * Runs after the peers endorsed and before the transaction goes to ordering: work that must happen
   * only if the contract accepts the transaction, and before anyone can see it committed.
   */
  beforeSubmit?: () => Promise<void>;
}

/**
 * Submits transactions as one identity, waiting for commit, retrying what is transient: MVCC
 * conflicts, peers whose endorsements differ because one lags a block behind, timeouts and
 * unavailable peers. A refusal by the contract is thrown as a `ContractRefusal` at once; a
 * transaction the channel invalidated for another reason, as the gateway's `CommitError`.
 */
export class ChainSubmitter {
  constructor(
    private readonly contract: Contract,
    private readonly log: RetryLog,
    private readonly attempts = 8,
  ) {}

  async commit(name: string, args: string[], options: SubmitOptions = {}): Promise<Committed> {
    const { transientData, beforeSubmit } = options;
    let lastError: unknown;
    let prepared = false;
    for (let attempt = 1; attempt <= this.attempts; attempt++) {
      try {
        const transaction = await this.contract
          .newProposal(name, { arguments: args, ...(transientData ? { transientData } : {}) })
          .endorse();
        if (!prepared) {
          prepared = true;
          await beforeSubmit?.().catch((error: unknown) => {
            throw new PreparationFailed(error);
          });
        }
        const status = await (await transaction.submit()).getStatus();
        if (status.successful) {
          return {
            result: Buffer.from(transaction.getResult()).toString('utf8'),
            txId: status.transactionId,
            blockNumber: status.blockNumber,
          };
        }
        if (status.code !== StatusCode.MVCC_READ_CONFLICT && status.code !== StatusCode.PHANTOM_READ_CONFLICT) {
          throw new CommitError({
            code: status.code,
            transactionId: status.transactionId,
            message: `${name} ${status.transactionId} was invalidated with code ${status.code}`,
          });
        }
        lastError = new Error(`${name} hit a read conflict (code ${status.code})`);
      } catch (error) {
        if (error instanceof PreparationFailed) throw error.cause;
        // Its code is a validation code, not a gRPC one: never retried.
        if (error instanceof CommitError) throw error;
        const refusal = refusalOf(error);
        if (refusal) throw refusal;
        const code = (error as { code?: number }).code;
        if (
          !commitWaitExpired(error) &&
          !(code !== undefined && retryableGrpc.has(code)) &&
          !/do not match|enough transaction endorsements|no combination of peers|UNAVAILABLE|DEADLINE/.test(peerWords(error))
        )
          throw error;
        lastError = error;
      }
      this.log.debug({ transaction: name, attempt }, 'retrying a transient failure');
      await new Promise((r) => setTimeout(r, Math.min(2_000, 50 * 2 ** attempt) * (0.5 + Math.random())));
    }
    throw new Error(`${name} failed after ${this.attempts} attempts: ${peerWords(lastError)}`, { cause: lastError });
  }

  async evaluate(name: string, args: string[]): Promise<string> {
    try {
      return Buffer.from(await this.contract.evaluateTransaction(name, ...args)).toString('utf8');
    } catch (error) {
      throw refusalOf(error) ?? error;
    }
  }
}
