import pino from 'pino';

/**
 * Structured logs. A person at a terminal gets them pretty-printed; CI and files get JSON lines.
 */
export const log = pino({
  level: process.env.LOG_LEVEL ?? 'info',
  base: undefined,
  transport: process.stdout.isTTY ? { target: 'pino-pretty', options: { ignore: 'pid,hostname' } } : undefined,
});
