import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { fabricStamp, shortCommit, stampedCommit } from './build-info';
import { networkDir, type NetworkFile } from './config';
import { goBinary, sourceBuildEnv, withProgress } from './go-tool';
import { buildInfoOf } from './install';
import { log } from './log';
import { run } from './run';

/**
 * A peer built from the pinned Fabric source with one of our patches to it, so a change we propose
 * upstream can be measured before Fabric has it. Never the default: the network runs the pinned release
 * unless SECUREPAY_FABRIC_PATCH names a patch, and a patched peer says so in its version stamp
 * (`peer version`, the operations endpoint's /version), which the benches record with their figures.
 *
 * `keylevel-policy-memo` (fabric-patches/keylevel-policy-memo.patch): the committing peer evaluates
 * each distinct key-level endorsement policy once per transaction instead of once per written key.
 * Every order of a batch names the same three orgs, so stock Fabric verifies the same three
 * endorsements — hashing the whole proposal response each time — once per order in the batch.
 */
export const fabricPatches = ['keylevel-policy-memo'] as const;
export type FabricPatch = (typeof fabricPatches)[number];

const patchDir = path.join(networkDir, 'fabric-patches');
const patchedDir = path.join(networkDir, '.fabric', 'patched');

/** The patch SECUREPAY_FABRIC_PATCH names, if any; a name we do not have is an error, not the stock peer. */
export function requestedPatch(env: NodeJS.ProcessEnv = process.env): FabricPatch | undefined {
  const name = env.SECUREPAY_FABRIC_PATCH;
  if (name === undefined || name === '') return undefined;
  const parsed = z.enum(fabricPatches).safeParse(name);
  if (!parsed.success) throw new Error(`SECUREPAY_FABRIC_PATCH=${name} names no patch; known: ${fabricPatches.join(', ')}`);
  return parsed.data;
}

/** The commit stamp of a patched build: the pinned commit, the patch and its content, e.g. `86c1172b+keylevel-policy-memo.1a2b3c4d`. */
export function patchedCommitStamp(fabric: Pick<NetworkFile['fabric'], 'commit'>, patch: FabricPatch, patchText: string): string {
  const digest = createHash('sha256').update(patchText).digest('hex').slice(0, 8);
  return `${shortCommit(fabric)}+${patch}.${digest}`;
}

/**
 * The patched peer's path, built from `sourceDir` (the pinned release's module root) the first time
 * and reused while its stamp matches the patch as it is now.
 */
export async function installPatchedPeer(fabric: NetworkFile['fabric'], patch: FabricPatch, sourceDir: string): Promise<string> {
  const patchFile = path.join(patchDir, `${patch}.patch`);
  const stamp = patchedCommitStamp(fabric, patch, readFileSync(patchFile, 'utf8'));
  const home = path.join(patchedDir, patch);
  const binary = path.join(home, 'bin', 'peer');
  if (existsSync(binary) && stampedCommit(await buildInfoOf(binary, process.env), fabric) === stamp) {
    log.info({ binary, stamp }, `patched peer (${patch}) already built`);
    return binary;
  }
  const tree = path.join(home, 'src');
  rmSync(tree, { recursive: true, force: true });
  cpSync(sourceDir, tree, { recursive: true });
  await run('chmod', ['-R', 'u+w', tree]); // the module cache's copies are read-only
  // Outside any git repository (the ceiling stops the search at `home`), `git apply` patches files like `patch -p1`.
  await run('git', ['apply', '--verbose', patchFile], { cwd: tree, env: { ...process.env, GIT_CEILING_DIRECTORIES: home } });
  mkdirSync(path.dirname(binary), { recursive: true });
  await withProgress(`building a peer with Fabric patch ${patch}`, (onLine) =>
    run(goBinary(), ['build', '-v', '-buildvcs=false', '-ldflags', fabricStamp(fabric, stamp), '-o', binary, './cmd/peer'], {
      cwd: tree,
      env: sourceBuildEnv(process.env),
      onLine,
    }),
  );
  return binary;
}
