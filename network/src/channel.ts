import path from 'node:path';
import { endpoint, type OrdererNode, type PeerOrg } from './config';
import type { Layout } from './layout';
import { peerAdminEnv } from './peer';
import { run } from './run';

function osnadminTls(layout: Layout): string[] {
  const admin = layout.ordererAdminTlsDir();
  return [
    '--ca-file',
    layout.ordererTlsCa(),
    '--client-cert',
    path.join(admin, 'client.crt'),
    '--client-key',
    path.join(admin, 'client.key'),
  ];
}

/** Joins an orderer to the channel through its admin endpoint, unless it is already a member. */
export async function joinOrderer(layout: Layout, node: OrdererNode, osnadmin: string): Promise<void> {
  const admin = ['-o', endpoint({ host: node.host, port: node.adminPort }), ...osnadminTls(layout)];
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
