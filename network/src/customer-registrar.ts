import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { caName, caTlsCert, caUrl, registrar, type Registrar } from './ca';
import { caLibraries } from './ca-libraries';
import type { PeerOrg } from './config';
import type { Layout } from './layout';

/** The attributes a customer certificate may carry, and so all the customer registrar may write. */
export const customerAttributes = ['role', 'partyId', 'walletCommitment'] as const;

const registrarFile = (layout: Layout, org: PeerOrg): string => path.join(layout.caHome(org), 'customer-registrar.json');

/** The org's customer registrar, once `ensureCustomerRegistrar` has registered it. */
export function customerRegistrar(layout: Layout, org: PeerOrg): Registrar {
  const file = registrarFile(layout, org);
  if (!existsSync(file)) throw new Error(`${org.mspId} has no customer registrar yet (${file}): run npm run network:up`);
  return JSON.parse(readFileSync(file, 'utf8')) as Registrar;
}

/**
 * Registers, once, the identity an org's onboarding uses at its own CA: it may register `client`
 * identities only (so never an admin, peer or orderer, whose NodeOU carries operator authority), may
 * write only the customer attributes, and may not revoke, make CRLs, intermediate CAs or
 * affiliations. The CA's bootstrap registrar, which can do all of that, is used here and nowhere else.
 */
export async function ensureCustomerRegistrar(layout: Layout, org: PeerOrg): Promise<void> {
  const file = registrarFile(layout, org);
  if (existsSync(file)) return;
  const { FabricCAServices, User } = await caLibraries();
  const ca = new FabricCAServices(caUrl(org), { trustedRoots: [readFileSync(caTlsCert(layout, org), 'utf8')], verify: true }, caName(org));
  const bootstrap = registrar(layout, org);
  const enrollment = await ca.enroll({ enrollmentID: bootstrap.enrollmentId, enrollmentSecret: bootstrap.secret });
  const user = new User(bootstrap.enrollmentId);
  await user.setEnrollment(enrollment.key, enrollment.certificate, org.mspId);
  const customers: Registrar = { enrollmentId: 'customers', secret: randomBytes(18).toString('base64url') };
  await ca.register(
    {
      enrollmentID: customers.enrollmentId,
      enrollmentSecret: customers.secret,
      role: 'client',
      affiliation: '',
      maxEnrollments: -1,
      attrs: [
        { name: 'hf.Registrar.Roles', value: 'client' },
        { name: 'hf.Registrar.Attributes', value: customerAttributes.join(',') },
        { name: 'hf.Registrar.DelegateRoles', value: 'client' },
        { name: 'hf.Revoker', value: 'false' },
        { name: 'hf.GenCRL', value: 'false' },
        { name: 'hf.IntermediateCA', value: 'false' },
        { name: 'hf.AffiliationMgr', value: 'false' },
      ],
    },
    user,
  );
  writeFileSync(file, JSON.stringify(customers), { mode: 0o600 });
}
