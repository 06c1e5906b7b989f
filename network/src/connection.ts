import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { caTlsCert, caName, caUrl } from './ca';
import { customerRegistrar } from './customer-registrar';
import { endpoint } from './config';
import type { Layout } from './layout';

/**
 * How anyone reaches one org: its peer and its CA, with the TLS roots to check them — no secret. Each
 * org publishes its own (`<runtime>/public/<MSP>/`, world-readable); another org's services (the
 * platform's API reaching a bank's peer and CA) read only this.
 */
export const orgEndpointsSchema = z.object({
  mspId: z.string(),
  channel: z.string(),
  chaincode: z.string(),
  peer: z.object({ endpoint: z.string(), hostAlias: z.string(), tlsRootCertPath: z.string() }),
  ca: z.object({ url: z.string(), caName: z.string(), tlsCertPath: z.string() }),
});
export type OrgEndpoints = z.infer<typeof orgEndpointsSchema>;

/**
 * Everything one org's own services need, and nothing of any other org: its endpoints, its admin's
 * key, and its CA's customer registrar (which can register `client` identities with customer
 * attributes only; the CA's bootstrap registrar never leaves the CA's own folder). Written by
 * `network:up` into the org's own folder (0600, the org's account). Paths point into that folder.
 */
export const orgConnectionSchema = orgEndpointsSchema.extend({
  admin: z.object({ certPath: z.string(), keyPath: z.string() }),
  ca: orgEndpointsSchema.shape.ca.extend({ registrarId: z.string(), registrarSecret: z.string() }),
});
export type OrgConnection = z.infer<typeof orgConnectionSchema>;

function onlyFile(dir: string): string {
  const files = readdirSync(dir);
  if (files.length !== 1) throw new Error(`expected one file in ${dir}, found ${files.length}`);
  return path.join(dir, files[0]!);
}

export function writeConnections(layout: Layout): void {
  for (const org of layout.network.orgs) {
    const adminMsp = layout.orgAdminMsp(org);
    const reg = customerRegistrar(layout, org);
    const connection: OrgConnection = {
      mspId: org.mspId,
      channel: layout.network.channel,
      chaincode: layout.network.chaincode.name,
      peer: { endpoint: endpoint(org.peer), hostAlias: layout.peerName(org), tlsRootCertPath: layout.orgTlsCa(org) },
      admin: { certPath: onlyFile(path.join(adminMsp, 'signcerts')), keyPath: onlyFile(path.join(adminMsp, 'keystore')) },
      ca: {
        url: caUrl(org),
        caName: caName(org),
        tlsCertPath: caTlsCert(layout, org),
        registrarId: reg.enrollmentId,
        registrarSecret: reg.secret,
      },
    };
    writeFileSync(layout.gatewayFile(org.mspId), JSON.stringify(connection, null, 2), { mode: 0o600 });
    publishEndpoints(layout, connection);
  }
}

/** The public part of an org's connection, with copies of its TLS roots, where every org may read it. */
function publishEndpoints(layout: Layout, connection: OrgConnection): void {
  const dir = layout.publicDir(connection.mspId);
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const peerRoot = path.join(dir, 'peer-tls-root.pem');
  const caRoot = path.join(dir, 'ca-tls-root.pem');
  copyFileSync(connection.peer.tlsRootCertPath, peerRoot);
  copyFileSync(connection.ca.tlsCertPath, caRoot);
  for (const file of [peerRoot, caRoot]) chmodSync(file, 0o644);
  const endpoints: OrgEndpoints = {
    mspId: connection.mspId,
    channel: connection.channel,
    chaincode: connection.chaincode,
    peer: { ...connection.peer, tlsRootCertPath: peerRoot },
    ca: { url: connection.ca.url, caName: connection.ca.caName, tlsCertPath: caRoot },
  };
  writeFileSync(path.join(dir, 'endpoints.json'), JSON.stringify(endpoints, null, 2), { mode: 0o644 });
}

/** Another org's public endpoints (or one's own, without its secrets). */
export function readEndpoints(layout: Layout, mspId: string): OrgEndpoints {
  const file = path.join(layout.publicDir(mspId), 'endpoints.json');
  if (!existsSync(file)) throw new Error(`no published endpoints for ${mspId} at ${file}: is the network up? (npm run network:up)`);
  return orgEndpointsSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
}

export function readConnection(layout: Layout, mspId: string): OrgConnection {
  const file = layout.gatewayFile(mspId);
  if (!existsSync(file)) throw new Error(`no connection details for ${mspId} at ${file}: is the network up? (npm run network:up)`);
  return orgConnectionSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
}
