import type { SupervisionSummary } from './supervisor';

/** Columns padded to their widest cell, the first left-aligned and the figures right-aligned. */
function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  '));
}

/**
 * The supervision summary as a few lines of text, for the demo's last words and an operator's
 * terminal: supply and its invariant, the journal, exposure per bank, the reconciliation's verdict.
 * Amounts are minor units.
 */
export function renderSummary(s: SupervisionSummary): string {
  const { supply, journal } = s;
  const lines = [
    `Central bank supervision at ${s.asOf}, the chain read to height ${s.chain.scannedTo}`,
    `  supply          minted ${supply.minted} − redeemed ${supply.redeemed} = balances ${supply.balances} + locked ${supply.locked}: ` +
      (supply.ok ? 'holds to the minor unit' : `OFF BY ${supply.difference}`),
    `  journal         ${journal.entries} entries, ` +
      (journal.ok ? 'hash chain intact from the first' : `hash chain BROKEN at position ${journal.firstBreak} (${journal.reason})`),
    '  exposure per bank (minor units):',
    ...table([
      ['bank', 'customers hold', 'escrow locked', 'deposits locked', 'reserve', 'compensations paid', 'proofs late'],
      ...s.exposure.map((b) => [
        b.bank,
        b.customerBalances,
        b.escrowLocked,
        b.depositsLocked,
        b.reserve,
        b.compensationsPaid,
        String(b.settlementProofsLate),
      ]),
    ]).map((line) => `    ${line}`),
    `  reconciliation  ${s.reconciliation.verdict}` +
      (s.reconciliation.discrepancies > 0
        ? `: ${Object.entries(s.reconciliation.byKind)
            .map(([kind, n]) => `${n} ${kind}`)
            .join(', ')}`
        : '') +
      (s.reconciliation.awaiting > 0 ? ` (${s.reconciliation.awaiting} awaiting the escrow agent or the chain)` : ''),
    `  aging           ${s.aging.locksPastExpiry} lock(s) past their expiry, ${s.aging.ordersPastDeadline} order(s) past their state's deadline`,
  ];
  return lines.join('\n');
}
