import { createHash } from 'node:crypto';
import {
  createReadStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { networkDir, type NetworkFile } from './config';
import { run } from './run';

type FabricRelease = NetworkFile['fabric'];

export type FabricSourceProblem = 'missing' | 'checksum' | 'unavailable' | 'not-fabric';

/** Every message names its fix, since the one who reads it is usually setting up a new machine. */
export class FabricSourceError extends Error {
  constructor(
    readonly code: FabricSourceProblem,
    message: string,
  ) {
    super(message);
    this.name = 'FabricSourceError';
  }
}

export interface FabricSource {
  file: string;
  namedBy: 'FABRIC_SOURCE' | 'default';
}

/** The shared copy sits beside the repository (shared/vendor/fabric/), wherever it is cloned. */
export function defaultSourceArchive(fabric: FabricRelease): string {
  // `shared/` beside the checkout; a checkout nested deeper (a CI workspace, say) finds it beside
  // an ancestor. The nearest one wins; when none exists, the name beside the checkout is reported.
  const repository = path.resolve(networkDir, '..');
  const candidates: string[] = [];
  for (let dir = path.dirname(repository); ; dir = path.dirname(dir)) {
    candidates.push(path.join(dir, 'shared', 'vendor', 'fabric', fabric.source.archive));
    if (dir === path.dirname(dir)) break;
  }
  return candidates.find((file) => existsSync(file)) ?? candidates[0]!;
}

const archiveFor = (fabric: FabricRelease): string => `the Fabric v${fabric.version} source archive (${fabric.source.archive})`;

/**
 * The archive to build from: FABRIC_SOURCE when set, else the default when it exists. A FABRIC_SOURCE
 * that is not there stops the install rather than falling back, since it was asked for by name.
 */
export function locateFabricSource(fabric: FabricRelease, env: NodeJS.ProcessEnv, defaultArchive: string): FabricSource | undefined {
  const named = env.FABRIC_SOURCE;
  if (named) {
    const file = path.resolve(named);
    if (!existsSync(file) || !statSync(file).isFile()) {
      const otherwise = existsSync(defaultArchive) ? `unset it to use ${defaultArchive}` : `put it at ${defaultArchive}`;
      throw new FabricSourceError(
        'missing',
        `FABRIC_SOURCE=${named} ${existsSync(file) ? 'is not a file' : 'does not exist'}. Set FABRIC_SOURCE to ${archiveFor(fabric)}, or ${otherwise}.`,
      );
    }
    return { file, namedBy: 'FABRIC_SOURCE' };
  }
  return existsSync(defaultArchive) ? { file: defaultArchive, namedBy: 'default' } : undefined;
}

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** An archive whose SHA-256 differs from the pinned one is not the source the pin names; nothing is built from it. */
export async function verifyFabricSource(source: FabricSource, fabric: FabricRelease, defaultArchive?: string): Promise<void> {
  const actual = await sha256Of(source.file);
  if (actual === fabric.source.sha256) return;
  const canUseDefault = defaultArchive !== undefined && defaultArchive !== source.file && existsSync(defaultArchive);
  const [which, fix] =
    source.namedBy === 'FABRIC_SOURCE'
      ? [
          `FABRIC_SOURCE=${source.file}`,
          `Set FABRIC_SOURCE to ${archiveFor(fabric)}${canUseDefault ? `, or unset it to use ${defaultArchive}` : ''}`,
        ]
      : [`The default archive ${source.file}`, `Restore it, or set FABRIC_SOURCE to a good copy of ${archiveFor(fabric)}`];
  throw new FabricSourceError(
    'checksum',
    `${which} is not ${archiveFor(fabric)}: its sha256 is ${actual}, but network.yaml pins ${fabric.source.sha256} (fabric.source.sha256). ` +
      `${fix}. To move to another Fabric release instead, change fabric.version, fabric.commit and fabric.source in network.yaml together.`,
  );
}

/** What to say when the proxy refused the commit and there is no archive to build from instead. */
export function noSourceError(fabric: FabricRelease, refusal: string, defaultArchive: string): FabricSourceError {
  return new FabricSourceError(
    'unavailable',
    `Fabric v${fabric.version} could not be installed: the Go module proxy refused ${fabric.module}@${fabric.commit} (${refusal}), ` +
      `and there is no source archive to build it from: FABRIC_SOURCE is unset and the default, ${defaultArchive}, does not exist. ` +
      `Set FABRIC_SOURCE to ${archiveFor(fabric)}, sha256 ${fabric.source.sha256}.`,
  );
}

const verifiedMarker = '.securepay-sha256';

const unpackDir = (fabric: FabricRelease, intoDir: string): string => path.join(intoDir, `fabric-v${fabric.version}`);

/** The source unpacked under `intoDir` by an earlier run, from an archive that matched the pinned checksum. */
export function unpackedFabricSource(fabric: FabricRelease, intoDir: string): string | undefined {
  const marker = path.join(unpackDir(fabric, intoDir), verifiedMarker);
  return existsSync(marker) && readFileSync(marker, 'utf8').trim() === fabric.source.sha256 ? path.dirname(marker) : undefined;
}

/**
 * Checks and unpacks the archive into `<intoDir>/fabric-v<version>/`, the root of the Fabric module.
 * It is unpacked beside that first and renamed into place, so an interrupted run never leaves a
 * half tree that a later one would take for the whole.
 */
export async function unpackFabricSource(source: FabricSource, fabric: FabricRelease, intoDir: string): Promise<string> {
  const unpacked = unpackedFabricSource(fabric, intoDir);
  if (unpacked) return unpacked;
  await verifyFabricSource(source, fabric);
  mkdirSync(intoDir, { recursive: true });
  const scratch = mkdtempSync(path.join(intoDir, '.unpacking-'));
  try {
    await run('tar', ['-xzf', source.file, '-C', scratch]);
    const root = moduleRoot(scratch, source, fabric);
    const dir = unpackDir(fabric, intoDir);
    rmSync(dir, { recursive: true, force: true });
    renameSync(root, dir);
    writeFileSync(path.join(dir, verifiedMarker), `${fabric.source.sha256}\n`);
    return dir;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** The archive's one top-level directory, which must be the Fabric module itself (a pinned sum can still be the wrong file's). */
function moduleRoot(scratch: string, source: FabricSource, fabric: FabricRelease): string {
  const tops = readdirSync(scratch, { withFileTypes: true }).filter((e) => e.isDirectory());
  const root = tops.length === 1 ? path.join(scratch, tops[0]!.name) : scratch;
  const goMod = path.join(root, 'go.mod');
  const module = existsSync(goMod) ? /^module\s+(\S+)/m.exec(readFileSync(goMod, 'utf8'))?.[1] : undefined;
  if (module !== fabric.module) {
    throw new FabricSourceError(
      'not-fabric',
      `${source.file} holds ${module ? `module ${module}` : 'no go.mod at its top'}, not ${fabric.module}: fix fabric.source in network/network.yaml.`,
    );
  }
  return root;
}
