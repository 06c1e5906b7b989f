import type { Statement } from './statement';

/** A response that is not JSON: the handler sends it as it is, with its type and file name. */
export class Download {
  constructor(
    readonly contentType: string,
    readonly filename: string,
    readonly body: string,
  ) {}
}

const columns = [
  'order_id',
  'state',
  'settled_at',
  'escrow',
  'price',
  'gross',
  'commission',
  'penalty',
  'net',
  'currency',
  'tx_id',
  'block_number',
];

/**
 * RFC 4180: a field is quoted when it holds a comma, a quote or a line break. Every field here is an
 * id, a state, a time or digits, so none needs it; the rule stays, so the file can never be misread.
 */
const field = (value: string): string => (/[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);
const line = (values: string[]): string => `${values.map(field).join(',')}\r\n`;

/** The statement as CSV: a header, one line per order, and a last line of totals whose order_id is `TOTAL`. */
export function statementCsv(statement: Statement): Download {
  const { currency, totals } = statement;
  const rows = statement.orders.map((o) =>
    line([o.orderId, o.state, o.settledAt, o.escrow, o.price, o.gross, o.commission, o.penalty, o.net, currency, o.txId, o.blockNumber]),
  );
  const total = line(['TOTAL', '', '', '', totals.price, totals.gross, totals.commission, totals.penalty, totals.net, currency, '', '']);
  return new Download(
    'text/csv; charset=utf-8',
    `statement-${statement.from}-${statement.to}.csv`,
    [line(columns), ...rows, total].join(''),
  );
}
