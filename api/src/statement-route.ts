import type { z } from 'zod';
import { ApiError } from './api-error';
import type { Route, RouteDeps } from './routes';
import { statementCsv } from './statement-csv';
import * as s from './schemas';

/** `GET /merchants/me/statement`: the calling merchant's settled, compensated and refunded orders in a period. */
export function statementRoute(deps: Pick<RouteDeps, 'statements'>): Route {
  return {
    method: 'get',
    path: '/merchants/me/statement',
    summary:
      "The calling merchant's statement: each order settled, compensated or refunded in the period (UTC days, both included) with price, gross, commission, penalty and net in minor units, the settlement proof's transaction and block, and totals that are the ledger's movements. JSON, or CSV with Accept: text/csv or format=csv.",
    tag: 'merchants',
    access: 'authenticated',
    query: s.statementQuery,
    produces: ['application/json', 'text/csv'],
    handle: async (input) => {
      const caller = input.caller!;
      if (caller.kind !== 'user' || caller.user.role !== 'merchant') {
        throw new ApiError(403, 'WRONG_PARTY', 'only a merchant reads its statement');
      }
      const { from, to, format } = input.query as z.infer<typeof s.statementQuery>;
      const statement = await deps.statements.of(caller.user, { from, to });
      const csv = format ? format === 'csv' : input.accepts(['application/json', 'text/csv']) === 'text/csv';
      return csv ? statementCsv(statement) : statement;
    },
  };
}
