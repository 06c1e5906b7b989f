import { z } from 'zod';
import type { PartyRef } from './actor';
import { defaultCompensation, type CompensationPolicy } from './compensation';
import type { Order } from './order';
import { refuse } from './refusal';
import { termsHash, walletCommitment, type OrderTerms } from './terms';
import { changeOf, intentOf, requireParty, samePartyRef, type ActionContext, type Transition } from './transition';
import { noWindowBounds, windowOverridesSchema, windowsOutOfBounds, type OrderWindows, type WindowBounds } from './windows';

export const idPattern = /^[A-Za-z0-9_-]{1,64}$/;
export const partyRefSchema = z.strictObject({
  mspId: z.string().regex(/^[A-Za-z0-9]+MSP$/, 'an MSP id such as BankAMSP'),
  partyId: z.string().regex(idPattern, 'a pseudonymous party id of 1-64 letters, digits, _ or -'),
});

/** What a buyer submits publicly; the terms travel separately, in the transient map. */
export const proposalSchema = z.strictObject({
  orderId: z.string().regex(idPattern, 'an order id of 1-64 letters, digits, _ or -'),
  merchant: partyRefSchema,
  courier: partyRefSchema.optional(),
  windows: windowOverridesSchema.optional(),
});
export type Proposal = z.infer<typeof proposalSchema>;

/** The channel's settings a new order takes: default windows, the penalty in force, the bounds on windows. */
export interface ChannelDefaults {
  windows: OrderWindows;
  compensation: CompensationPolicy;
  bounds: WindowBounds;
}

/**
 * A buyer proposes an order: it names the merchant (and its bank), maybe the courier, and pays from
 * its own wallet only. The order binds no one until all four approvals are in.
 */
export function propose(
  proposal: Proposal,
  terms: OrderTerms,
  defaults: OrderWindows,
  ctx: ActionContext,
  compensation: CompensationPolicy = defaultCompensation,
  bounds: WindowBounds = noWindowBounds,
): Transition {
  const { actor, now } = ctx;
  requireParty(actor.role === 'buyer' && actor.partyId !== undefined, 'propose an order', 'a buyer');
  if (walletCommitment(terms.buyerWallet, terms.buyerWalletSalt) !== actor.walletCommitment)
    refuse('WRONG_PARTY', "the terms' buyer wallet is not the caller's wallet: a buyer pays only from its own");
  const buyer: PartyRef = { mspId: actor.mspId, partyId: actor.partyId! };
  if (samePartyRef(buyer, proposal.merchant)) refuse('BAD_ARGUMENT', 'a buyer cannot order from itself');
  if (proposal.courier && (samePartyRef(proposal.courier, buyer) || samePartyRef(proposal.courier, proposal.merchant))) {
    refuse('BAD_ARGUMENT', 'the courier must be neither the buyer nor the merchant');
  }
  const windows: OrderWindows = { ...defaults, ...proposal.windows };
  const outOfBounds = windowsOutOfBounds(windows, bounds);
  if (outOfBounds.length > 0) refuse('BAD_ARGUMENT', `the order's windows are outside the channel's bounds: ${outOfBounds.join('; ')}`);
  const order: Order = {
    orderId: proposal.orderId,
    state: 'PROPOSED',
    buyer,
    merchant: proposal.merchant,
    ...(proposal.courier ? { courier: proposal.courier } : {}),
    termsHash: termsHash(terms),
    windows,
    penaltyBps: compensation.penaltyBps,
    createdAt: now,
    approveBy: now + windows.approvalMs,
    deliverBy: now + windows.deliveryMs,
    approvals: {},
    history: [
      {
        action: 'propose',
        from: null,
        to: 'PROPOSED',
        at: now,
        txId: ctx.txId,
        by: { mspId: actor.mspId, role: 'buyer', partyId: buyer.partyId },
        ...intentOf(ctx),
      },
    ],
  };
  return { order, change: changeOf(order, 'propose', null, intentOf(ctx)) };
}
