import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fabricStamp, shortCommit } from './build-info';
import type { NetworkFile } from './config';
import { goBinary, goFailure, withProgress } from './go-tool';
import { CommandError, run } from './run';

type FabricRelease = NetworkFile['fabric'];

/** Where the proxy route works: `bin` receives the binaries, `workDir` holds throwaway modules. */
export interface ProxyInstall {
  bin: string;
  workDir: string;
  env: NodeJS.ProcessEnv;
}

/**
 * `go install <tool>@<commit>` for Fabric's tools, stamped like a release build; tried once. Resolves
 * to why it failed (usually the proxy's refusal of the commit), or undefined when installed. No
 * -trimpath: it would drop -ldflags from the build info, hiding the stamp the reuse check reads.
 */
export async function installFabricByCommit(
  fabric: FabricRelease,
  tools: readonly string[],
  at: ProxyInstall,
): Promise<string | undefined> {
  const packages = tools.map((t) => `${fabric.module}/cmd/${t}@${fabric.commit}`);
  mkdirSync(at.workDir, { recursive: true });
  const env = { ...at.env, GOBIN: at.bin, CGO_ENABLED: '0', GOTOOLCHAIN: 'local', GOFLAGS: '-buildvcs=false' };
  try {
    await withProgress(`installing Fabric ${fabric.version} (${shortCommit(fabric)}) by commit from the Go module proxy`, (onLine) =>
      run(goBinary(at.env), ['install', '-v', '-ldflags', fabricStamp(fabric), ...packages], { cwd: at.workDir, env, onLine }),
    );
    return undefined;
  } catch (error) {
    if (error instanceof CommandError) return goFailure(error.stderr || error.stdout);
    throw error;
  }
}

/** The Fabric module at the pinned commit in the module cache, or why the proxy would not give it. */
export async function downloadFabricByCommit(
  fabric: FabricRelease,
  at: Omit<ProxyInstall, 'bin'>,
): Promise<{ dir: string } | { refusal: string }> {
  mkdirSync(at.workDir, { recursive: true });
  const env = { ...at.env, GOFLAGS: '-mod=mod', GOTOOLCHAIN: 'local' };
  try {
    const { stdout } = await run(goBinary(at.env), ['mod', 'download', '-json', `${fabric.module}@${fabric.commit}`], {
      cwd: at.workDir,
      env,
    });
    const dir = (JSON.parse(stdout) as { Dir?: string }).Dir;
    if (!dir) throw new Error(`go mod download did not say where ${fabric.module} is`);
    return { dir };
  } catch (error) {
    if (!(error instanceof CommandError)) throw error;
    // -json reports the failure in the JSON's Error field, not on stderr.
    const reported = /"Error":\s*("(?:[^"\\]|\\.)*")/.exec(error.stdout)?.[1];
    return { refusal: goFailure(reported ? (JSON.parse(reported) as string) : error.stderr) };
  }
}

/**
 * `go install pkg@version` cannot be used for Fabric CA: it asks the proxy for the module's version
 * list, which the proxy here refuses. Installing from a throwaway module that requires the pinned
 * version gives the same binaries and the same dependency versions (Fabric CA's own go.mod is the
 * only requirement). Fabric CA needs cgo.
 */
export async function installCaFromProxy(ca: FabricRelease['ca'], tools: readonly string[], at: ProxyInstall): Promise<void> {
  const go = goBinary(at.env);
  const workDir = path.join(at.workDir, 'fabric-ca');
  mkdirSync(workDir, { recursive: true });
  const packages = tools.map((t) => `${ca.module}/cmd/${t}`);
  writeFileSync(
    path.join(workDir, 'go.mod'),
    `module securepay.local/install/fabric-ca\n\ngo 1.20\n\nrequire ${ca.module} ${ca.version}\n`,
  );
  writeFileSync(
    path.join(workDir, 'tools.go'),
    `//go:build tools\n\npackage tools\n\nimport (\n${packages.map((p) => `\t_ "${p}"`).join('\n')}\n)\n`,
  );
  const env = { ...at.env, GOBIN: at.bin, CGO_ENABLED: '1', GOFLAGS: '-mod=mod', GOTOOLCHAIN: 'local' };
  await withProgress(`installing Fabric CA ${ca.version} from the Go module proxy`, async (onLine) => {
    await run(go, ['mod', 'tidy'], { cwd: workDir, env, onLine });
    await run(go, ['install', '-v', ...packages], { cwd: workDir, env, onLine });
  });
}
