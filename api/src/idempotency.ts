import { createHash } from 'node:crypto';
import type { RequestHandler, Response } from 'express';
import type pg from 'pg';
import { canonicalJson } from '@securepay/chaincode/src/canonical-json';
import { ApiError } from './api-error';
import type { Caller } from './user-registry';

/** A request left unfinished this long (the API died mid-way) may be taken over by its repeat. */
const abandonedAfterMs = 120_000;
const keyPattern = /^[A-Za-z0-9_.:-]{8,128}$/;

/**
 * `Idempotency-Key` on every state-changing request. The first response (success or refusal) is kept
 * per caller and key; a repeat gets it back unchanged (`Idempotent-Replayed: true`), a repeat with
 * another body or path is a 409, and one that arrives while the first is running is a 409 too.
 * Server errors (a 503 included) are not kept: the key is marked failed, and its next repeat runs
 * again at once, told when the key was first tried (`res.locals.retriedSince`), so that a step the
 * failed attempt did commit is answered as done (`step-recovery.ts`). `keptAnswer` says what of a
 * successful answer may be kept (a secret shown once is not); the repeat gets that.
 */
export function idempotency(pool: pg.Pool, keptAnswer?: (body: unknown) => unknown): RequestHandler {
  return async (req, res, next) => {
    const key = req.get('Idempotency-Key');
    if (!key) throw new ApiError(400, 'IDEMPOTENCY_KEY_REQUIRED', 'an Idempotency-Key header is required on every state-changing request');
    if (!keyPattern.test(key)) throw new ApiError(400, 'BAD_IDEMPOTENCY_KEY', 'Idempotency-Key: 8-128 letters, digits or _.:-');
    const scope = (res.locals.caller as Caller).scope;
    const requestHash = createHash('sha256')
      .update(`${req.method} ${req.originalUrl}\n${canonicalJson(req.body ?? {})}`)
      .digest('hex');

    const claimed = await pool.query(
      `insert into platform.idempotency (scope, key, request_hash) values ($1, $2, $3) on conflict do nothing`,
      [scope, key, requestHash],
    );
    if (claimed.rowCount === 0) {
      const { rows } = await pool.query<{ request_hash: string; status: number | null; body: unknown }>(
        `select request_hash, status, body from platform.idempotency where scope = $1 and key = $2`,
        [scope, key],
      );
      const prior = rows[0]!;
      if (prior.request_hash !== requestHash) {
        throw new ApiError(409, 'IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was used for a different request');
      }
      if (prior.status !== null) {
        res.status(prior.status).set('Idempotent-Replayed', 'true').json(prior.body);
        return;
      }
      // A failed attempt is taken over at once, an abandoned one (the API died mid-way) after a while;
      // one still running is not. The update decides, so two repeats cannot both take over.
      const takenOver = await pool.query<{ first_seen_at: Date }>(
        `update platform.idempotency set created_at = now(), failed_at = null
          where scope = $1 and key = $2 and status is null
            and (failed_at is not null or created_at < now() - make_interval(secs => $3))
          returning first_seen_at`,
        [scope, key, abandonedAfterMs / 1000],
      );
      if (takenOver.rowCount === 0)
        throw new ApiError(409, 'REQUEST_IN_PROGRESS', 'a request with this Idempotency-Key is still being processed');
      res.locals.retriedSince = takenOver.rows[0]!.first_seen_at;
    }
    res.locals.idempotencyKey = key;
    keepResponse(pool, res, scope, key, keptAnswer);
    next();
  };
}

/** Stores the response before it is sent, so that a repeat arriving right after it finds it. */
function keepResponse(pool: pg.Pool, res: Response, scope: string, key: string, keptAnswer?: (body: unknown) => unknown): void {
  const send = res.json.bind(res);
  res.json = (body: unknown) => {
    // 202: a step waiting for a self-custody user's signature. It is not over: the key stays in
    // progress (a repeat gets REQUEST_IN_PROGRESS) and the result comes from the signing request.
    if (res.statusCode === 202) return send(body);
    const stored =
      res.statusCode >= 500
        ? pool.query('update platform.idempotency set failed_at = now() where scope = $1 and key = $2', [scope, key])
        : pool.query('update platform.idempotency set status = $3, body = $4 where scope = $1 and key = $2', [
            scope,
            key,
            res.statusCode,
            JSON.stringify(keptAnswer && res.statusCode < 300 ? keptAnswer(body) : body),
          ]);
    // Not kept, because the database did not answer: the answer is lost, so the caller hears that, and
    // its repeat is taken over once the attempt counts as abandoned.
    void stored.then(
      () => send(body),
      () =>
        res
          .status(503)
          .set('Retry-After', String(Math.ceil(abandonedAfterMs / 1000)))
          .type('application/json')
          .send(
            JSON.stringify({
              error: { code: 'LEDGER_UNAVAILABLE', message: "the ledger's database did not keep the answer; retry later" },
            }),
          ),
    );
    return res;
  };
}
