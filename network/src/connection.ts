import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { caTlsCert, caName, caUrl, registrar } from './ca';
import { endpoint } from './config';
import type { Layout } from './layout';

/**
 * Everything a client of one org needs to reach the network, and nothing of any other org: written
 * by `network:up` into the org's own folder, read by that org's services, the tests and Caliper.
 * Paths are absolute and point into the same org folder.
 */
export const orgConnectionSchema = z.object({
  mspId: z.string(),
  channel: z.string(),
  chaincode: z.string(),
  peer: z.object({ endpoint: z.string(), hostAlias: z.string(), tlsRootCertPath: z.string() }),
  admin: z.object({ certPath: z.string(), keyPath: z.string() }),
  ca: z.object({ url: z.string(), caName: z.string(), tlsCertPath: z.string(), registrarId: z.string(), registrarSecret: z.string() }),
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
    const reg = registrar(layout, org);
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
  }
}

export function readConnection(layout: Layout, mspId: string): OrgConnection {
  const file = layout.gatewayFile(mspId);
  if (!existsSync(file)) throw new Error(`no connection details for ${mspId} at ${file}: is the network up? (npm run network:up)`);
  return orgConnectionSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
}
