import { deadLetters } from '@securepay/client';
import IORedis from 'ioredis';
import { parseArgs } from 'node:util';
import { redisOptions } from '@securepay/ledger';
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
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { bank: { type: 'string' }, replay: { type: 'boolean' } } });
  if (!values.bank) throw new Error('usage: dead-letters --bank <MSP id> [--replay [job id]]');
  const { credentials, queuePrefix: prefix } = bankSetup(values.bank);
  const connection = new IORedis({ ...redisOptions(credentials.queues), maxRetriesPerRequest: null });
  try {
    const lines = await deadLetters(
      { connection, prefix, queueName: queueName(values.bank), deadLetterQueueName: deadLetterQueueName(values.bank) },
      { replay: values.replay ?? false, jobIds: positionals },
    );
    process.stdout.write(lines.map((l) => `${l}\n`).join(''));
  } finally {
    connection.disconnect();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
