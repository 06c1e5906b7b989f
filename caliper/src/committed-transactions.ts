import { connectGateway, orgAdmin, publicTransactions, readConnection, type Layout, type PublicTransaction } from '@securepay/network';

/**
 * The endorser transactions of blocks `from` to `to` (inclusive) as the platform's peer committed
 * them, read with one block event stream.
 */
export async function committedTransactions(layout: Layout, from: bigint, to: bigint): Promise<PublicTransaction[]> {
  const platform = layout.network.orgs.find((o) => o.kind === 'platform')!;
  const connection = readConnection(layout, platform.mspId);
  const gateway = connectGateway(connection, orgAdmin(connection));
  const events = await gateway.gateway.getNetwork(connection.channel).getBlockEvents({ startBlock: from });
  const transactions: PublicTransaction[] = [];
  try {
    for await (const block of events) {
      transactions.push(...publicTransactions(block));
      if (BigInt(block.getHeader()?.getNumber() ?? 0) >= to) break;
    }
  } finally {
    events.close();
    gateway.close();
  }
  return transactions;
}
