'use strict';

// The dashboard reads the public API only; a wallet owner's token stays in this tab's sessionStorage.
const $ = (id) => document.getElementById(id);
const shortTx = (txId) => (txId ? `${txId.slice(0, 12)}…` : '');
const when = (iso) => (iso ? new Date(iso).toLocaleString() : '');
const who = (by) => (typeof by === 'string' ? by : [by.role, by.partyId, `(${by.mspId})`].filter(Boolean).join(' '));

async function getJson(path, token) {
  const response = await fetch(path, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  const body = await response.json();
  if (!response.ok) throw new Error(body.error ? `${body.error.code}: ${body.error.message}` : `HTTP ${response.status}`);
  return body;
}

function showError(error) {
  $('error').hidden = !error;
  $('error').textContent = error ? String(error.message || error) : '';
}

function cells(row, values) {
  const tr = document.createElement('tr');
  for (const value of values) {
    const td = document.createElement('td');
    td.textContent = value ?? '';
    tr.appendChild(td);
  }
  row.appendChild(tr);
  return tr;
}

async function loadOrders(selected) {
  const { orders } = await getJson('/orders');
  const select = $('order-select');
  select.replaceChildren();
  const placeholder = new Option(orders.length ? 'pick an order…' : 'no orders yet', '');
  select.appendChild(placeholder);
  for (const order of orders) select.appendChild(new Option(`${order.orderId} — ${order.state} — ${when(order.createdAt)}`, order.orderId));
  const wanted = selected || new URLSearchParams(location.search).get('order');
  if (wanted && orders.some((o) => o.orderId === wanted)) {
    select.value = wanted;
    await showOrder(wanted);
  }
}

async function showOrder(orderId) {
  if (!orderId) {
    $('order').hidden = true;
    return;
  }
  const order = await getJson(`/orders/${encodeURIComponent(orderId)}`);
  $('order').hidden = false;
  $('order-id').textContent = order.orderId;
  $('order-state').textContent = order.state;
  $('order-state').className = order.final ? 'state final' : 'state';
  const party = (p) => (p ? `${p.partyId} (${p.mspId})` : 'not yet assigned');
  $('order-parties').textContent = `buyer ${party(order.buyer)} · merchant ${party(order.merchant)} · courier ${party(order.courier)}`;

  const approvals = $('approvals').querySelector('tbody');
  approvals.replaceChildren();
  for (const a of order.approvals) {
    const tr = cells(approvals, [
      a.slot,
      a.decision + (a.reason ? ` (${a.reason})` : ''),
      a.by,
      when(a.at),
      shortTx(a.txId),
      a.blockNumber,
    ]);
    tr.className = `decision-${a.decision}`;
    tr.dataset.slot = a.slot;
  }

  $('dispute').hidden = !order.dispute;
  if (order.dispute) {
    const deposits = Object.keys(order.dispute.deposits);
    const resolution = order.dispute.resolution
      ? `won by the ${order.dispute.resolution.winner} (${when(order.dispute.resolution.at)})`
      : 'unresolved';
    $('dispute-summary').textContent =
      `Opened ${when(order.dispute.openedAt)}; deposits due by ${when(order.dispute.depositBy)}; ` +
      `deposits recorded: ${deposits.length ? deposits.join(', ') : 'none'}; ${resolution}.`;
  }

  const timeline = $('timeline').querySelector('tbody');
  timeline.replaceChildren();
  order.timeline.forEach((step, i) => {
    const tr = cells(timeline, [
      String(i + 1),
      step.action,
      `${step.from ?? '—'} → ${step.to}`,
      who(step.by),
      when(step.at),
      shortTx(step.txId),
      step.blockNumber,
    ]);
    tr.dataset.action = step.action;
    tr.title = step.txId;
  });
}

async function showBalance() {
  const token = sessionStorage.getItem('securepay-token');
  $('logout').hidden = !token;
  if (!token) {
    $('balance').textContent = 'Enter your API token to see your balance.';
    return;
  }
  const wallet = await getJson('/wallet', token);
  $('balance').textContent = `Wallet ${wallet.wallet}: ${wallet.available} available, ${wallet.locked} locked (minor units).`;
}

function guarded(action) {
  return (...args) => {
    showError(undefined);
    return Promise.resolve(action(...args)).catch(showError);
  };
}

window.addEventListener('DOMContentLoaded', () => {
  $('order-select').addEventListener(
    'change',
    guarded((event) => showOrder(event.target.value)),
  );
  $('refresh').addEventListener(
    'click',
    guarded(() => loadOrders($('order-select').value)),
  );
  $('login').addEventListener(
    'submit',
    guarded((event) => {
      event.preventDefault();
      const token = $('token').value.trim();
      if (token) sessionStorage.setItem('securepay-token', token);
      $('token').value = '';
      return showBalance();
    }),
  );
  $('logout').addEventListener(
    'click',
    guarded(() => {
      sessionStorage.removeItem('securepay-token');
      $('balance').textContent = '';
      return showBalance();
    }),
  );
  guarded(loadOrders)();
  guarded(showBalance)();
});
