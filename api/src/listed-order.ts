/** Where a change was committed: its block, and its transaction's place in that block. */
export interface ChainPosition {
  blockNumber: bigint;
  txIndex: number;
}

/** A party as public channel state names it: its bank's MSP id and its pseudonymous party id. */
export interface PartyKey {
  mspId: string;
  partyId: string;
}

/**
 * One order as the API's listing keeps it: what public channel state shows of it after one committed
 * change. Never a name, a price or a wallet — the listing holds no more than any channel member sees.
 */
export interface ListedOrder {
  orderId: string;
  state: string;
  buyer: PartyKey;
  merchant: PartyKey;
  courier?: PartyKey;
  buyerBank: string;
  merchantBank: string;
  /** The proposal's transaction time, as the contract recorded it. */
  createdAt: Date;
  /** The time of the transaction that made this change. */
  updatedAt: Date;
  txId: string;
  position: ChainPosition;
}

/**
 * The row-merge decision: whether a change read from the chain replaces the one the listing holds.
 * Only a strictly later commit does, so reading an event again changes nothing, and a change applied
 * late (a restart, a second API process behind the first) never takes an order back to an older state.
 */
export function supersedes(incoming: ChainPosition, stored: ChainPosition | undefined): boolean {
  if (!stored) return true;
  if (incoming.blockNumber !== stored.blockNumber) return incoming.blockNumber > stored.blockNumber;
  return incoming.txIndex > stored.txIndex;
}
