import { deadLetterCommand } from '@securepay/client';
import { redisOptions } from '@securepay/ledger';
import { findParty, Layout, loadNetworkConfig, partyCredentials, runningProfile } from '@securepay/network';
import IORedis from 'ioredis';
import { agentDeadLetterQueueName, agentQueueName, agentQueuePrefix } from './agent';

/**
 * The central bank operator's view of the escrow agent's dead letters: decisions whose effect failed
 * every attempt (a bank's reserve too low for its penalty, say). Replaying one moves it back to the
 * queue once the cause is fixed. It logs in as the escrow agent (its credentials file,
 * SECUREPAY_CREDENTIALS to override) and uses ESCROW_AGENT_QUEUE_NAMESPACE as the agent does.
 *
 *   npm run escrow-agent:dead-letters                 # list
 *   npm run escrow-agent:dead-letters -- --replay     # replay all (or name job ids)
 */
async function main(): Promise<void> {
  const layout = new Layout(loadNetworkConfig({ profile: process.env.SECUREPAY_PROFILE ?? runningProfile() }));
  const { queues } = partyCredentials(layout, findParty(layout.network, { kind: 'escrowAgent' }));
  const prefix = agentQueuePrefix(queues, process.env.ESCROW_AGENT_QUEUE_NAMESPACE || undefined);
  const connection = new IORedis({ ...redisOptions(queues), maxRetriesPerRequest: null });
  await deadLetterCommand(
    { connection, prefix, queueName: agentQueueName, deadLetterQueueName: agentDeadLetterQueueName },
    process.argv.slice(2),
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
