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
 * and for end users the `partyId` and `wallet` attributes. An org admin with no role acts as its
 * org's operator: the platform for PlatformMSP, the bank for any other org.
 */
export function callerOf(ctx: Context): Caller {
  const identity = ctx.clientIdentity;
  const mspId = identity.getMSPID();
  if (mspId === centralBankMspId) refuse('WRONG_PARTY', 'the central bank takes no part in orders: it only follows the chain');
  const subject = identity.getID().split('::')[1] ?? '';
  const isOrgAdmin = subject.split('/').includes('OU=admin');
  const role = identity.getAttributeValue('role');
  const operatorRole: Role = mspId === platformMspId ? 'platform' : 'bank';

  if (role === null) {
    if (!isOrgAdmin) refuse('WRONG_PARTY', `the caller's certificate has no SecurePay role attribute`);
    return { actor: { mspId, role: operatorRole }, isOrgAdmin };
  }
  if (role === 'platform' || role === 'bank') {
    if (role !== operatorRole) refuse('WRONG_PARTY', `a ${mspId} identity cannot act as ${role}`);
    return { actor: { mspId, role }, isOrgAdmin };
  }
  if (!partyRoles.includes(role as Role)) refuse('WRONG_PARTY', `unknown SecurePay role "${role}"`);
  const partyId = identity.getAttributeValue('partyId');
  if (!partyId) refuse('WRONG_PARTY', `a ${role} certificate must carry a partyId attribute`);
  const wallet = identity.getAttributeValue('wallet') ?? undefined;
  return { actor: { mspId, role: role as Role, partyId: partyId!, ...(wallet ? { wallet } : {}) }, isOrgAdmin };
}
