import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fabricBuildMismatch, fabricStamp, moduleBuildMismatch, parseBuildInfo, shortCommit, type BuildInfo } from './build-info';
import { networkDir, type NetworkFile } from './config';
import {
  defaultSourceArchive,
  locateFabricSource,
  noSourceError,
  unpackedFabricSource,
  unpackFabricSource,
  verifyFabricSource,
  type FabricSource,
} from './fabric-source';
import { goBinary, sourceBuildEnv, withProgress } from './go-tool';
import { log } from './log';
import { downloadFabricByCommit, installCaFromProxy, installFabricByCommit } from './module-proxy';
import { run } from './run';

const fabricTools = ['peer', 'orderer', 'configtxgen', 'osnadmin', 'cryptogen'] as const;
const caTools = ['fabric-ca-server', 'fabric-ca-client'] as const;
export type FabricTool = (typeof fabricTools)[number] | (typeof caTools)[number];
export type FabricBinaries = Record<FabricTool, string>;

type FabricRelease = NetworkFile['fabric'];

export const installDir = path.join(networkDir, '.fabric');
const projectBin = path.join(installDir, 'bin');
const sourceDir = path.join(installDir, 'src');

export interface InstallOptions {
  /** Where FABRIC_SOURCE, FABRIC_BIN, PATH and GO are read; process.env by default. */
  env?: NodeJS.ProcessEnv;
  /** The archive used when FABRIC_SOURCE is unset; shared/vendor/fabric/<archive> beside the repository by default. */
  defaultArchive?: string;
}

/**
 * Makes sure every Fabric tool is present at its pinned version, reusing binaries on FABRIC_BIN,
 * PATH or network/.fabric/bin whose build info shows that version and building the others into
 * network/.fabric/bin. Takes minutes the first time.
 */
export async function installFabric(network: NetworkFile, options: InstallOptions = {}): Promise<FabricBinaries> {
  const env = options.env ?? process.env;
  const { fabric } = network;
  const release = await findReusable(fabricTools, (info, tool) => fabricBuildMismatch(info, tool, fabric), env);
  if (release.missing.length > 0) await buildFabric(fabric, release.missing, options);
  else log.info({ bin: release.dirs }, `Fabric ${fabric.version} (${shortCommit(fabric)}) already installed`);

  const ca = await findReusable(caTools, (info) => moduleBuildMismatch(info, fabric.ca.module, fabric.ca.version), env);
  if (ca.missing.length > 0) await installCaFromProxy(fabric.ca, ca.missing, { bin: projectBin, workDir: sourceDir, env });
  else log.info({ bin: ca.dirs }, `Fabric CA ${fabric.ca.version} already installed`);

  const built = [...release.missing, ...ca.missing].map((tool) => [tool, path.join(projectBin, tool)]);
  return { ...release.found, ...ca.found, ...Object.fromEntries(built) } as FabricBinaries;
}

/**
 * The root of the Fabric module at the pinned commit, whose sampleconfig/ holds the default node
 * configs: the source unpacked by an earlier install, else the module from the proxy, else the
 * source archive unpacked now.
 */
export async function fabricModuleDir(network: NetworkFile, options: InstallOptions = {}): Promise<string> {
  const { fabric } = network;
  const unpacked = unpackedFabricSource(fabric, sourceDir);
  if (unpacked) return unpacked;
  const fallback = await checkFallback(fabric, options);
  const downloaded = await downloadFabricByCommit(fabric, { workDir: sourceDir, env: options.env ?? process.env });
  return 'dir' in downloaded ? downloaded.dir : unpackFallback(fabric, fallback, downloaded.refusal);
}

type Mismatch = (info: BuildInfo, tool: FabricTool) => string | undefined;

/** Looks in FABRIC_BIN, then PATH, then the project's own install folder. */
async function findReusable(tools: readonly FabricTool[], mismatch: Mismatch, env: NodeJS.ProcessEnv) {
  const dirs = [env.FABRIC_BIN, ...(env.PATH ?? '').split(':'), projectBin].filter((d): d is string => !!d);
  const found: Partial<FabricBinaries> = {};
  const missing: FabricTool[] = [];
  for (const tool of tools) {
    const rejected: string[] = [];
    let at: string | undefined;
    for (const dir of dirs) {
      const candidate = path.join(dir, tool);
      if (!existsSync(candidate)) continue;
      const why = mismatch(await buildInfoOf(candidate, env), tool);
      if (why === undefined) {
        at = candidate;
        break;
      }
      rejected.push(`${candidate}: ${why}`);
    }
    if (at) {
      found[tool] = at;
    } else {
      missing.push(tool);
      // Said only when it leads to a build, so a stale copy elsewhere on PATH is not reported on every run.
      for (const reason of rejected) log.info(`not reusing ${reason}`);
    }
  }
  return { found, missing, dirs: [...new Set(Object.values(found).map((f) => path.dirname(f)))] };
}

/** What `go version -m` says of a binary; a file that is not a Go program says nothing (matches no pin). */
export async function buildInfoOf(binary: string, env: NodeJS.ProcessEnv): Promise<BuildInfo> {
  try {
    return parseBuildInfo((await run(goBinary(env), ['version', '-m', binary])).stdout);
  } catch {
    return parseBuildInfo(''); // not a Go binary: matches no pin
  }
}

/** The pinned commit by `go install …@commit` where the proxy serves it, else from the source archive. */
async function buildFabric(fabric: FabricRelease, tools: FabricTool[], options: InstallOptions): Promise<void> {
  const env = options.env ?? process.env;
  const fallback = await checkFallback(fabric, options);
  const refusal = await installFabricByCommit(fabric, tools, { bin: projectBin, workDir: sourceDir, env });
  if (refusal === undefined) return;
  const dir = await unpackFallback(fabric, fallback, refusal);
  // No -trimpath, which would drop -ldflags from the build info and so hide the stamp the reuse check reads.
  // -buildvcs=false: the unpacked tree sits inside SecurePay's git checkout, whose commit is not Fabric's.
  const args = ['build', '-v', '-buildvcs=false', '-ldflags', fabricStamp(fabric), '-o', projectBin + path.sep];
  mkdirSync(projectBin, { recursive: true });
  await withProgress(`building Fabric ${fabric.version} (${shortCommit(fabric)}) from source`, (onLine) =>
    run(goBinary(env), [...args, ...tools.map((t) => `./cmd/${t}`)], {
      cwd: dir,
      env: sourceBuildEnv(env),
      onLine,
    }),
  );
}

interface Fallback {
  source?: FabricSource;
  defaultArchive: string;
}

/** Looks at the archive before anything slow, so a wrong FABRIC_SOURCE stops the install at once. */
async function checkFallback(fabric: FabricRelease, options: InstallOptions): Promise<Fallback> {
  const defaultArchive = options.defaultArchive ?? defaultSourceArchive(fabric);
  const source = locateFabricSource(fabric, options.env ?? process.env, defaultArchive);
  if (source?.namedBy === 'FABRIC_SOURCE') await verifyFabricSource(source, fabric, defaultArchive);
  return { source, defaultArchive };
}

async function unpackFallback(fabric: FabricRelease, fallback: Fallback, refusal: string): Promise<string> {
  if (!fallback.source) throw noSourceError(fabric, refusal, fallback.defaultArchive);
  log.info(
    { refused: refusal, archive: fallback.source.file },
    `the Go module proxy does not serve Fabric ${fabric.version}; using its source archive`,
  );
  return unpackFabricSource(fallback.source, fabric, sourceDir);
}
