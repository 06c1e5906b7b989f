import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import {
  adminCredentialsSchema,
  ownerRole,
  partiesOf,
  partyCredentialsSchema,
  queuePrefixOf,
  readCredentialsFile,
  superuserRole,
  writeCredentialsFile,
  type DatabaseLogin,
  type LedgerAccess,
  type Party,
  type PartyCredentials,
  type PartyKind,
} from '@securepay/ledger';
import { theOrg, type NetworkFile, type PeerOrg } from './config';
import type { Layout } from './layout';

/** Every party of the network's ledger: the platform, each bank, the central bank and its escrow agent. */
export const networkParties = (network: NetworkFile): Party[] => partiesOf(network.orgs);

/** A party by id (`bank-BankAMSP`), or by kind and MSP id. */
export function findParty(network: NetworkFile, which: string | { kind: PartyKind; mspId?: string }): Party {
  const parties = networkParties(network);
  const found =
    typeof which === 'string'
      ? parties.find((p) => p.id === which)
      : parties.find((p) => p.kind === which.kind && (which.mspId === undefined || p.mspId === which.mspId));
  if (!found) throw new Error(`no party ${JSON.stringify(which)} in the network; known: ${parties.map((p) => p.id).join(', ')}`);
  return found;
}

const orgOf = (network: NetworkFile, party: Party): PeerOrg => network.orgs.find((o) => o.mspId === party.mspId)!;
const credentialsDir = (layout: Layout, org: PeerOrg): string => path.join(layout.orgHome(org), 'credentials');

/** A party's credentials file, in its own org's folder (the central bank's holds its escrow agent's too). */
export const partyCredentialsFile = (layout: Layout, party: Party): string =>
  path.join(credentialsDir(layout, orgOf(layout.network, party)), `${party.id}.json`);
/** The database owner's (the migration step's) and the cluster superuser's (provisioning's): the central bank's folder only. */
export const ownerCredentialsFile = (layout: Layout): string =>
  path.join(credentialsDir(layout, theOrg(layout.network, 'centralBank')), 'ledger-owner.json');
export const superuserCredentialsFile = (layout: Layout): string =>
  path.join(credentialsDir(layout, theOrg(layout.network, 'centralBank')), 'ledger-superuser.json');

/**
 * A party's credentials: from the file `SECUREPAY_CREDENTIALS` names when set (a deployment's secret
 * store mounts it anywhere), else from the party's file in the network's layout.
 */
export function partyCredentials(layout: Layout, party: Party, env: NodeJS.ProcessEnv = process.env): PartyCredentials {
  const credentials = readCredentialsFile(env.SECUREPAY_CREDENTIALS ?? partyCredentialsFile(layout, party), partyCredentialsSchema);
  if (credentials.party !== party.id) {
    throw new Error(`the credentials given are ${credentials.party}'s, not ${party.id}'s (SECUREPAY_CREDENTIALS?)`);
  }
  return credentials;
}

export const ownerLogin = (layout: Layout): DatabaseLogin =>
  readCredentialsFile(ownerCredentialsFile(layout), adminCredentialsSchema).database;
export const superuserLogin = (layout: Layout): DatabaseLogin =>
  readCredentialsFile(superuserCredentialsFile(layout), adminCredentialsSchema).database;

/** The owner's login and every party's: for the migration step and the tests' throw-away databases. */
export function ledgerAccess(layout: Layout): LedgerAccess {
  return {
    owner: ownerLogin(layout),
    parties: networkParties(layout.network).map((party) => ({ party, login: partyCredentials(layout, party, {}).database })),
  };
}

const secret = (): string => randomBytes(24).toString('base64url');

/**
 * Writes every party's credentials file, and the owner's and superuser's, with fresh random
 * passwords where there is none yet; an existing file keeps its passwords (so `up` twice changes
 * nothing) and follows network.yaml's hosts and ports. The files are sealed with their org folder.
 */
export function provisionCredentials(layout: Layout): void {
  const { ledgerDb, queues } = layout.network.services;
  const database = (user: string, password: string): DatabaseLogin => ({ ...ledgerDb, user, password });
  for (const [file, role] of [
    [superuserCredentialsFile(layout), superuserRole],
    [ownerCredentialsFile(layout), ownerRole],
  ] as const) {
    const kept = existsSync(file) ? readCredentialsFile(file, adminCredentialsSchema).database.password : secret();
    writeCredentialsFile(file, { database: database(role, kept) });
  }
  for (const party of networkParties(layout.network)) {
    const file = partyCredentialsFile(layout, party);
    const kept = existsSync(file) ? readCredentialsFile(file, partyCredentialsSchema) : undefined;
    const credentials: PartyCredentials = {
      party: party.id,
      kind: party.kind,
      mspId: party.mspId,
      database: database(party.role, kept?.database.password ?? secret()),
      queues: { ...queues, user: party.id, password: kept?.queues.password ?? secret(), prefix: queuePrefixOf(party) },
      ...(party.kind === 'platform' ? { walletSecret: kept?.walletSecret ?? secret() } : {}),
    };
    writeCredentialsFile(file, credentials);
  }
}
