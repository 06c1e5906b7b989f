import type pg from 'pg';
import type { CbdcLedger } from '@securepay/ledger';
import type { OrderView, SecurePayClient } from '@securepay/api';
import { money, type DemoOrder, type Person } from './scenario';

const table = (rows: string[][], align: ('l' | 'r')[]): string => {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows
    .map((r) => '  ' + r.map((cell, i) => (align[i] === 'r' ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  '))
    .join('\n');
};

/**
 * Each order's timeline as the channel recorded it, with the platform's names for the pseudonyms.
 * Returns the orders that did not end where the scenario expected.
 */
export async function printTimelines(
  api: SecurePayClient,
  orders: DemoOrder[],
  people: Person[],
  out: (s: string) => void,
): Promise<DemoOrder[]> {
  const unexpected: DemoOrder[] = [];
  const nameOf = (partyId?: string): string | undefined => people.find((p) => p.user.partyId === partyId)?.name;
  for (const [i, order] of orders.entries()) {
    const view = await api.get<OrderView>(`/orders/${order.orderId}`);
    const start = Date.parse(view.timeline[0]!.at);
    if (view.state !== order.expected) unexpected.push(order);
    out(
      `\n#${i + 1} ${order.label}, ${order.buyer.name} ← ${order.merchant.name}, ${money(order.price)}: ${view.state}${view.state === order.expected ? '' : ` (expected ${order.expected})`}`,
    );
    const rows = view.timeline.map((s) => [
      `+${((Date.parse(s.at) - start) / 1000).toFixed(1)}s`,
      s.action,
      `${s.from ?? '—'} → ${s.to}`,
      nameOf(s.by.partyId) ?? `${s.by.role} (${s.by.mspId})`,
      `block ${s.blockNumber ?? '?'}`,
      `tx ${s.txId.slice(0, 16)}…`,
    ]);
    out(table(rows, ['r', 'l', 'l', 'l', 'l', 'l']));
  }
  return unexpected;
}

/**
 * Every account of the CBDC ledger, read as its owner (the central bank's auditor view), and the
 * invariant: what is in accounts plus what is locked equals what was issued less what was redeemed.
 */
export async function printBalances(pool: pg.Pool, ledger: CbdcLedger, people: Person[], out: (s: string) => void): Promise<boolean> {
  const { rows } = await pool.query<{ id: string; kind: string; bank: string; balance: string; locked: string }>(`
    select a.id, a.kind, a.bank, a.balance::text,
           coalesce((select sum(p.amount) from ledger.transfers p
                      where p.kind = 'pending' and p.debit_account = a.id
                        and not exists (select 1 from ledger.transfers r where r.pending_id = p.id)), 0)::text as locked
      from ledger.accounts a where a.kind <> 'issuance' order by a.kind, a.bank, a.id`);
  const invariant = await ledger.checkInvariant();
  const owner = (id: string): string => people.find((p) => p.user.wallet === id)?.name ?? '';
  const body = rows.map((r) => [r.id, owner(r.id), r.kind, r.bank, money(BigInt(r.balance)), money(BigInt(r.locked))]);
  const available = rows.reduce((sum, r) => sum + BigInt(r.balance), 0n);
  const locked = rows.reduce((sum, r) => sum + BigInt(r.locked), 0n);
  const rule = ['', '', '', '', '-'.repeat(16), '-'.repeat(12)];
  out('\nCBDC ledger balances (minor units shown as units.cents):');
  out(
    table(
      [['account', 'owner', 'kind', 'bank', 'available', 'locked'], ...body, rule, ['total', '', '', '', money(available), money(locked)]],
      ['l', 'l', 'l', 'l', 'r', 'r'],
    ),
  );
  const issued = BigInt(invariant.minted) - BigInt(invariant.redeemed);
  const exact = invariant.ok && available + locked === issued;
  out(`\n  minted ${money(BigInt(invariant.minted))} − redeemed ${money(BigInt(invariant.redeemed))} = ${money(issued)}`);
  out(`  balances ${money(available)} + locked ${money(locked)} = ${money(available + locked)}  ${exact ? '✓ exact' : '✗ MISMATCH'}`);
  return exact;
}
