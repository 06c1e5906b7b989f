import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { networkDir, type NetworkFile } from './config';
import { log } from './log';
import { run } from './run';

/** The Fabric tools SecurePay runs, and the Go module each comes from. */
const fabricTools = ['peer', 'orderer', 'configtxgen', 'osnadmin', 'cryptogen'] as const;
const caTools = ['fabric-ca-server', 'fabric-ca-client'] as const;
export type FabricTool = (typeof fabricTools)[number] | (typeof caTools)[number];

export const installDir = path.join(networkDir, '.fabric');
const projectBin = path.join(installDir, 'bin');

export function goBinary(): string {
  const candidates = [process.env.GO, ...(process.env.PATH ?? '').split(':').map((d) => path.join(d, 'go')), '/usr/local/go/bin/go'];
  const found = candidates.find((c): c is string => !!c && existsSync(c));
  if (!found) throw new Error('Go is needed to install Fabric (go ≥ 1.20, e.g. /usr/local/go/bin/go); set GO to its path');
  return found;
}

/** Where Fabric's tools are: FABRIC_BIN, then PATH, then the project's own install folder. */
function binDirs(): string[] {
  return [process.env.FABRIC_BIN, ...(process.env.PATH ?? '').split(':'), projectBin].filter((d): d is string => !!d);
}

/** `go version -m` names the module version a binary was built from, so a pinned version can be checked. */
async function builtFrom(binary: string): Promise<string | undefined> {
  try {
    const { stdout } = await run(goBinary(), ['version', '-m', binary]);
    return stdout
      .split('\n')
      .map((line) => line.trim().split(/\s+/))
      .find((cols) => cols[0] === 'mod')
      ?.slice(1, 3)
      .join('@');
  } catch {
    return undefined;
  }
}

async function findPinned(tool: FabricTool, moduleAtVersion: string): Promise<string | undefined> {
  for (const dir of binDirs()) {
    const candidate = path.join(dir, tool);
    if (existsSync(candidate) && (await builtFrom(candidate)) === moduleAtVersion) return candidate;
  }
  return undefined;
}

export type FabricBinaries = Record<FabricTool, string>;

/**
 * Makes sure every Fabric tool is present at its pinned version, building the missing ones with
 * `go install` from the Go module proxy into network/.fabric/bin. Takes minutes the first time.
 */
export async function installFabric(network: NetworkFile): Promise<FabricBinaries> {
  const groups = [
    { name: 'fabric', module: network.fabric.module, version: network.fabric.version, tools: fabricTools, cgo: '0' },
    { name: 'fabric-ca', module: network.fabric.ca.module, version: network.fabric.ca.version, tools: caTools, cgo: '1' },
  ];
  const found: Partial<FabricBinaries> = {};
  for (const group of groups) {
    const pin = `${group.module}@${group.version}`;
    const missing: FabricTool[] = [];
    for (const tool of group.tools) {
      const at = await findPinned(tool, pin);
      if (at) found[tool] = at;
      else missing.push(tool);
    }
    if (missing.length === 0) continue;
    await goInstall(group.name, group.module, group.version, missing, group.cgo);
    for (const tool of missing) found[tool] = path.join(projectBin, tool);
  }
  return found as FabricBinaries;
}

/**
 * `go install pkg@version` cannot be used: it asks the proxy for the module's version list, which the
 * proxy here refuses. Installing from a throwaway module that requires the pinned version gives the
 * same binaries and the same dependency versions (Fabric's own go.mod is the only requirement).
 */
async function goInstall(name: string, module: string, version: string, tools: FabricTool[], cgo: string): Promise<void> {
  const go = goBinary();
  const workDir = path.join(installDir, 'src', name);
  mkdirSync(workDir, { recursive: true });
  const packages = tools.map((t) => `${module}/cmd/${t}`);
  writeFileSync(path.join(workDir, 'go.mod'), `module securepay.local/install/${name}\n\ngo 1.20\n\nrequire ${module} ${version}\n`);
  writeFileSync(
    path.join(workDir, 'tools.go'),
    `//go:build tools\n\npackage tools\n\nimport (\n${packages.map((p) => `\t_ "${p}"`).join('\n')}\n)\n`,
  );
  const env = { ...process.env, GOBIN: projectBin, CGO_ENABLED: cgo, GOFLAGS: '-mod=mod', GOTOOLCHAIN: 'local' };
  const started = Date.now();
  log.info({ tools, version }, `installing ${name} from the Go module proxy (first run only; takes a few minutes)`);
  let phase = 'downloading modules';
  let compiled = 0;
  const heartbeat = setInterval(() => {
    log.info({ phase, packagesCompiled: compiled, seconds: Math.round((Date.now() - started) / 1000) }, `still installing ${name}`);
  }, 15_000);
  try {
    await run(go, ['mod', 'tidy'], { cwd: workDir, env });
    phase = 'compiling';
    await run(go, ['install', '-v', ...packages], { cwd: workDir, env, onLine: () => (compiled += 1) });
  } finally {
    clearInterval(heartbeat);
  }
  log.info({ seconds: Math.round((Date.now() - started) / 1000) }, `${name} installed in ${projectBin}`);
}

/** The directory of the installed Fabric module, whose sampleconfig/ holds the default node configs. */
export async function fabricModuleDir(network: NetworkFile): Promise<string> {
  mkdirSync(installDir, { recursive: true });
  const { stdout } = await run(goBinary(), ['mod', 'download', '-json', `${network.fabric.module}@${network.fabric.version}`], {
    cwd: installDir,
    env: { ...process.env, GOFLAGS: '-mod=mod', GOTOOLCHAIN: 'local' },
  });
  const dir = (JSON.parse(stdout) as { Dir?: string }).Dir;
  if (!dir) throw new Error(`go mod download did not say where ${network.fabric.module} is`);
  return dir;
}
