import type { Redis } from 'ioredis';
import type pg from 'pg';
import type { FabricSessions } from './fabric-sessions';

type Check = { ok: true; ms: number; detail?: string } | { ok: false; ms: number; error: string };

async function timed(run: () => Promise<string | undefined>, timeoutMs = 3_000): Promise<Check> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const detail = await Promise.race([
      run(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { ok: true, ms: Date.now() - started, ...(detail ? { detail } : {}) };
  } catch (error) {
    return { ok: false, ms: Date.now() - started, error: (error as Error).message.split('\n')[0]! };
  } finally {
    // An answered check leaves no timer behind to hold the process open.
    clearTimeout(timer);
  }
}

/** What `/health` asks: can we read the channel, the ledger and the bridges' queue right now? */
export async function health(deps: { sessions: FabricSessions; pool: pg.Pool; redis: Redis }) {
  const [fabric, postgres, redis] = await Promise.all([
    timed(async () => `block height ${await deps.sessions.height()}`),
    timed(async () => {
      await deps.pool.query('select 1');
      return undefined;
    }),
    timed(async () => {
      await deps.redis.ping();
      return undefined;
    }),
  ]);
  const ok = fabric.ok && postgres.ok && redis.ok;
  return { status: ok ? 'ok' : 'degraded', checks: { fabric, postgres, redis } };
}
