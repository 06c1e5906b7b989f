import type { NetworkFile } from './config';

/** What `go version -m` says a Go binary was built from. */
export interface BuildInfo {
  /** The main package, e.g. github.com/hyperledger/fabric/cmd/peer. */
  packagePath?: string;
  /** The module that holds it, at `(devel)` when built inside its own source tree. */
  module?: { path: string; version: string };
  /** `build` lines: -ldflags, CGO_ENABLED, -trimpath, vcs.revision, … */
  settings: Map<string, string>;
}

/** Reads the output of `go version -m <binary>`: tab-separated lines after the `<file>: go1.x` header. */
export function parseBuildInfo(output: string): BuildInfo {
  const info: BuildInfo = { settings: new Map() };
  for (const line of output.split('\n')) {
    const [kind, ...fields] = line.trim().split('\t');
    if (kind === 'path') info.packagePath = fields[0];
    else if (kind === 'mod' && fields.length >= 2) info.module = { path: fields[0]!, version: fields[1]! };
    else if (kind === 'build' && fields[0]) info.settings.set(...splitSetting(fields.join('\t')));
  }
  return info;
}

/** Go writes `key=value`, quoting the value (strconv.Quote) when it holds spaces, as -ldflags does. */
function splitSetting(setting: string): [string, string] {
  const eq = setting.indexOf('=');
  if (eq < 0) return [setting, ''];
  const raw = setting.slice(eq + 1);
  return [setting.slice(0, eq), raw.startsWith('"') ? unquote(raw) : raw];
}

/** strconv.Quote output is JSON for everything a flag string holds in practice; anything else is kept as written. */
function unquote(quoted: string): string {
  try {
    return JSON.parse(quoted) as string;
  } catch {
    return quoted;
  }
}

type FabricPin = Pick<NetworkFile['fabric'], 'module' | 'version' | 'commit'>;

/**
 * Fabric's Makefile stamps these two; `peer version` prints them, and without them it says "latest".
 * `commitSha`: what the build calls its commit, the pinned one's short hash unless a patched build says more.
 */
export function fabricStamp(pin: FabricPin, commitSha = shortCommit(pin)): string {
  return [`-X ${pin.module}/common/metadata.Version=${pin.version}`, `-X ${pin.module}/common/metadata.CommitSHA=${commitSha}`].join(' ');
}

/** The commit a binary's build info says it was stamped with (`CommitSHA` in its -ldflags), if any. */
export function stampedCommit(info: BuildInfo, pin: Pick<FabricPin, 'module'>): string | undefined {
  const prefix = `${pin.module}/common/metadata.CommitSHA=`;
  return linkerStrings(info.settings.get('-ldflags') ?? '')
    .find((setting) => setting.startsWith(prefix))
    ?.slice(prefix.length);
}

export const shortCommit = (pin: Pick<FabricPin, 'commit'>): string => pin.commit.slice(0, 8);

/** A pseudo-version names its commit by the hash's first 12 characters. */
const pseudoVersionSuffix = (pin: Pick<FabricPin, 'commit'>): string => `-${pin.commit.slice(0, 12)}`;

/**
 * Why a binary is not the pinned Fabric build, or undefined when it is. The rule: it is the tool's
 * main package; its module is Fabric either built from source (`(devel)`) or fetched by the pinned
 * commit (a pseudo-version ending in the commit's 12-character prefix); and its recorded -ldflags
 * carry both stamps. Go leaves -ldflags out of the build info of a -trimpath build
 * (go.dev/issue/52372), so such a binary cannot show its stamp and is not reused.
 */
export function fabricBuildMismatch(info: BuildInfo, tool: string, pin: FabricPin): string | undefined {
  const wantedPackage = `${pin.module}/cmd/${tool}`;
  if (info.packagePath !== wantedPackage) return `it is ${info.packagePath ?? 'not a Go program'}, not ${wantedPackage}`;
  const mod = info.module;
  if (!mod || mod.path !== pin.module) return `it was built from module ${mod?.path ?? '(none)'}, not ${pin.module}`;
  if (mod.version !== '(devel)' && !mod.version.endsWith(pseudoVersionSuffix(pin))) {
    return `it was built from ${mod.path}@${mod.version}, not commit ${shortCommit(pin)}`;
  }
  const ldflags = info.settings.get('-ldflags');
  if (ldflags === undefined) {
    return info.settings.get('-trimpath') === 'true'
      ? 'it was built with -trimpath, so its build info does not record the version stamp'
      : 'it carries no version stamp (-ldflags)';
  }
  const stamped = linkerStrings(ldflags);
  const missing = fabricStamp(pin)
    .split(' ')
    .filter((part) => part !== '-X')
    .filter((setting) => !stamped.includes(setting));
  if (missing.length > 0) return `its stamp lacks ${missing.join(' and ')}`;
  return undefined;
}

/** The `name=value` settings of every `-X` in a linker flag string (`-X a=b` and `-X=a=b` alike). */
function linkerStrings(ldflags: string): string[] {
  const words = ldflags.split(/\s+/).filter(Boolean);
  const settings: string[] = [];
  words.forEach((word, i) => {
    if (word === '-X' || word === '--X') settings.push(words[i + 1] ?? '');
    else if (word.startsWith('-X=')) settings.push(word.slice(3));
  });
  return settings;
}

/** Fabric CA is fetched from the proxy by its release tag, which the `mod` line names exactly. */
export function moduleBuildMismatch(info: BuildInfo, module: string, version: string): string | undefined {
  const mod = info.module;
  if (mod?.path === module && mod.version === version) return undefined;
  return `it was built from ${mod ? `${mod.path}@${mod.version}` : 'no module'}, not ${module}@${version}`;
}
