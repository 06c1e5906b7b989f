import {
  committedBlocks,
  connectGateway,
  orgAdmin,
  publicTransactions,
  readConnection,
  type Layout,
  type PublicTransaction,
} from '@securepay/network';

/** The endorser transactions of blocks `from` to `to` (inclusive) as the platform's peer committed them. */
export async function committedTransactions(layout: Layout, from: bigint, to: bigint): Promise<PublicTransaction[]> {
  const platform = layout.network.orgs.find((o) => o.kind === 'platform')!;
  const connection = readConnection(layout, platform.mspId);
  const gateway = connectGateway(connection, orgAdmin(connection));
  const transactions: PublicTransaction[] = [];
  try {
    for await (const block of committedBlocks(gateway.gateway.getNetwork(connection.channel), from, to + 1n)) {
      transactions.push(...publicTransactions(block));
    }
  } finally {
    gateway.close();
  }
  return transactions;
}
