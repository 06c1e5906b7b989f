import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { endpoint, type PeerOrg } from './config';
import type { Layout } from './layout';
import type { ProcessTable } from './processes';
import { orgUser } from './org-users';
import { waitReady } from './readiness';

export interface Registrar {
  enrollmentId: string;
  secret: string;
}

export const caName = (org: PeerOrg): string => `ca-${org.name.toLowerCase()}`;
export const caUrl = (org: PeerOrg): string => `https://${endpoint(org.ca)}`;

/** The CA's bootstrap registrar: a random secret made on first start, kept in the runtime folder. */
export function registrar(layout: Layout, org: PeerOrg): Registrar {
  const file = path.join(layout.caHome(org), 'registrar.json');
  if (!existsSync(file)) {
    mkdirSync(layout.caHome(org), { recursive: true });
    const fresh: Registrar = { enrollmentId: 'registrar', secret: randomBytes(18).toString('base64url') };
    writeFileSync(file, JSON.stringify(fresh), { mode: 0o600 });
  }
  return JSON.parse(readFileSync(file, 'utf8')) as Registrar;
}

/**
 * What a client trusts to reach the CA over TLS: fabric-ca-server issues its own TLS certificate from
 * the org CA key, so the org CA certificate is the root.
 */
export const caTlsCert = (layout: Layout, org: PeerOrg): string => layout.orgCaCert(org);

/**
 * One fabric-ca-server per org, signing with the same CA key as cryptogen's node identities, so the
 * buyers, merchants and couriers it enrolls are members of the org's MSP with `role` and `wallet`
 * attributes in their certificates.
 */
export async function startCa(layout: Layout, org: PeerOrg, binary: string, processes: ProcessTable): Promise<void> {
  const name = caName(org);
  if (processes.isRunning(name)) return;
  const { enrollmentId, secret } = registrar(layout, org);
  const keyFile = readdirSync(layout.orgCaDir(org)).find((f) => f.endsWith('_sk'));
  if (!keyFile) throw new Error(`no CA key in ${layout.orgCaDir(org)}`);
  const record = processes.start({
    name,
    command: binary,
    args: [
      'start',
      '--home',
      layout.caHome(org),
      '--port',
      String(org.ca.port),
      '--address',
      org.ca.host,
      '--ca.name',
      name,
      '--ca.certfile',
      layout.orgCaCert(org),
      '--ca.keyfile',
      path.join(layout.orgCaDir(org), keyFile),
      '--tls.enabled',
      '--csr.hosts',
      `localhost,127.0.0.1,${org.ca.host}`,
      '--operations.listenaddress',
      endpoint({ host: org.ca.host, port: org.ca.operationsPort }),
    ],
    // The bootstrap registrar goes by environment, never on the command line: /proc/<pid>/cmdline
    // is readable by every local user, /proc/<pid>/environ only by the CA's own.
    env: { PATH: process.env.PATH, HOME: layout.orgHome(org), FABRIC_CA_SERVER_BOOT: `${enrollmentId}:${secret}` },
    log: layout.logFile(name),
    user: orgUser(org),
  });
  await waitReady(record, () => caAnswers(layout, org));
}

function caAnswers(layout: Layout, org: PeerOrg): Promise<boolean> {
  const tls = caTlsCert(layout, org);
  return new Promise((resolve) => {
    const req = https.get(`${caUrl(org)}/cainfo`, { ca: readFileSync(tls), timeout: 2_000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
  });
}
