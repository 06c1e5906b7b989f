import type { FollowerCheckpoints } from '@securepay/client';
import type { CbdcLedger, StatementLegs } from '@securepay/ledger';
import type pg from 'pg';
import { ApiError } from './api-error';
import { periodBounds, statementOf, statementStates, type FinalOrder, type Statement, type StatementState } from './statement';
import type { PlatformUser } from './user-registry';

/** More orders than this in one period is a statement no one reads at once: ask for a shorter period. */
export const maxStatementOrders = 20_000;
/** The ledger answers at most this many orders per call. */
const ledgerChunk = 1_000;

interface FinalRow {
  order_id: string;
  state: StatementState;
  final_tx_id: string;
  final_block_number: string;
  final_at: Date;
}

/**
 * Merchants' statements: which orders from the platform's read model (the merchant's orders that
 * reached SETTLED, COMPENSATED or REFUNDED in the period, with the transaction that got them there),
 * and how much from the ledger (`merchant_statement`, with the merchant wallet's credential, which the
 * platform holds for its custodial users), so that every total is the ledger's own movements.
 */
export class MerchantStatements {
  constructor(
    private readonly pool: pg.Pool,
    private readonly ledger: CbdcLedger,
    private readonly checkpoints: FollowerCheckpoints,
    private readonly walletSecret: (user: PlatformUser) => Promise<string>,
  ) {}

  async of(
    merchant: PlatformUser,
    period: { from: string; to: string },
  ): Promise<Statement & { caughtUpTo: { blockNumber: string; txId: string } | null }> {
    // The read model's position first: every final change up to it is in the rows read after it.
    const position = await this.checkpoints.load();
    const finals = await this.finalOrders(merchant, period);
    const secret = await this.walletSecret(merchant);
    const legs: StatementLegs[] = [];
    for (let i = 0; i < finals.length; i += ledgerChunk) {
      const ids = finals.slice(i, i + ledgerChunk).map((o) => o.orderId);
      legs.push(...(await this.ledger.merchantStatement(merchant.wallet, secret, ids)));
    }
    const statement = statementOf(period, await this.ledger.currency(), finals, legs);
    return { ...statement, caughtUpTo: position ? { blockNumber: position.blockNumber.toString(), txId: position.transactionId } : null };
  }

  private async finalOrders(merchant: PlatformUser, period: { from: string; to: string }): Promise<FinalOrder[]> {
    const { start, end } = periodBounds(period.from, period.to);
    const { rows } = await this.pool.query<FinalRow>(
      `select order_id, state, final_tx_id, final_block_number, final_at from platform.order_listing
        where merchant_msp = $1 and merchant_party = $2 and final_at >= $3 and final_at < $4 and state = any ($5::text[])
        order by final_at, order_id limit $6`,
      [merchant.bank, merchant.partyId, start, end, statementStates, maxStatementOrders + 1],
    );
    if (rows.length > maxStatementOrders) {
      throw new ApiError(
        400,
        'PERIOD_TOO_LARGE',
        `more than ${maxStatementOrders} orders were settled from ${period.from} to ${period.to}: ask for a shorter period`,
      );
    }
    return rows.map((r) => ({
      orderId: r.order_id,
      state: r.state,
      txId: r.final_tx_id,
      blockNumber: r.final_block_number,
      finalAt: r.final_at,
    }));
  }
}
