import type pg from 'pg';
import { loginClient, type DatabaseLogin } from './credentials';
import { groupRole, ownerRole, partyKinds, type Party } from './parties';

/** A login role and the password it must have from now on. */
export interface RolePassword {
  role: string;
  password: string;
}

/**
 * Makes the ledger's roles on a cluster, as its superuser, or brings them in line: the owner (may
 * create databases, for migrations and the tests' throw-away ones), one group role per kind of party
 * (what the migrations grant to) and one login role per party, a member of its kind's group. Run on
 * every `up`: a role that exists gets the password its credentials file says, nothing is dropped.
 */
export async function provisionRoles(
  superuser: DatabaseLogin,
  owner: RolePassword,
  parties: { party: Party; password: string }[],
): Promise<void> {
  const client = loginClient(superuser, 'postgres');
  await client.connect();
  try {
    await ensureRole(client, ownerRole, 'login createdb nosuperuser nocreaterole inherit', owner.password);
    // Dropping a throw-away database by force ends the sessions still in it, which needs this.
    await client.query(`grant pg_signal_backend to ${ownerRole}`);
    for (const kind of partyKinds) await ensureRole(client, groupRole[kind], 'nologin nosuperuser nocreatedb nocreaterole');
    for (const { party, password } of parties) {
      await ensureRole(client, party.role, 'login inherit nosuperuser nocreatedb nocreaterole', password);
      await client.query(`grant ${groupRole[party.kind]} to ${party.role}`);
    }
  } finally {
    await client.end();
  }
}

async function ensureRole(client: pg.Client, role: string, attributes: string, password?: string): Promise<void> {
  if (!/^[a-z_][a-z0-9_]*$/.test(role)) throw new Error(`role name "${role}" must be a plain lower-case identifier`);
  const withPassword = password === undefined ? '' : ` password ${client.escapeLiteral(password)}`;
  const { rowCount } = await client.query('select 1 from pg_roles where rolname = $1', [role]);
  await client.query(`${rowCount === 0 ? 'create' : 'alter'} role ${role} ${attributes}${withPassword}`);
}
