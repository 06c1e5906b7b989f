import type { Context } from 'fabric-contract-api';
import { refuse, type Actor, type Role } from './order';

/** The org that runs the e-commerce platform: the only source of the `platform` role. */
export const platformMspId = 'PlatformMSP';
/** The issuer of the CBDC: a channel member that keeps its own copy of the chain and takes no part in orders. */
export const centralBankMspId = 'CentralBankMSP';

const partyRoles: readonly Role[] = ['buyer', 'merchant', 'courier'];

export interface Caller {
  actor: Actor;
  /** An org admin (cryptogen's NodeOU `admin`): the only identity that may register its bank's ledger key. */
  isOrgAdmin: boolean;
}

/**
 * Who is calling, from the certificate alone: MSP id, the `role` attribute its Fabric CA put there,
 * and for end users the `partyId` and `walletCommitment` attributes.
 *
 * Operator authority (the platform for PlatformMSP, the bank for any other org) comes only from the
 * org's admin certificate (NodeOU `admin`), which cryptogen issues and a bank's customer registrar
 * cannot (it registers `client` identities only). A `role` of `platform` or `bank` in a certificate
 * proves nothing — any registrar can write any attribute value — so it is refused, not trusted.
 */
export function callerOf(ctx: Context): Caller {
  const identity = ctx.clientIdentity;
  const mspId = identity.getMSPID();
  const subject = identity.getID().split('::')[1] ?? '';
  const isOrgAdmin = subject.split('/').includes('OU=admin');
  const attribute = (name: string): string | undefined => identity.getAttributeValue(name) ?? undefined;
  return { actor: actorOf(mspId, attribute, isOrgAdmin), isOrgAdmin };
}

/**
 * The actor a certificate of `mspId` makes its holder, from its attributes: shared by the caller's
 * own certificate and the certificates of users whose signed intents the platform carries.
 */
export function actorOf(mspId: string, attribute: (name: string) => string | undefined, isOrgAdmin: boolean): Actor {
  if (mspId === centralBankMspId) refuse('WRONG_PARTY', 'the central bank takes no part in orders: it only follows the chain');
  const role = attribute('role');
  const operatorRole: Role = mspId === platformMspId ? 'platform' : 'bank';

  if (role === undefined) {
    if (!isOrgAdmin) refuse('WRONG_PARTY', `the caller's certificate has no SecurePay role attribute`);
    return { mspId, role: operatorRole };
  }
  if (role === 'platform' || role === 'bank')
    refuse('WRONG_PARTY', `a "${role}" attribute grants nothing: ${operatorRole} authority comes only from ${mspId}'s admin certificate`);
  if (!partyRoles.includes(role as Role)) refuse('WRONG_PARTY', `unknown SecurePay role "${role}"`);
  const partyId = attribute('partyId');
  if (!partyId) refuse('WRONG_PARTY', `a ${role} certificate must carry a partyId attribute`);
  const walletCommitment = attribute('walletCommitment');
  return { mspId, role: role as Role, partyId: partyId!, ...(walletCommitment ? { walletCommitment } : {}) };
}
