import {
  ContractRefusal,
  OrderRefused,
  propose,
  walletCommitment,
  type ChannelDefaults,
  type EscrowClient,
  type OrderTerms,
  type Proposal,
} from '@securepay/client';
import type { PlatformUser } from './user-registry';

/** The channel's settings change rarely (a platform transaction): read again at most this often. */
const settingsMaxAgeMs = 5_000;

/**
 * The contract's own proposal rules (the pure `propose` of the state machine), applied by the API
 * before it locks a buyer's money for a batched proposal: what the contract would refuse is refused
 * here first, with the contract's code, and no money moves.
 */
export class ProposalRules {
  private settings: { read: Promise<ChannelDefaults>; at: number } | undefined;

  constructor(private readonly platform: () => EscrowClient) {}

  async check(proposal: Proposal, terms: OrderTerms, buyer: PlatformUser): Promise<void> {
    const { windows, bounds, compensation } = await this.channelSettings();
    const actor = {
      mspId: buyer.bank,
      role: 'buyer' as const,
      partyId: buyer.partyId,
      walletCommitment: walletCommitment(terms.buyerWallet, terms.buyerWalletSalt),
    };
    try {
      propose(proposal, terms, windows, { actor, now: Date.now(), txId: 'pre-check' }, compensation, bounds);
    } catch (error) {
      if (!(error instanceof OrderRefused)) throw error;
      throw new ContractRefusal(error.code, error.reason, undefined, { cause: error });
    }
  }

  private channelSettings(): Promise<ChannelDefaults> {
    if (!this.settings || Date.now() - this.settings.at > settingsMaxAgeMs) {
      const escrow = this.platform();
      const read = Promise.all([escrow.getWindows(), escrow.getWindowBounds(), escrow.getCompensation()]).then(
        ([windows, bounds, compensation]) => ({ windows, bounds, compensation }),
      );
      this.settings = { read, at: Date.now() };
      read.catch(() => (this.settings = undefined));
    }
    return this.settings.read;
  }
}
