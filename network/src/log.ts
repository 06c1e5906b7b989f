import pino from 'pino';

/**
 * Structured logs on stderr, so a command's own output (a summary, a table) stays alone on stdout.
 * A person at a terminal gets them pretty-printed; CI and files get JSON lines.
 */
export const log = pino(
  {
    level: process.env.LOG_LEVEL ?? 'info',
    base: undefined,
    transport: process.stderr.isTTY ? { target: 'pino-pretty', options: { ignore: 'pid,hostname', destination: 2 } } : undefined,
  },
  process.stderr.isTTY ? undefined : pino.destination(2),
);
