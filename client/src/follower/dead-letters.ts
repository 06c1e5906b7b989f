import { Queue } from 'bullmq';
import type IORedis from 'ioredis';
import { parseArgs } from 'node:util';

export interface DeadLetterQueues {
  connection: IORedis;
  prefix: string;
  queueName: string;
  deadLetterQueueName: string;
}

/**
 * The operator's view of a follower's dead letters: jobs that failed every attempt. Listing shows
 * each with the reason of its last failure; replaying moves the original job back to its queue for
 * another round of attempts (its effects are idempotent) and removes the letter. Returns the lines to print.
 */
export async function deadLetters(queues: DeadLetterQueues, options: { replay: boolean; jobIds: string[] }): Promise<string[]> {
  const dead = new Queue(queues.deadLetterQueueName, { connection: queues.connection, prefix: queues.prefix });
  const work = new Queue(queues.queueName, { connection: queues.connection, prefix: queues.prefix });
  try {
    const letters = await dead.getJobs(['waiting', 'delayed']);
    const chosen = letters.filter((l) => options.jobIds.length === 0 || options.jobIds.includes(l.id!));
    if (!options.replay)
      return [
        ...chosen.map((l) => `${l.id}\t${JSON.stringify((l.data as { reason?: string }).reason)}`),
        `${chosen.length} dead letter(s)`,
      ];
    const lines: string[] = [];
    for (const letter of chosen) {
      const original = await work.getJob(letter.id!);
      if (original && (await original.isFailed())) await original.retry('failed');
      await letter.remove();
      lines.push(`replayed ${letter.id}`);
    }
    return lines;
  } finally {
    await Promise.all([dead.close(), work.close()]);
  }
}

/**
 * The dead-letter command's body, for a follower's own entry point: `[--replay] [job id …]` from
 * `argv`, the lines printed, the connection closed.
 */
export async function deadLetterCommand(queues: DeadLetterQueues, argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { replay: { type: 'boolean' } } });
  try {
    const lines = await deadLetters(queues, { replay: values.replay ?? false, jobIds: positionals });
    process.stdout.write(lines.map((l) => `${l}\n`).join(''));
  } finally {
    queues.connection.disconnect();
  }
}
