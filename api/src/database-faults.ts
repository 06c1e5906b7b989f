import pg from 'pg';
import { ServiceUnavailable } from './service-unavailable';

/**
 * What a query's failure means when the server never answered it. pg reports a lost or refused
 * connection without a SQLSTATE — a socket error, or a plain `Error` ("Connection terminated
 * unexpectedly") — so the type is what tells: anything but the server's own `DatabaseError` (which
 * carries a SQLSTATE, judged by `classifyFault`) and a programming error (`TypeError`, `RangeError`)
 * is the ledger's database not answering.
 */
export function databaseFault(error: unknown): unknown {
  if (
    error instanceof pg.DatabaseError ||
    error instanceof TypeError ||
    error instanceof RangeError ||
    error instanceof ServiceUnavailable
  ) {
    return error;
  }
  return new ServiceUnavailable('LEDGER_UNAVAILABLE', 'ledger', "the ledger's database did not answer", { cause: error });
}

type Query = (...args: unknown[]) => unknown;

/**
 * The pool, with its promise-returning `query` and `connect` answering a lost database as
 * `ServiceUnavailable` (`databaseFault`). The API's own reads and writes and the ledger's functions
 * all go through these two; callback forms (pg-pool's own use of them) return no promise and are left as they are.
 */
export function answeringFaults(pool: pg.Pool): pg.Pool {
  const query = pool.query.bind(pool) as unknown as Query;
  const connect = pool.connect.bind(pool) as unknown as Query;
  const guarded = (original: Query): Query =>
    function (...args: unknown[]) {
      const result = original(...args);
      if (!(result instanceof Promise)) return result;
      return result.catch((error: unknown) => {
        throw databaseFault(error);
      });
    };
  Object.assign(pool, { query: guarded(query), connect: guarded(connect) });
  return pool;
}
