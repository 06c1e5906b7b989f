/** A refusal by the ledger: nothing moved. The code is the ledger's own (`NO_DECISION`, `INSUFFICIENT_FUNDS`, …). */
export class LedgerError extends Error {
  constructor(
    readonly code: string,
    /** Why, without the code (the message carries both). */
    readonly reason: string,
  ) {
    super(`${code}: ${reason}`);
    this.name = 'LedgerError';
  }

  /** A refusal as the ledger words it, `CODE: message` (what a batched call returns in an order's place). */
  static fromMessage(message: string): LedgerError {
    const match = /^([A-Z_]+): ([\s\S]*)$/.exec(message);
    return match ? new LedgerError(match[1]!, match[2]!) : new LedgerError('REFUSED', message);
  }

  /** PostgreSQL errors raised by the ledger's functions read `CODE: message`; anything else is not a refusal. */
  static from(error: unknown): unknown {
    const pgError = error as { code?: string; message?: string };
    if (pgError.code === 'P0001' && pgError.message) {
      const match = /^([A-Z_]+): ([\s\S]*)$/.exec(pgError.message);
      if (match) return new LedgerError(match[1]!, match[2]!);
    }
    if (pgError.code === '42501') return new LedgerError('FORBIDDEN', pgError.message ?? 'permission denied');
    if (pgError.code === '22003') return new LedgerError('BAD_ARGUMENT', 'an amount is out of range');
    if (pgError.code === '22P02') return new LedgerError('BAD_ARGUMENT', pgError.message ?? 'malformed input');
    return error;
  }
}
