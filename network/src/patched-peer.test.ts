import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fabricBuildMismatch, parseBuildInfo } from './build-info';
import { loadNetworkConfig } from './config';
import { goBinary, sourceBuildEnv } from './go-tool';
import { fabricModuleDir } from './install';
import { installPatchedPeer, patchedCommitStamp, requestedPatch } from './patched-peer';

const fabric = { commit: '86c1172bec37e6590c6b1ae6f847833df48d65fc' };

describe('choosing a Fabric patch', () => {
  it('runs the release when SECUREPAY_FABRIC_PATCH is unset or empty', () => {
    expect(requestedPatch({})).toBeUndefined();
    expect(requestedPatch({ SECUREPAY_FABRIC_PATCH: '' })).toBeUndefined();
  });

  it('refuses a patch it does not have rather than running the release under that name', () => {
    expect(() => requestedPatch({ SECUREPAY_FABRIC_PATCH: 'keylevel-policy-cache' })).toThrow(
      'SECUREPAY_FABRIC_PATCH=keylevel-policy-cache names no patch; known: keylevel-policy-memo',
    );
  });

  it('stamps a patched build with the commit, the patch and its content', () => {
    const stamp = patchedCommitStamp(fabric, 'keylevel-policy-memo', 'diff one');
    expect(stamp).toMatch(/^86c1172b\+keylevel-policy-memo\.[0-9a-f]{8}$/);
    expect(patchedCommitStamp(fabric, 'keylevel-policy-memo', 'diff two')).not.toBe(stamp);
  });
});

describe('the keylevel-policy-memo peer', () => {
  // Builds against the release source the network's own install unpacked (the Go build cache makes it quick after that).
  it('applies to the pinned release, passes its own Go tests and names itself in `peer version`', async () => {
    const network = loadNetworkConfig({ profile: 'raft1' });
    const binary = await installPatchedPeer(network.fabric, 'keylevel-policy-memo', await fabricModuleDir(network));

    const version = execFileSync(binary, ['version'], { encoding: 'utf8' });
    expect(version).toMatch(/Version: 3\.1\.5/);
    expect(version).toMatch(/Commit SHA: 86c1172b\+keylevel-policy-memo\.[0-9a-f]{8}/);
    // Found on PATH or FABRIC_BIN, it is never taken for the release.
    const buildInfo = parseBuildInfo(execFileSync(goBinary(), ['version', '-m', binary], { encoding: 'utf8' }));
    expect(fabricBuildMismatch(buildInfo, 'peer', network.fabric)).toContain('its stamp lacks');

    const tree = path.join(path.dirname(path.dirname(binary)), 'src');
    const goTest = execFileSync(goBinary(), ['test', '-count=1', '-v', './core/common/validation/statebased/'], {
      cwd: tree,
      env: sourceBuildEnv(process.env),
      encoding: 'utf8',
    });
    for (const name of [
      'TestSamePolicyIsEvaluatedOncePerTransaction',
      'TestAnUnsatisfiedPolicyStillInvalidatesTheTransaction',
      'TestARefusedPolicyIsNotRemembered',
      'TestEachTransactionEvaluatesAfresh',
    ]) {
      expect(goTest).toContain(`--- PASS: ${name}`);
    }
    expect(goTest).not.toContain('--- FAIL');
  }, 600_000);
});
