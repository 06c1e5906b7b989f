import { readFileSync } from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { endpoint, type OrdererNode, type PeerOrg } from './config';
import type { Layout } from './layout';
import { peerAdminEnv } from './peer';
import { run } from './run';

/** The owning org's admin, over mutual TLS: the only client an orderer's admin endpoint accepts. */
function osnadminTls(layout: Layout, node: OrdererNode): string[] {
  const admin = layout.ordererAdminTlsDir(node);
  return [
    '--ca-file',
    layout.ordererTlsCa(node),
    '--client-cert',
    path.join(admin, 'client.crt'),
    '--client-key',
    path.join(admin, 'client.key'),
  ];
}

/** Joins an orderer to the channel through its admin endpoint, unless it is already a member. */
export async function joinOrderer(layout: Layout, node: OrdererNode, osnadmin: string): Promise<void> {
  const admin = ['-o', endpoint({ host: node.host, port: node.adminPort }), ...osnadminTls(layout, node)];
  const { stdout } = await run(osnadmin, ['channel', 'list', ...admin]);
  if (stdout.includes(`"name": "${layout.network.channel}"`)) return;
  await run(osnadmin, ['channel', 'join', '--channelID', layout.network.channel, '--config-block', layout.genesisBlock, ...admin]);
}

export async function joinPeer(layout: Layout, org: PeerOrg, peer: string, fabricConfigDir: string): Promise<void> {
  const env = peerAdminEnv(layout, org, fabricConfigDir);
  const { stdout } = await run(peer, ['channel', 'list'], { env });
  if (stdout.split('\n').some((line) => line.trim() === layout.network.channel)) return;
  await run(peer, ['channel', 'join', '-b', layout.genesisBlock], { env });
}

export interface OrdererChannelInfo {
  name: string;
  status: string;
  consensusRelation: string;
  height: number;
}

/** What an orderer's channel participation API says of its membership in the channel. */
export function ordererChannelInfo(layout: Layout, node: OrdererNode): Promise<OrdererChannelInfo> {
  const admin = layout.ordererAdminTlsDir(node);
  return new Promise((resolve, reject) => {
    const req = https.get(
      `https://${endpoint({ host: node.host, port: node.adminPort })}/participation/v1/channels/${layout.network.channel}`,
      {
        ca: readFileSync(layout.ordererTlsCa(node)),
        cert: readFileSync(path.join(admin, 'client.crt')),
        key: readFileSync(path.join(admin, 'client.key')),
        timeout: 5_000,
      },
      (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => {
          if (res.statusCode === 200) resolve(JSON.parse(body) as OrdererChannelInfo);
          else reject(new Error(`${node.name} answered ${res.statusCode}: ${body}`));
        });
      },
    );
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error(`${node.name} did not answer in time`)));
  });
}
