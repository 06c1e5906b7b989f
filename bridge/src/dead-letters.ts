import { deadLetterCommand } from '@securepay/client';
import { redisOptions } from '@securepay/ledger';
import IORedis from 'ioredis';
import { bankSetup } from './bank-credentials';
import { deadLetterQueueName, queueName } from './bridge';

/**
 * The operator's view of a bank's dead letters: jobs that failed every attempt. Replaying one moves
 * its original job back to the queue for another round of attempts. It logs in as the bank and finds
 * the queues the bridge uses from the same settings (the bank's credentials, BRIDGE_QUEUE_NAMESPACE).
 *
 *   npm run bridge:dead-letters -- --bank BankAMSP            # list
 *   npm run bridge:dead-letters -- --bank BankAMSP --replay   # replay all
 *   npm run bridge:dead-letters -- --bank BankAMSP --replay <job id>
 */
async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const at = argv.indexOf('--bank');
  const bank = at >= 0 ? argv[at + 1] : undefined;
  if (!bank) throw new Error('usage: dead-letters --bank <MSP id> [--replay [job id]]');
  const { credentials, queuePrefix: prefix } = bankSetup(bank);
  // Everything but --bank goes to the command: --replay and job ids.
  const rest = argv.filter((_, i) => i !== at && i !== at + 1);
  const connection = new IORedis({ ...redisOptions(credentials.queues), maxRetriesPerRequest: null });
  await deadLetterCommand({ connection, prefix, queueName: queueName(bank), deadLetterQueueName: deadLetterQueueName(bank) }, rest);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
