/**
 * Who logs in to the CBDC ledger. Each party has its own PostgreSQL login role and its own Redis user,
 * with passwords of its own, and the ledger's functions decide what it may do from the role it logged
 * in as (`session_user`), never from what it sends. The parties follow from the network's orgs: the
 * platform, one per bank (however many), the central bank, and the central bank's escrow agent.
 */
export const partyKinds = ['platform', 'bank', 'centralBank', 'escrowAgent'] as const;
export type PartyKind = (typeof partyKinds)[number];

/** What an org is, as `network.yaml` says: the escrow agent is not an org but the central bank's. */
export type OrgKind = 'platform' | 'bank' | 'centralBank';

export interface Party {
  /** `bank-BankAMSP`: names its credentials file, its Redis user and its queue prefix. */
  id: string;
  kind: PartyKind;
  /** Its org's MSP id: the bank a bank party acts for. */
  mspId: string;
  /** Its PostgreSQL login role. */
  role: string;
}

const slug: Record<PartyKind, string> = {
  platform: 'platform',
  bank: 'bank',
  centralBank: 'central-bank',
  escrowAgent: 'escrow-agent',
};

/**
 * The group role every login role of a kind belongs to. The migrations grant to these, so that a
 * bank added to the network gets a bank's rights by membership alone.
 */
export const groupRole: Record<PartyKind, string> = {
  platform: 'securepay_platform',
  bank: 'securepay_bank',
  centralBank: 'securepay_central_bank',
  escrowAgent: 'securepay_escrow_agent',
};

/** Owns the database and its objects and runs the migrations; no running service logs in as it. */
export const ownerRole = 'securepay_owner';
/** The cluster's bootstrap superuser: provisioning makes the roles with it, nothing else uses it. */
export const superuserRole = 'securepay_superuser';

export function partyOf(kind: PartyKind, mspId: string): Party {
  if (!/^[A-Za-z0-9]+$/.test(mspId)) throw new Error(`an MSP id is letters and digits, not "${mspId}"`);
  return { id: `${slug[kind]}-${mspId}`, kind, mspId, role: `securepay_${slug[kind].replace('-', '_')}_${mspId.toLowerCase()}` };
}

/** Every party of a network: one per org, and the escrow agent beside the central bank. */
export function partiesOf(orgs: readonly { mspId: string; kind: OrgKind }[]): Party[] {
  return orgs.flatMap((org) =>
    org.kind === 'centralBank' ? [partyOf('centralBank', org.mspId), partyOf('escrowAgent', org.mspId)] : [partyOf(org.kind, org.mspId)],
  );
}

/** The Redis key prefix a party's queues live under; its Redis user may touch nothing else. */
export const queuePrefixOf = (party: Party): string => `securepay:${party.id}`;
