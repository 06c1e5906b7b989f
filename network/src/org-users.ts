import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, lstatSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { networkDir } from './config';
import type { Layout, OrgRef } from './layout';
import { log } from './log';

/** The Unix account an org's processes run as. */
export interface RunAs {
  user: string;
  uid: number;
  gid: number;
}

export const orgUserName = (org: OrgRef): string => `securepay-${org.name.toLowerCase()}`;

const accounts = new Map<string, RunAs | undefined>();
let warned = false;

/**
 * The account an org's peer, CA, chaincode server and orderer run as, so that no process of one org
 * can read another org's keys or registrar secret. Created on first use when we run as root; when
 * we do not (or the accounts could not reach the project's files), every org runs as the current
 * user, with a warning: the folders stay 0700, but then they share one owner.
 */
export function orgUser(org: OrgRef): RunAs | undefined {
  if (accounts.has(org.name)) return accounts.get(org.name);
  const account = resolveAccount(orgUserName(org));
  accounts.set(org.name, account);
  return account;
}

function resolveAccount(user: string): RunAs | undefined {
  if (process.getuid?.() !== 0) return fallBack(`not running as root (uid ${process.getuid?.()})`);
  if (process.env.SECUREPAY_ORG_USERS === 'off') return fallBack('SECUREPAY_ORG_USERS=off');
  let id = lookup(user);
  if (!id) {
    const made = spawnSync(
      'useradd',
      ['--system', '--user-group', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', user],
      {
        encoding: 'utf8',
      },
    );
    id = lookup(user);
    if (!id) return fallBack(`useradd ${user} failed: ${(made.stderr || made.error?.message || '').trim()}`);
    log.info({ user }, 'created the Unix account an org runs as');
  }
  // The account must reach the project's files (Fabric binaries, chaincode, builder scripts); a
  // checkout inside a private home folder (/root/…) would stop every node it starts.
  const project = path.resolve(networkDir, '..');
  const reach = spawnSync('test', ['-r', project, '-a', '-x', project], { uid: id.uid, gid: id.gid });
  if (reach.status !== 0) return fallBack(`${user} cannot read ${project}; check out the project where other users can read it`);
  return { user, ...id };
}

function lookup(user: string): { uid: number; gid: number } | undefined {
  const uid = spawnSync('id', ['-u', user], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', user], { encoding: 'utf8' });
  if (uid.status !== 0 || gid.status !== 0) return undefined;
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

function fallBack(reason: string): undefined {
  if (!warned) {
    log.warn({ reason }, 'every org runs as the current user: org folders are 0700 but share one owner');
    warned = true;
  }
  return undefined;
}

/**
 * Makes an org's folder its own: owned by its account, 0700, so only that org (and root) can read its
 * keys, CA database and ledgers. Run before the org's processes start, and again on every `up`.
 */
export function sealOrgHome(layout: Layout, org: OrgRef): void {
  const home = layout.orgHome(org);
  mkdirSync(path.join(home, 'data'), { recursive: true });
  const account = orgUser(org);
  if (account) chownTree(home, account);
  chmodSync(home, 0o700);
}

function chownTree(target: string, account: RunAs): void {
  const stat = lstatSync(target);
  if (stat.uid !== account.uid || stat.gid !== account.gid) chownSync(target, account.uid, account.gid);
  if (stat.isDirectory()) for (const entry of readdirSync(target)) chownTree(path.join(target, entry), account);
}
