import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { findOrg, orgUser, orgUserName, ProcessTable, type PeerOrg, peerProcessName, caName } from '@securepay/network';
import { networkLayout } from './fixtures';

/** Reads a file as another Unix account, the way a compromised process of that org would. */
function readAs(org: PeerOrg, file: string): { ok: boolean; stderr: string } {
  const account = orgUser(org)!;
  const result = spawnSync('cat', [file], { uid: account.uid, gid: account.gid, encoding: 'utf8' });
  return { ok: result.status === 0, stderr: result.stderr.trim() };
}

const keyIn = (dir: string): string => path.join(dir, readdirSync(dir)[0]!);

/**
 * Each org's keys, CA database and registrar secret sit in its own folder, owned by its own Unix
 * account and closed to every other: what the platform's processes could read if one were taken over.
 */
describe('each org’s secrets are its own', () => {
  const layout = networkLayout();
  const platform = findOrg(layout.network, 'PlatformMSP');
  const bankA = findOrg(layout.network, 'BankAMSP');
  const processes = new ProcessTable(layout.pidDir);

  beforeAll(() => {
    if (!orgUser(platform)) throw new Error('org accounts are not in use: run the suite as root (see network/README.md)');
  });

  it('runs every org’s processes as that org’s own account, with its folder 0700', () => {
    for (const org of layout.network.orgs) {
      const account = orgUser(org)!;
      expect(account.user).toBe(orgUserName(org));
      const home = statSync(layout.orgHome(org));
      expect({ owner: home.uid, mode: (home.mode & 0o777).toString(8) }).toEqual({ owner: account.uid, mode: '700' });
      for (const name of [peerProcessName(org), caName(org)]) {
        const status = readFileSync(`/proc/${processes.read(name)!.pid}/status`, 'utf8');
        expect(status.match(/^Uid:\s+(\d+)/m)![1]).toBe(String(account.uid));
      }
    }
  });

  it('lets the platform’s account read its own admin key (the check below can tell)', () => {
    expect(readAs(platform, keyIn(path.join(layout.orgAdminMsp(platform), 'keystore'))).ok).toBe(true);
  });

  it.each([
    ['BankA’s admin key', () => keyIn(path.join(layout.orgAdminMsp(bankA), 'keystore'))],
    ['BankA’s peer key', () => keyIn(path.join(layout.peerDir(bankA), 'msp', 'keystore'))],
    [
      'BankA’s CA signing key',
      () =>
        path.join(
          layout.orgCaDir(bankA),
          readdirSync(layout.orgCaDir(bankA)).find((f) => f.endsWith('_sk'))!,
        ),
    ],
    ['BankA’s CA registrar secret', () => path.join(layout.caHome(bankA), 'registrar.json')],
    ['BankA’s CA configuration (its bootstrap identity)', () => path.join(layout.caHome(bankA), 'fabric-ca-server-config.yaml')],
    ['BankA’s connection file', () => layout.gatewayFile(bankA.mspId)],
  ])('refuses the platform’s account %s', (_what, file) => {
    const attempt = readAs(platform, file());
    expect(attempt).toEqual({ ok: false, stderr: expect.stringMatching(/Permission denied/) });
  });

  it('keeps the registrar secret off the CA’s command line, which every local account can read', () => {
    const { secret } = JSON.parse(readFileSync(path.join(layout.caHome(bankA), 'registrar.json'), 'utf8')) as { secret: string };
    const pid = processes.read(caName(bankA))!.pid;
    const cmdline = spawnSync('cat', [`/proc/${pid}/cmdline`], { uid: orgUser(platform)!.uid, gid: orgUser(platform)!.gid });
    expect(cmdline.status).toBe(0);
    expect(cmdline.stdout.toString()).toContain('fabric-ca-server');
    expect(cmdline.stdout.toString()).not.toContain(secret);
    expect(readAs(platform, `/proc/${pid}/environ`).ok).toBe(false);
  });
});
