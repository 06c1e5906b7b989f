/**
 * Who is acting, as the contract established it from the caller's certificate: MSP id, SecurePay
 * role, and for end users their pseudonymous party id and a commitment to their wallet (from
 * certificate attributes).
 */
export type Role = 'platform' | 'bank' | 'merchant' | 'buyer' | 'courier';

export interface Actor {
  mspId: string;
  role: Role;
  /** Pseudonymous id of a buyer, merchant or courier; absent for platform and bank operators. */
  partyId?: string;
  /**
   * A salted commitment to the user's CBDC wallet (`walletCommitment` in terms.ts): certificates are in
   * every block, so they carry this, never the wallet id; the private terms open it.
   */
  walletCommitment?: string;
}

/** A buyer, merchant or courier as public state names them: the bank that enrolled them and a pseudonym. */
export interface PartyRef {
  mspId: string;
  partyId: string;
}

export const isParty = (actor: Actor, role: Role, party: PartyRef | undefined): boolean =>
  party !== undefined && actor.role === role && actor.mspId === party.mspId && actor.partyId === party.partyId;

export const describeActor = (actor: Actor): string =>
  actor.partyId ? `${actor.role} ${actor.partyId}@${actor.mspId}` : `${actor.role} ${actor.mspId}`;
