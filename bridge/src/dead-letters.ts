import { Queue } from 'bullmq';
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
  const dead = new Queue(deadLetterQueueName(values.bank), { connection, prefix });
  const work = new Queue(queueName(values.bank), { connection, prefix });
  try {
    const letters = await dead.getJobs(['waiting', 'delayed']);
    const chosen = letters.filter((l) => positionals.length === 0 || positionals.includes(l.id!));
    if (!values.replay) {
      for (const l of chosen) process.stdout.write(`${l.id}\t${JSON.stringify(l.data.reason)}\n`);
      process.stdout.write(`${chosen.length} dead letter(s)\n`);
      return;
    }
    for (const letter of chosen) {
      const original = await work.getJob(letter.id!);
      if (original && (await original.isFailed())) await original.retry('failed');
      await letter.remove();
      process.stdout.write(`replayed ${letter.id}\n`);
    }
  } finally {
    await Promise.all([dead.close(), work.close()]);
    connection.disconnect();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
