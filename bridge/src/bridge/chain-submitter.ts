import type { Contract, GatewayError } from '@hyperledger/fabric-gateway';
import type { Logger } from 'pino';

/** The contract refused the transaction: retrying will not help. `code` is the contract's (WRONG_STATE, …). */
export class ContractRefusal extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ContractRefusal';
  }
}

/** Wraps a `beforeSubmit` failure so that it is never mistaken for a transient network error. */
class PreparationFailed extends Error {
  constructor(override readonly cause: unknown) {
    super('preparing the submission failed');
  }
}

const MVCC_READ_CONFLICT = 11;
const PHANTOM_READ_CONFLICT = 12;
const retryableGrpc = new Set([4, 10, 14]); // DEADLINE_EXCEEDED, ABORTED, UNAVAILABLE

function peerWords(error: unknown): string {
  const details = (error as Partial<GatewayError>).details ?? [];
  return [(error as Error).message, ...details.map((d) => d.message)].join('; ');
}

/** A committed transaction: what the contract returned and where the channel put it. */
export interface Committed {
  result: string;
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
 * unavailable peers. A refusal by the contract is thrown as a `ContractRefusal` at once.
 */
export class ChainSubmitter {
  constructor(
    private readonly contract: Contract,
    private readonly log: Logger,
    private readonly attempts = 8,
  ) {}

  async submit(name: string, args: string[]): Promise<string> {
    return (await this.commit(name, args)).result;
  }

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
        if (status.code !== MVCC_READ_CONFLICT && status.code !== PHANTOM_READ_CONFLICT) {
          throw new Error(`${name} ${status.transactionId} was invalidated with code ${status.code}`);
        }
        lastError = new Error(`${name} hit a read conflict (code ${status.code})`);
      } catch (error) {
        if (error instanceof PreparationFailed) throw error.cause;
        const words = peerWords(error);
        const refusal = /chaincode response 500, ([A-Z_]+): ([^;]*)/.exec(words);
        if (refusal) throw new ContractRefusal(refusal[1]!, refusal[2]!);
        const code = (error as { code?: number }).code;
        if (
          !(code !== undefined && retryableGrpc.has(code)) &&
          !/do not match|enough transaction endorsements|no combination of peers|UNAVAILABLE|DEADLINE/.test(words)
        )
          throw error;
        lastError = error;
      }
      this.log.debug({ transaction: name, attempt }, 'retrying a transient failure');
      await new Promise((r) => setTimeout(r, Math.min(2_000, 50 * 2 ** attempt) * (0.5 + Math.random())));
    }
    throw new Error(`${name} failed after ${this.attempts} attempts: ${peerWords(lastError)}`);
  }

  async evaluate(name: string, args: string[]): Promise<string> {
    try {
      return Buffer.from(await this.contract.evaluateTransaction(name, ...args)).toString('utf8');
    } catch (error) {
      const refusal = /chaincode response 500, ([A-Z_]+): ([^;]*)/.exec(peerWords(error));
      if (refusal) throw new ContractRefusal(refusal[1]!, refusal[2]!);
      throw error;
    }
  }
}
