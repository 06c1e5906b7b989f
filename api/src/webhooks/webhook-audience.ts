import type { PartyKey } from '../listed-order';
import type { Caller } from '../user-registry';

/**
 * Who receives an order's events, as strings a subscription and an event share: each party of the
 * order (`party:<MSP>:<party id>`, pseudonymous, as on-chain) and each of its two banks
 * (`bank:<MSP>`). The platform operator receives every order's (its audience is none: null).
 */
export const partyAudience = (party: PartyKey): string => `party:${party.mspId}:${party.partyId}`;
export const bankAudience = (mspId: string): string => `bank:${mspId}`;

/** The audience of an order: its buyer, merchant and courier (once assigned), its buyer's and merchant's banks. */
export function orderAudience(order: {
  buyer: PartyKey;
  merchant: PartyKey;
  courier?: PartyKey;
  buyerBank: string;
  merchantBank: string;
}): string[] {
  const parties = [order.buyer, order.merchant, ...(order.courier ? [order.courier] : [])].map(partyAudience);
  return [...new Set([...parties, bankAudience(order.buyerBank), bankAudience(order.merchantBank)])];
}

/**
 * Whose orders a caller's subscription receives: a user those it is a party to (as its bank's MSP
 * and its party id, the way the chain names it), a bank's operator those its bank holds the buyer's
 * or merchant's account for, the platform's operator all of them.
 */
export function callerAudience(caller: Caller): string | null {
  switch (caller.kind) {
    case 'platform':
      return null;
    case 'bank':
      return bankAudience(caller.bank);
    case 'user':
      return partyAudience({ mspId: caller.user.bank, partyId: caller.user.partyId });
  }
}
