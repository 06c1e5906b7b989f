/** Why an action on an order was refused. Every refusal changes nothing. */
export type RefusalCode =
  | 'BAD_ARGUMENT' // the request itself is malformed
  | 'NOT_FOUND' // no such order
  | 'ALREADY_EXISTS' // an order with this id exists
  | 'WRONG_STATE' // the order is not in a state that allows the action
  | 'WRONG_PARTY' // the caller is not the party who may take the action
  | 'DEADLINE_PASSED' // the action came after its deadline
  | 'TOO_EARLY' // the action needs a deadline to have passed first
  | 'ALREADY_DONE' // this party already took this action
  | 'INVALID_PROOF' // a settlement receipt did not verify
  | 'CLOCK_SKEW' // the proposal's own timestamp is too far from the endorsing peer's clock
  | 'TERMS_MISMATCH' // the private terms on this peer do not hash to the order's public termsHash
  | 'BAD_SIGNATURE' // a user's signed intent does not verify against a certificate its bank's CA issued
  | 'INTENT_EXPIRED' // a user's signed intent came after its expiry
  | 'REPLAYED'; // a user's signed intent, or its nonce, was carried before

export class OrderRefused extends Error {
  constructor(
    readonly code: RefusalCode,
    /** Why, without the code (the message carries both, as the peer reports it). */
    readonly reason: string,
  ) {
    super(`${code}: ${reason}`);
    this.name = 'OrderRefused';
  }
}

export const refuse = (code: RefusalCode, message: string): never => {
  throw new OrderRefused(code, message);
};
