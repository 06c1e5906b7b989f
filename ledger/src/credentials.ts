import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { z } from 'zod';
import { partyKinds } from './parties';
import { keepingConnectionsOnRefusals } from './pool-refusals';

const identifier = z.string().regex(/^[a-z_][a-z0-9_]*$/, 'a plain lower-case identifier');
const secret = z.string().min(16, 'a secret of 16+ characters');

/** One login to the ledger's PostgreSQL: where, which database, and as whom. */
export const databaseLoginSchema = z.object({
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535),
  database: identifier,
  user: identifier,
  password: secret,
});
export type DatabaseLogin = z.infer<typeof databaseLoginSchema>;

/** One login to the queues' Redis, and the key prefix that user may use. */
export const queueLoginSchema = z.object({
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535),
  user: z.string().regex(/^[A-Za-z0-9-]+$/),
  password: secret,
  prefix: z.string().regex(/^securepay:[A-Za-z0-9-]+$/),
});
export type QueueLogin = z.infer<typeof queueLoginSchema>;

/** What a party's services need, in a file in its own org's folder (0600). */
export const partyCredentialsSchema = z.object({
  party: z.string(),
  kind: z.enum(partyKinds),
  mspId: z.string(),
  database: databaseLoginSchema,
  queues: queueLoginSchema,
  /** The platform's only: the owner credential of the platform's fee wallet, which the central bank opens. */
  walletSecret: secret.optional(),
});
export type PartyCredentials = z.infer<typeof partyCredentialsSchema>;

/** The database owner's (migrations) or the bootstrap superuser's (provisioning): the central bank's folder only. */
export const adminCredentialsSchema = z.object({ database: databaseLoginSchema });
export type AdminCredentials = z.infer<typeof adminCredentialsSchema>;

/** A credentials file that is missing or does not say what it must: callers tell the operator which and why. */
export class CredentialsError extends Error {
  constructor(
    readonly code: 'NO_CREDENTIALS' | 'BAD_CREDENTIALS',
    readonly file: string,
    message: string,
  ) {
    super(`${code}: ${message}`);
    this.name = 'CredentialsError';
  }
}

export function readCredentialsFile<S extends z.ZodType>(file: string, schema: S): z.infer<S> {
  if (!existsSync(file)) {
    throw new CredentialsError('NO_CREDENTIALS', file, `${file} does not exist: run npm run network:up, which provisions it`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new CredentialsError('BAD_CREDENTIALS', file, `${file} is not JSON: ${(error as Error).message}`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new CredentialsError('BAD_CREDENTIALS', file, `${file}:\n${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/** Written whole or not at all, readable by its owner only. */
export function writeCredentialsFile(file: string, content: unknown): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const partial = `${file}.${process.pid}.tmp`;
  writeFileSync(partial, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600 });
  renameSync(partial, file);
}

/**
 * A pool that logs in as `login`, to `database` when given (a test's throw-away database, say); a
 * query the ledger refuses leaves its connection in the pool (`keepingConnectionsOnRefusals`).
 */
export function loginPool(login: DatabaseLogin, options: { max?: number; database?: string } = {}): pg.Pool {
  const { host, port, user, password } = login;
  return keepingConnectionsOnRefusals(
    new pg.Pool({ host, port, user, password, database: options.database ?? login.database, max: options.max ?? 10 }),
  );
}

/** ioredis options for a party's queue login (BullMQ connections add `maxRetriesPerRequest: null`). */
export function redisOptions(login: QueueLogin): { host: string; port: number; username: string; password: string } {
  return { host: login.host, port: login.port, username: login.user, password: login.password };
}

/** A single connection as `login`; the caller ends it. */
export function loginClient(login: DatabaseLogin, database = login.database): pg.Client {
  const { host, port, user, password } = login;
  return new pg.Client({ host, port, user, password, database });
}

/** Whether `login` can log in right now: what a cluster being ready means. */
export async function canLogIn(login: DatabaseLogin, database = 'postgres'): Promise<boolean> {
  const client = loginClient(login, database);
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}
