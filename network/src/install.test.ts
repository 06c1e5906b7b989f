import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fabricBuildMismatch, fabricStamp, moduleBuildMismatch, parseBuildInfo, stampedCommit } from './build-info';
import type { NetworkFile } from './config';
import { FabricSourceError, locateFabricSource, noSourceError, unpackFabricSource, verifyFabricSource } from './fabric-source';
import { goFailure } from './go-tool';

const pinnedSum = '637d44e8a01a78db702acf3f2a571531d8b5529c36bcb4b089d89d093b56c5e3';
const fabric: NetworkFile['fabric'] = {
  version: '3.1.5',
  commit: '86c1172bec37e6590c6b1ae6f847833df48d65fc',
  module: 'github.com/hyperledger/fabric',
  source: { archive: 'fabric-v3.1.5-src.tar.gz', sha256: pinnedSum },
  ca: { module: 'github.com/hyperledger/fabric-ca', version: 'v1.5.21' },
};

const scratchDirs: string[] = [];
const scratch = (): string => {
  scratchDirs.push(mkdtempSync(path.join(tmpdir(), 'securepay-install-')));
  return scratchDirs.at(-1)!;
};
afterAll(() => scratchDirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
const sha256 = (bytes: string | Buffer): string => createHash('sha256').update(bytes).digest('hex');

describe('the source archive', () => {
  it('refuses an archive whose checksum is not the pinned one, naming both sums and the fix', async () => {
    const file = path.join(scratch(), 'other.tar.gz');
    writeFileSync(file, 'not fabric');
    const refusal = verifyFabricSource({ file, namedBy: 'FABRIC_SOURCE' }, fabric);
    await expect(refusal).rejects.toBeInstanceOf(FabricSourceError);
    await expect(refusal).rejects.toMatchObject({ code: 'checksum' });
    await expect(refusal).rejects.toThrow(`FABRIC_SOURCE=${file} is not the Fabric v3.1.5 source archive`);
    await expect(refusal).rejects.toThrow(`its sha256 is ${sha256('not fabric')}, but network.yaml pins ${pinnedSum}`);
    await expect(refusal).rejects.toThrow('Set FABRIC_SOURCE to the Fabric v3.1.5 source archive (fabric-v3.1.5-src.tar.gz)');
  });

  it('accepts an archive with the pinned checksum', async () => {
    const file = path.join(scratch(), 'fabric.tar.gz');
    writeFileSync(file, 'the release');
    await expect(
      verifyFabricSource({ file, namedBy: 'default' }, { ...fabric, source: { ...fabric.source, sha256: sha256('the release') } }),
    ).resolves.toBeUndefined();
  });

  it('stops at a FABRIC_SOURCE that does not exist instead of falling back', () => {
    const dir = scratch();
    const named = path.join(dir, 'missing.tar.gz');
    const locate = (): unknown => locateFabricSource(fabric, { FABRIC_SOURCE: named }, path.join(dir, 'default.tar.gz'));
    expect(locate).toThrow(FabricSourceError);
    expect(locate).toThrow(`FABRIC_SOURCE=${named} does not exist. Set FABRIC_SOURCE to the Fabric v3.1.5 source archive`);
    expect(() => locateFabricSource(fabric, { FABRIC_SOURCE: dir }, named)).toThrow(`FABRIC_SOURCE=${dir} is not a file`);
  });

  it('falls back to the default archive only when FABRIC_SOURCE is unset and the default exists', () => {
    const dir = scratch();
    const defaultArchive = path.join(dir, fabric.source.archive);
    expect(locateFabricSource(fabric, {}, defaultArchive)).toBeUndefined();
    writeFileSync(defaultArchive, '');
    expect(locateFabricSource(fabric, { FABRIC_SOURCE: '' }, defaultArchive)).toEqual({ file: defaultArchive, namedBy: 'default' });
  });

  it('says what the proxy refused and where the default archive was looked for', () => {
    const error = noSourceError(fabric, 'reading https://proxy.golang.org/…: 403 Forbidden', '/elsewhere/fabric-v3.1.5-src.tar.gz');
    expect(error.code).toBe('unavailable');
    expect(error.message).toContain(
      `the Go module proxy refused github.com/hyperledger/fabric@${fabric.commit} (reading https://proxy.golang.org/…: 403 Forbidden)`,
    );
    expect(error.message).toContain('FABRIC_SOURCE is unset and the default, /elsewhere/fabric-v3.1.5-src.tar.gz, does not exist');
    expect(error.message).toContain(
      `Set FABRIC_SOURCE to the Fabric v3.1.5 source archive (fabric-v3.1.5-src.tar.gz), sha256 ${pinnedSum}`,
    );
  });

  it('unpacks a verified archive to fabric-v<version>/, the module root with its sampleconfig', async () => {
    const dir = scratch();
    mkdirSync(path.join(dir, 'fabric-v3.1.5', 'sampleconfig'), { recursive: true });
    writeFileSync(path.join(dir, 'fabric-v3.1.5', 'go.mod'), 'module github.com/hyperledger/fabric\n\ngo 1.26.4\n');
    writeFileSync(path.join(dir, 'fabric-v3.1.5', 'sampleconfig', 'core.yaml'), 'peer: {}\n');
    const file = path.join(dir, 'fabric.tar.gz');
    execFileSync('tar', ['-czf', file, '-C', dir, 'fabric-v3.1.5']);
    const release = { ...fabric, source: { ...fabric.source, sha256: sha256(readFileSync(file)) } };
    const into = path.join(dir, 'src');
    const unpacked = await unpackFabricSource({ file, namedBy: 'FABRIC_SOURCE' }, release, into);
    expect(unpacked).toBe(path.join(into, 'fabric-v3.1.5'));
    expect(existsSync(path.join(unpacked, 'sampleconfig', 'core.yaml'))).toBe(true);
    await expect(
      unpackFabricSource({ file, namedBy: 'FABRIC_SOURCE' }, { ...release, module: 'example.com/other' }, path.join(dir, 'elsewhere')),
    ).rejects.toMatchObject({ code: 'not-fabric' });
  });
});

describe("the proxy's refusal", () => {
  it('is cut down to the proxy answer, from real `go install …@<commit>` output', () => {
    const stderr = [
      'go: github.com/hyperledger/fabric/cmd/peer@86c1172bec37e6590c6b1ae6f847833df48d65fc: github.com/hyperledger/fabric/cmd/peer@86c1172bec37e6590c6b1ae6f847833df48d65fc: invalid version: reading https://proxy.golang.org/github.com/hyperledger/fabric/cmd/peer/@v/86c1172bec37e6590c6b1ae6f847833df48d65fc.info: 403 Forbidden',
      '\tserver response: This module version is not available.',
      '',
    ].join('\n');
    expect(goFailure(stderr)).toBe(
      'reading https://proxy.golang.org/github.com/hyperledger/fabric/cmd/peer/@v/86c1172bec37e6590c6b1ae6f847833df48d65fc.info: 403 Forbidden server response: This module version is not available.',
    );
  });

  it('keeps the first error of any other failure, without download chatter', () => {
    expect(goFailure('go: downloading golang.org/x/net v0.1.0\ngo: build constraints exclude all Go files\ngo: second error\n')).toBe(
      'build constraints exclude all Go files',
    );
  });
});

/** Shortened `go version -m` output (most `dep` lines cut); tabs as Go writes them. */
const goVersionM = (...lines: string[]): string => lines.join('\n');
const stampLine =
  '\tbuild\t-ldflags="-X github.com/hyperledger/fabric/common/metadata.Version=3.1.5 -X github.com/hyperledger/fabric/common/metadata.CommitSHA=86c1172b"';

// network/.fabric/bin/peer, built from the source archive by this installer.
const fromSource = goVersionM(
  'network/.fabric/bin/peer: go1.26.8',
  '\tpath\tgithub.com/hyperledger/fabric/cmd/peer',
  '\tmod\tgithub.com/hyperledger/fabric\t(devel)\t',
  '\tdep\tgithub.com/IBM/idemix\tv0.0.2-0.20240913182345-72941a5f41cd\th1:EKYTJSpfo9AXtwVVx0ifV6C1WWVXYdg/7Dt7DZUU3TY=',
  '\tbuild\t-buildmode=exe',
  '\tbuild\t-compiler=gc',
  stampLine,
  '\tbuild\tCGO_ENABLED=0',
  '\tbuild\tGOOS=linux',
);

// The same build with -trimpath: Go then leaves -ldflags out of the build info.
const trimmed = goVersionM(
  '/tmp/fabbin/osnadmin: go1.26.8',
  '\tpath\tgithub.com/hyperledger/fabric/cmd/osnadmin',
  '\tmod\tgithub.com/hyperledger/fabric\t(devel)\t',
  '\tbuild\t-buildmode=exe',
  '\tbuild\t-trimpath=true',
  '\tbuild\tCGO_ENABLED=0',
);

// The 2023 snapshot from the module proxy, stamped 3.1.5 all the same: the stamp alone proves nothing.
const proxySnapshot = goVersionM(
  'bin/osnadmin: go1.26.8',
  '\tpath\tgithub.com/hyperledger/fabric/cmd/osnadmin',
  '\tmod\tgithub.com/hyperledger/fabric\tv1.4.0-rc1.0.20230405174026-695dd57e01c2\th1:w5BGxCYEsc9vjdDEdZGrZ5redvs263RYsdT2tqF7cNk=',
  '\tbuild\t-buildmode=exe',
  stampLine,
  '\tbuild\tCGO_ENABLED=0',
);

// fabric-ca-server as this installer fetches it from the proxy.
const caServer = goVersionM(
  'network/.fabric/bin/fabric-ca-server: go1.26.8',
  '\tpath\tgithub.com/hyperledger/fabric-ca/cmd/fabric-ca-server',
  '\tmod\tgithub.com/hyperledger/fabric-ca\tv1.5.21\th1:46qi5BD71N3VnaDBZTROIjy2g+cb+apPJjUFUTFEH08=',
  '\tbuild\tCGO_ENABLED=1',
);

describe('which binaries are reused', () => {
  it('reads the package, module and build settings, unquoting -ldflags', () => {
    const info = parseBuildInfo(fromSource);
    expect(info.packagePath).toBe('github.com/hyperledger/fabric/cmd/peer');
    expect(info.module).toEqual({ path: 'github.com/hyperledger/fabric', version: '(devel)' });
    expect(info.settings.get('-ldflags')).toBe(fabricStamp(fabric));
    expect(info.settings.get('CGO_ENABLED')).toBe('0');
  });

  it('reads back the commit a build was stamped with, and none from a build without -ldflags', () => {
    expect(stampedCommit(parseBuildInfo(fromSource), fabric)).toBe('86c1172b');
    const patched = fromSource.replace('CommitSHA=86c1172b', 'CommitSHA=86c1172b+keylevel-policy-memo.0123abcd');
    expect(stampedCommit(parseBuildInfo(patched), fabric)).toBe('86c1172b+keylevel-policy-memo.0123abcd');
    expect(stampedCommit(parseBuildInfo(trimmed), fabric)).toBeUndefined();
  });

  it('reuses a source build that carries the stamp', () => {
    expect(fabricBuildMismatch(parseBuildInfo(fromSource), 'peer', fabric)).toBeUndefined();
  });

  it('reuses a proxy build of the pinned commit (pseudo-version ending in its 12-character prefix)', () => {
    const byCommit = proxySnapshot.replace('v1.4.0-rc1.0.20230405174026-695dd57e01c2', 'v1.4.0-rc1.0.20260618074816-86c1172bec37');
    expect(fabricBuildMismatch(parseBuildInfo(byCommit), 'osnadmin', fabric)).toBeUndefined();
  });

  it('rebuilds a proxy build of another commit, even one stamped 3.1.5', () => {
    expect(fabricBuildMismatch(parseBuildInfo(proxySnapshot), 'osnadmin', fabric)).toBe(
      'it was built from github.com/hyperledger/fabric@v1.4.0-rc1.0.20230405174026-695dd57e01c2, not commit 86c1172b',
    );
  });

  it('rebuilds a -trimpath build, whose stamp cannot be seen', () => {
    expect(fabricBuildMismatch(parseBuildInfo(trimmed), 'osnadmin', fabric)).toMatch(/built with -trimpath/);
  });

  it('rebuilds when the stamp names another version or commit', () => {
    const other = fromSource.replace('CommitSHA=86c1172b', 'CommitSHA=57f91e9b');
    expect(fabricBuildMismatch(parseBuildInfo(other), 'peer', fabric)).toBe(
      'its stamp lacks github.com/hyperledger/fabric/common/metadata.CommitSHA=86c1172b',
    );
  });

  it('does not take one tool for another, nor a non-Go file for a tool', () => {
    expect(fabricBuildMismatch(parseBuildInfo(fromSource), 'orderer', fabric)).toMatch(/not github.com\/hyperledger\/fabric\/cmd\/orderer/);
    expect(fabricBuildMismatch(parseBuildInfo(''), 'peer', fabric)).toMatch(/not a Go program/);
  });

  it('reuses Fabric CA only at the pinned release', () => {
    expect(moduleBuildMismatch(parseBuildInfo(caServer), fabric.ca.module, 'v1.5.21')).toBeUndefined();
    expect(moduleBuildMismatch(parseBuildInfo(caServer), fabric.ca.module, 'v1.5.22')).toBe(
      'it was built from github.com/hyperledger/fabric-ca@v1.5.21, not github.com/hyperledger/fabric-ca@v1.5.22',
    );
  });
});
