'use strict';

// The caller's webhooks, read with its own token (kept in this tab's sessionStorage only, as on the
// orders page). Every value goes into the page as text, never as markup.
const $ = (id) => document.getElementById(id);
const when = (iso) => (iso ? new Date(iso).toLocaleString() : '');
const tokenKey = 'securepay-token';
const pageSize = 50;
let shown = { subscriptionId: null, next: null };

async function getJson(path) {
  const token = sessionStorage.getItem(tokenKey);
  const response = await fetch(path, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  const body = await response.json();
  if (!response.ok) throw new Error(body.error ? `${body.error.code}: ${body.error.message}` : `HTTP ${response.status}`);
  return body;
}

function showError(error) {
  $('error').hidden = !error;
  $('error').textContent = error ? String(error.message || error) : '';
}

function row(tbody, values) {
  const tr = document.createElement('tr');
  for (const value of values) {
    const td = document.createElement('td');
    if (value instanceof window.Node) td.appendChild(value);
    else td.textContent = value ?? '';
    tr.appendChild(td);
  }
  tbody.appendChild(tr);
  return tr;
}

function orderLink(orderId) {
  const a = document.createElement('a');
  a.href = `./?order=${encodeURIComponent(orderId)}`;
  a.textContent = orderId;
  return a;
}

async function loadSubscriptions() {
  const signedIn = Boolean(sessionStorage.getItem(tokenKey));
  $('logout').hidden = !signedIn;
  $('refresh').hidden = !signedIn;
  $('subscriptions-section').hidden = !signedIn;
  if (!signedIn) {
    $('who').textContent = 'Enter your API token to see your webhook subscriptions.';
    $('log').hidden = true;
    return;
  }
  const { subscriptions } = await getJson('/webhooks');
  $('who').textContent = `${subscriptions.length} subscription(s).`;
  $('no-subscriptions').hidden = subscriptions.length > 0;
  const tbody = $('subscriptions').querySelector('tbody');
  tbody.replaceChildren();
  for (const s of subscriptions) {
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = 'Delivery log';
    button.addEventListener(
      'click',
      guarded(() => showLog(s.subscriptionId)),
    );
    const status = s.statusReason ? `${s.status} (${s.statusReason})` : s.status;
    const tr = row(tbody, [s.subscriptionId, s.url, s.events.join(', '), status, String(s.failureStreak), when(s.createdAt), button]);
    tr.dataset.subscriptionId = s.subscriptionId;
    tr.dataset.status = s.status;
    tr.className = `subscription-${s.status}`;
  }
  if (shown.subscriptionId && subscriptions.some((s) => s.subscriptionId === shown.subscriptionId)) await showLog(shown.subscriptionId);
}

/** The newest page of a subscription's log, or (`older`) the page after the one shown. */
async function showLog(subscriptionId, older = false) {
  const cursor = older && shown.next ? `&cursor=${encodeURIComponent(shown.next)}` : '';
  const page = await getJson(`/webhooks/${encodeURIComponent(subscriptionId)}/deliveries?limit=${pageSize}${cursor}`);
  const tbody = $('deliveries').querySelector('tbody');
  if (!older) tbody.replaceChildren();
  for (const d of page.deliveries) {
    const result = d.lastStatusCode !== null ? `HTTP ${d.lastStatusCode}` : (d.lastError ?? '');
    const upcoming = d.status === 'delivered' ? when(d.deliveredAt) : when(d.nextAttemptAt);
    const status = d.replay > 0 ? `${d.status} (replay ${d.replay})` : d.status;
    const tr = row(tbody, [
      d.deliveryId,
      d.eventId,
      d.type,
      orderLink(d.orderId),
      d.state,
      status,
      String(d.attempts),
      when(d.lastAttemptAt),
      result,
      upcoming,
    ]);
    tr.dataset.deliveryId = d.deliveryId;
    tr.dataset.eventId = d.eventId;
    tr.dataset.status = d.status;
    tr.className = `delivery-${d.status}`;
  }
  shown = { subscriptionId, next: page.next };
  $('log-title').textContent = subscriptionId;
  $('log').hidden = false;
  $('older').hidden = page.next === null;
}

function guarded(action) {
  return (...args) => {
    showError(undefined);
    return Promise.resolve(action(...args)).catch(showError);
  };
}

window.addEventListener('DOMContentLoaded', () => {
  $('login').addEventListener(
    'submit',
    guarded((event) => {
      event.preventDefault();
      const token = $('token').value.trim();
      if (token) sessionStorage.setItem(tokenKey, token);
      $('token').value = '';
      shown = { subscriptionId: null, next: null };
      return loadSubscriptions();
    }),
  );
  $('logout').addEventListener(
    'click',
    guarded(() => {
      sessionStorage.removeItem(tokenKey);
      shown = { subscriptionId: null, next: null };
      return loadSubscriptions();
    }),
  );
  $('refresh').addEventListener('click', guarded(loadSubscriptions));
  $('older').addEventListener(
    'click',
    guarded(() => showLog(shown.subscriptionId, true)),
  );
  guarded(loadSubscriptions)();
});
