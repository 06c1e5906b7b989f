import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { loginPool, type DatabaseLogin } from './credentials';
import { dropDatabase, migrate } from './database';
import { CbdcLedger } from './ledger';
import type { Party, PartyKind } from './parties';

/** How to reach a ledger cluster: the owner's login (migrations) and every party's own. */
export interface LedgerAccess {
  owner: DatabaseLogin;
  parties: { party: Party; login: DatabaseLogin }[];
}

/** A fresh, migrated ledger database on a real cluster, with a pool per party; dropped by `drop()`. */
export interface TestDatabase {
  name: string;
  /** As the database owner: for looking under the functions (the journal, the API's tables). */
  owner: pg.Pool;
  /** A party's login, pointed at this database. */
  login(party: Party): DatabaseLogin;
  /** The ledger as a party reaches it, over that party's own pool. */
  as(party: Party): CbdcLedger;
  pool(party: Party): pg.Pool;
  /** The party of a kind (and bank, for banks). */
  party(kind: PartyKind, mspId?: string): Party;
  centralBank: CbdcLedger;
  escrowAgent: CbdcLedger;
  platform: CbdcLedger;
  bank(mspId: string): CbdcLedger;
  drop(): Promise<void>;
}

/**
 * Creates a throw-away database with the owner's credentials (it may create databases), migrates it
 * and records the parties, then opens a pool per party with that party's own credentials (pools
 * connect lazily: a party that is not used holds no connection).
 */
export async function createTestDatabase(
  access: LedgerAccess,
  { prefix = 'securepay_test', poolSize = 8 }: { prefix?: string; poolSize?: number } = {},
): Promise<TestDatabase> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  await migrate(
    access.owner,
    access.parties.map((p) => p.party),
    name,
  );
  const owner = loginPool(access.owner, { database: name, max: Math.max(2, poolSize) });
  const pools = new Map(access.parties.map(({ party, login }) => [party.id, loginPool(login, { database: name, max: poolSize })]));
  // A restarted server drops idle connections; the pool replaces them, and a test must not die of it.
  for (const pool of [owner, ...pools.values()]) pool.on('error', () => undefined);
  const ledgers = new Map([...pools].map(([id, pool]) => [id, new CbdcLedger(pool)]));
  const find = (kind: PartyKind, mspId?: string): Party => {
    const found = access.parties.find((p) => p.party.kind === kind && (mspId === undefined || p.party.mspId === mspId));
    if (!found) throw new Error(`no ${kind} party${mspId ? ` of ${mspId}` : ''} on this cluster`);
    return found.party;
  };
  const pool = (party: Party): pg.Pool => {
    const found = pools.get(party.id);
    if (!found) throw new Error(`no party ${party.id} on this cluster`);
    return found;
  };
  const as = (party: Party): CbdcLedger => {
    const ledger = ledgers.get(party.id);
    if (!ledger) throw new Error(`no party ${party.id} on this cluster`);
    return ledger;
  };
  return {
    name,
    owner,
    login: (party) => ({ ...access.parties.find((p) => p.party.id === party.id)!.login, database: name }),
    as,
    pool,
    party: find,
    centralBank: as(find('centralBank')),
    escrowAgent: as(find('escrowAgent')),
    platform: as(find('platform')),
    bank: (mspId) => as(find('bank', mspId)),
    drop: async () => {
      await Promise.all([owner.end(), ...[...pools.values()].map((p) => p.end())]);
      await dropDatabase(access.owner, name);
    },
  };
}
