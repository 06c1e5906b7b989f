import { EndorseError, StatusCode, type Contract, type ProposalOptions } from '@hyperledger/fabric-gateway';

/** One call the client made: the transaction's name, its arguments and its transient data. */
export interface Call {
  name: string;
  args: string[];
  transient: Record<string, string>;
}

/** What the fake peer does with a submission: a result, a validation code other than VALID, or an error. */
export type Outcome = { result: string } | { invalid: number } | { error: Error };

type ServiceError = ConstructorParameters<typeof EndorseError>[0]['cause'];

/** An endorsement the contract refused, as the gateway reports it: the contract's words are in the details. */
export function endorseRefusal(code: string, message: string, transactionId = 'tx-refused'): EndorseError {
  return new EndorseError({
    code: 10,
    details: [{ address: 'peer0:7051', mspId: 'PlatformMSP', message: `chaincode response 500, ${code}: ${message}` }],
    cause: new Error('endorse failed') as ServiceError,
    transactionId,
    message: '10 ABORTED: failed to endorse transaction, see attached details for more info',
  });
}

const utf8 = (value: string | Uint8Array): string => (typeof value === 'string' ? value : Buffer.from(value).toString('utf8'));

/**
 * A stand-in for the gateway's Contract, for unit tests of what the client sends and how it reads
 * the answers: submissions answer from `outcomes` in turn, evaluations from `evaluate`.
 */
export function fakeContract(
  outcomes: Outcome[],
  evaluate: (name: string, args: string[]) => string = () => '',
): { contract: Contract; calls: Call[] } {
  const calls: Call[] = [];
  let block = 10n;
  const contract = {
    newProposal(name: string, options: ProposalOptions = {}) {
      const call = { name, args: (options.arguments ?? []).map(utf8), transient: {} as Record<string, string> };
      for (const [key, value] of Object.entries(options.transientData ?? {})) call.transient[key] = utf8(value);
      return {
        endorse: async () => {
          calls.push(call);
          const outcome = outcomes.shift() ?? { error: new Error(`no outcome left for ${name}`) };
          if ('error' in outcome) throw outcome.error;
          const transactionId = `tx-${calls.length}`;
          const code = 'invalid' in outcome ? outcome.invalid : StatusCode.VALID;
          block += 1n;
          return {
            getResult: () => Buffer.from('result' in outcome ? outcome.result : ''),
            submit: async () => ({
              getStatus: async () => ({ successful: code === StatusCode.VALID, code, transactionId, blockNumber: block }),
            }),
          };
        },
      };
    },
    async evaluateTransaction(name: string, ...args: (string | Uint8Array)[]) {
      const textArgs = args.map(utf8);
      calls.push({ name, args: textArgs, transient: {} });
      return Buffer.from(evaluate(name, textArgs));
    },
  };
  // Only what the client calls is faked; the rest of the interface is never reached.
  return { contract: contract as unknown as Contract, calls };
}
