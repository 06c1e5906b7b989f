'use strict';

// The supervision page: every figure from the API with the operator's token, kept in this tab's
// sessionStorage only; everything shown is set as text, never as markup.
const $ = (id) => document.getElementById(id);
const shortTx = (txId) => (txId ? (txId.length > 16 ? `${txId.slice(0, 12)}…` : txId) : '');
const when = (iso) => (iso ? new Date(iso).toLocaleString() : '');
const tokenKey = 'securepay-supervision-token';

async function getJson(path) {
  const token = sessionStorage.getItem(tokenKey);
  const response = await fetch(path, { headers: { Authorization: `Bearer ${token}` } });
  const body = await response.json();
  if (!response.ok) throw new Error(body.error ? `${body.error.code}: ${body.error.message}` : `HTTP ${response.status}`);
  return body;
}

function showError(error) {
  $('error').hidden = !error;
  $('error').textContent = error ? String(error.message || error) : '';
}

function fill(tableId, rows) {
  const body = $(tableId).querySelector('tbody');
  body.replaceChildren();
  for (const values of rows) {
    const tr = document.createElement('tr');
    for (const value of values) {
      const td = document.createElement('td');
      td.textContent = value === null || value === undefined ? '' : String(value);
      tr.appendChild(td);
    }
    body.appendChild(tr);
  }
}

function verdict(id, ok, text) {
  $(id).textContent = text;
  $(id).className = ok ? 'verdict ok' : 'verdict bad';
}

const seconds = (s) =>
  s === null ? '∞' : s >= 86400 ? `${s / 86400} d` : s >= 3600 ? `${s / 3600} h` : s >= 60 ? `${s / 60} min` : `${s} s`;

function findingRow(f) {
  const chain = f.chain ? `${f.chain.state} · ${shortTx(f.chain.txId)} · block ${f.chain.blockNumber}` : 'no order on the chain';
  const ledger = f.ledger
    ? [
        f.ledger.status,
        `${f.ledger.merchantAmount} + ${f.ledger.commissionAmount}`,
        f.ledger.decisionTxs.length ? `decided by ${f.ledger.decisionTxs.map(shortTx).join(', ')}` : 'no decision',
        f.ledger.journalPositions.length ? `journal ${f.ledger.journalPositions.join(', ')}` : '',
      ]
        .filter(Boolean)
        .join(' · ')
    : 'no escrow lock';
  const agent = [
    f.agentProcessed === null ? '' : f.agentProcessed ? 'processed the decision' : 'not yet processed',
    f.ledger && f.ledger.agentSaw ? `saw ${f.ledger.agentSaw.state} at block ${f.ledger.agentSaw.blockNumber}` : '',
    f.ledger && f.ledger.refusals.length ? `refused ${f.ledger.refusals.map((r) => r.code).join(', ')}` : '',
  ]
    .filter(Boolean)
    .join(' · ');
  return [f.orderId, f.kind, chain, ledger, agent, f.explanation];
}

async function load() {
  showError(null);
  const [summary, aging, reconciliation] = await Promise.all([
    getJson('/supervision/summary'),
    getJson('/supervision/aging'),
    getJson('/supervision/reconciliation'),
  ]);
  $('reports').hidden = false;
  $('as-of').textContent = `As of ${when(summary.asOf)}; the chain read to height ${summary.chain.scannedTo}.`;

  const s = summary.supply;
  verdict('supply-verdict', s.ok, s.ok ? 'minted − redeemed = balances + locked' : `off by ${s.difference}`);
  fill('supply', [
    ['Minted', s.minted],
    ['Redeemed', s.redeemed],
    ['Outstanding (minted − redeemed)', s.outstanding],
    ['Balances', s.balances],
    ['Locked (escrow and deposits)', s.locked],
    ['Escrow locked', s.lockedByKind.escrow],
    ['Deposits locked', s.lockedByKind.deposit],
  ]);
  const j = summary.journal;
  $('journal').textContent = j.ok
    ? `Journal: ${j.entries} entries, the hash chain holds from the first.`
    : `Journal: the hash chain breaks at position ${j.firstBreak} (${j.reason}).`;
  $('journal').className = j.ok ? 'ok' : 'bad';

  fill(
    'exposure',
    summary.exposure.map((b) => [
      b.bank,
      b.customerBalances,
      `${b.escrowLocked} (${b.escrowOrders} orders)`,
      `${b.depositsLocked} (${b.deposits})`,
      b.reserve,
      `${b.compensationsPaid} (${b.compensations})`,
      b.settlementProofsLate,
    ]),
  );

  fill(
    'bands',
    aging.bands.map((b) => [
      `${seconds(b.fromSeconds)} – ${seconds(b.toSeconds)}`,
      b.escrowOrders,
      b.escrowAmount,
      b.deposits,
      b.depositAmount,
    ]),
  );
  $('expired-count').textContent = `(${aging.pastExpiry.locks}, ${aging.pastExpiry.amount})`;
  fill(
    'expired',
    aging.pastExpiry.list.map((l) => [l.orderId, l.purpose, l.amount, when(l.expiresAt), l.agentSaw || 'never']),
  );
  $('stuck-count').textContent = `(${aging.pastDeadline.orders})`;
  fill(
    'stuck',
    aging.pastDeadline.list.map((o) => [
      o.orderId,
      o.state,
      `${o.deadlineName} ${when(o.deadline)}`,
      seconds(o.overdueSeconds),
      shortTx(o.txId),
      o.blockNumber,
    ]),
  );

  verdict('reconciliation-verdict', reconciliation.counts.discrepancies === 0, reconciliation.verdict);
  fill('discrepancies', reconciliation.discrepancies.map(findingRow));
  $('awaiting-count').textContent = `(${reconciliation.counts.awaiting})`;
  fill('awaiting', reconciliation.awaiting.map(findingRow));
}

function signedIn(yes) {
  $('refresh').hidden = !yes;
  $('logout').hidden = !yes;
  if (!yes) $('reports').hidden = true;
}

$('login').addEventListener('submit', (event) => {
  event.preventDefault();
  sessionStorage.setItem(tokenKey, $('token').value);
  $('token').value = '';
  signedIn(true);
  load().catch(showError);
});
$('refresh').addEventListener('click', () => load().catch(showError));
$('logout').addEventListener('click', () => {
  sessionStorage.removeItem(tokenKey);
  signedIn(false);
  showError(null);
});
if (sessionStorage.getItem(tokenKey)) {
  signedIn(true);
  load().catch(showError);
}
