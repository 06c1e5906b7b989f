import { connect } from 'node:net';
import pg from 'pg';
import { loginClient, type DatabaseLogin } from './credentials';
import { groupRole } from './parties';
import { startScratchCluster, type ScratchCluster } from './scratch-cluster';
import { testParties } from './test-parties';

/**
 * The ledger's cluster as `network:up` sets it up (pg_hba: SCRAM-SHA-256 only), on a scratch cluster:
 * a login proves its password, whoever and wherever it is.
 */
let cluster: ScratchCluster;
let platform: DatabaseLogin;
beforeAll(async () => {
  cluster = await startScratchCluster({ parties: testParties, port: 55562 });
  platform = { ...cluster.access.parties.find((p) => p.party.kind === 'platform')!.login, database: 'postgres' };
}, 60_000);
afterAll(async () => cluster?.stop());

async function sqlState(login: DatabaseLogin): Promise<string> {
  const client = loginClient(login);
  try {
    await client.connect();
  } catch (error) {
    return (error as { code?: string }).code ?? (error as Error).message;
  } finally {
    await client.end().catch(() => undefined);
  }
  return 'connected';
}

/**
 * What a client that has no password gets: speaks the wire protocol itself, answers the server's
 * authentication request with an empty password, and reports the request and the server's error.
 */
function withoutPassword(login: DatabaseLogin): Promise<{ request: number; code?: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: login.host, port: login.port });
    const params = Buffer.from(`user\0${login.user}\0database\0${login.database}\0\0`);
    const startup = Buffer.alloc(8);
    startup.writeInt32BE(8 + params.length, 0);
    startup.writeInt32BE(196608, 4); // protocol 3.0
    socket.write(Buffer.concat([startup, params]));
    let pending = Buffer.alloc(0);
    let request = -1;
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 5 && pending.length >= 1 + pending.readInt32BE(1)) {
        const type = String.fromCharCode(pending[0]!);
        const body = pending.subarray(5, 1 + pending.readInt32BE(1));
        pending = pending.subarray(1 + pending.readInt32BE(1));
        if (type === 'R') {
          request = body.readInt32BE(0);
          const empty = Buffer.from([0x70, 0, 0, 0, 5, 0]); // PasswordMessage ''
          socket.write(empty);
        } else if (type === 'E') {
          const fields = body.toString('utf8').split('\0');
          socket.destroy();
          resolve({ request, code: fields.find((f) => f.startsWith('C'))?.slice(1) });
        }
      }
    });
    socket.on('error', reject);
    socket.on('close', () => resolve({ request }));
  });
}

describe("the ledger's cluster takes passwords only", () => {
  it('lets a party in with its own password', async () => {
    expect(await sqlState(platform)).toBe('connected');
  });

  it('refuses a wrong password (28P01), for a party and for the superuser', async () => {
    expect(await sqlState({ ...platform, password: 'not-the-password-0000' })).toBe('28P01');
    expect(await sqlState({ ...cluster.superuser, password: 'not-the-password-0000' })).toBe('28P01');
    // Another party's password does not open this party's role.
    const bank = cluster.access.parties.find((p) => p.party.kind === 'bank')!.login;
    expect(await sqlState({ ...platform, password: bank.password })).toBe('28P01');
  });

  it('asks a client without a password for SCRAM, never lets it in, and refuses its empty answer', async () => {
    const answer = await withoutPassword(platform);
    expect(answer.request).toBe(10); // AuthenticationSASL: not 0 (AuthenticationOk), as trust would send
    expect(answer.code).toMatch(/^(28P01|28000|08P01)$/);
    await expect(new pg.Client({ ...platform, password: undefined }).connect()).rejects.toThrow(/password/);
  });

  it('refuses a role that may not log in and a role that does not exist', async () => {
    expect(await sqlState({ ...platform, user: groupRole.bank })).toBe('28P01');
    expect(await sqlState({ ...platform, user: 'securepay_bridge' })).toBe('28P01');
  });
});
