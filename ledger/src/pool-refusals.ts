import pg from 'pg';

/**
 * SQLSTATE classes after which a connection is not trusted with another query: connection
 * exceptions, insufficient resources, operator intervention (shutdown, cancelled), system and
 * internal errors.
 */
const brokenClasses = new Set(['08', '53', '57', '58', 'XX']);

/**
 * Whether the connection that raised `error` can serve the next query: the server answered with a
 * statement-level error (a refusal raised by the ledger's functions, a constraint, a bad argument).
 * A single statement outside a transaction leaves nothing open behind it.
 */
export const connectionSurvives = (error: unknown): boolean =>
  error instanceof pg.DatabaseError && typeof error.code === 'string' && !brokenClasses.has(error.code.slice(0, 2));

type Query = (...args: unknown[]) => Promise<unknown>;

/**
 * The pool, its promise-returning `query` giving the connection back after a statement-level error.
 * pg-pool's own `query` destroys the connection on any error, so every refusal the ledger raises by
 * design — a merchant's bank asking for the receipt of an order the escrow agent has not settled yet
 * (`NOT_SEEN`), ~1.2 times per order under the orders bench — cost a new connection: a server process
 * forked and a SCRAM-SHA-256 login on both sides.
 */
export function keepingConnectionsOnRefusals(pool: pg.Pool): pg.Pool {
  const query: Query = async (...args) => {
    const client = await pool.connect();
    // A connection lost mid-query fails the query with the loss; the client also emits it as an
    // 'error' event, which must be heard while the client is checked out (pg-pool's query listens too).
    const lost = (): void => undefined;
    client.on('error', lost);
    let broken: Error | boolean = false;
    try {
      return await (client.query as unknown as Query).apply(client, args);
    } catch (error) {
      if (!connectionSurvives(error)) broken = error instanceof Error ? error : true;
      throw error;
    } finally {
      client.release(broken);
      client.removeListener('error', lost);
    }
  };
  Object.assign(pool, { query });
  return pool;
}
