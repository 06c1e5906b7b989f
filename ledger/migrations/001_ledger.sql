-- The CBDC wallet ledger. Tables are written only by the functions below (SECURITY DEFINER); the
-- parties' login roles may execute some of those functions and read nothing else. Every function
-- decides what the caller may do from the role it logged in as (session_user), never from arguments.
-- Money is bigint minor units. Two-phase transfers after TigerBeetle: a pending transfer reserves
-- funds; a post or void row referencing it resolves it, at most once (UNIQUE pending_id).

create schema ledger;
-- Functions are executable by PUBLIC unless revoked: none of the owner's is, until granted by name.
alter default privileges revoke execute on functions from public;

-- Who logs in as which role: filled by the migration step from the network's orgs (one row per
-- party: the platform, each bank, the central bank and its escrow agent).
create table ledger.parties (
  role name primary key,
  kind text not null check (kind in ('platform', 'bank', 'centralBank', 'escrowAgent')),
  -- The party's org (MSP id): the bank a bank party acts for.
  bank text not null
);

create table ledger.accounts (
  id text primary key check (id ~ '^[A-Za-z0-9_.:-]{1,64}$'),
  kind text not null check (kind in ('user', 'platform', 'bank', 'reserve', 'pool', 'issuance')),
  bank text not null,
  -- sha256 (hex) of the owner's credential; wallets without one can be read by no one but the ledger.
  owner_secret_hash text,
  balance bigint not null default 0,
  created_at timestamptz not null default now(),
  -- The issuance account is where minted CBDC comes from, so it alone goes below zero.
  constraint never_below_zero check (kind = 'issuance' or balance >= 0)
);

create table ledger.transfers (
  id text primary key,
  kind text not null check (kind in ('mint', 'redeem', 'fund', 'pending', 'post', 'void', 'pay')),
  debit_account text not null references ledger.accounts (id),
  credit_account text not null references ledger.accounts (id),
  amount bigint not null check (amount > 0 and amount < 1000000000000000000),
  pending_id text references ledger.transfers (id),
  order_id text,
  purpose text not null,
  decision_tx text,
  created_at timestamptz not null default now(),
  -- A pending transfer's expiry: past it the escrow agent resolves it from what the chain says (an
  -- escrow lock whose order never reached the chain goes back to the buyer).
  expires_at timestamptz,
  constraint resolves_once unique (pending_id),
  constraint resolution_names_pending check ((kind in ('post', 'void')) = (pending_id is not null))
);
create index transfers_by_order on ledger.transfers (order_id);
create index transfers_by_debit on ledger.transfers (debit_account);
create index transfers_by_credit on ledger.transfers (credit_account);

-- What the central bank decides for its ledger: how long an escrow lock may wait for its order to
-- reach the chain before it goes back to the buyer, and the currency its receipts name.
create table ledger.settings (
  name text primary key check (name in ('escrow_orphan_after', 'currency')),
  value text not null
);
insert into ledger.settings values ('escrow_orphan_after', '10 minutes'), ('currency', 'CNY');

create function ledger.orphan_after() returns interval language sql stable as $$
  select value::interval from ledger.settings where name = 'escrow_orphan_after';
$$;

-- Every posted movement of money, hash-chained: entry_hash = sha256(prev_hash || entry).
create table ledger.journal (
  position bigint primary key,
  transfer_id text not null unique references ledger.transfers (id),
  prev_hash text not null,
  entry_hash text not null
);
create table ledger.journal_head (
  singleton boolean primary key default true check (singleton),
  position bigint not null,
  entry_hash text not null
);
insert into ledger.journal_head values (true, 0, repeat('0', 64));

-- On-chain decisions the ledger has acted on: which transaction moved which order's money.
create table ledger.decisions (
  tx_id text not null,
  order_id text not null,
  action text not null,
  state text not null,
  block_number bigint not null,
  used_for text not null,
  recorded_at timestamptz not null default now(),
  primary key (tx_id, order_id, used_for)
);

-- Idempotency: an operation's key returns its first result; the same key with other parameters is an error.
create table ledger.operations (
  key text primary key,
  operation text not null,
  params jsonb not null,
  result jsonb,
  created_at timestamptz not null default now()
);

-- ---------------------------------------------------------------------------------------------
-- Internal helpers (not granted to anyone)

create function ledger.fail(code text, message text) returns void language plpgsql as $$
begin
  raise exception using errcode = 'P0001', message = code || ': ' || coalesce(message, 'a required argument is missing');
end $$;

create function ledger.begin_operation(p_key text, p_operation text, p_params jsonb) returns jsonb
language plpgsql as $$
declare
  existing ledger.operations;
begin
  if p_key is null or p_key !~ '^[A-Za-z0-9_.:-]{1,200}$' then
    perform ledger.fail('BAD_ARGUMENT', 'an idempotency key is 1-200 letters, digits or _.:-');
  end if;
  insert into ledger.operations (key, operation, params) values (p_key, p_operation, p_params) on conflict do nothing;
  select * into existing from ledger.operations where key = p_key for update;
  if existing.operation <> p_operation or existing.params <> p_params then
    perform ledger.fail('IDEMPOTENCY_CONFLICT', 'key ' || p_key || ' was used for another request');
  end if;
  return existing.result;
end $$;

create function ledger.finish_operation(p_key text, p_result jsonb) returns jsonb language sql as $$
  update ledger.operations set result = p_result where key = p_key returning result;
$$;

-- The party calling, from the role it logged in as; anyone else is refused.
create function ledger.caller(p_kinds text[]) returns ledger.parties language plpgsql stable as $$
declare
  me ledger.parties;
begin
  select * into me from ledger.parties where role = session_user;
  if not found then
    perform ledger.fail('UNAUTHORISED', 'database role ' || session_user || ' is no party of the ledger');
  end if;
  if not (me.kind = any (p_kinds)) then
    perform ledger.fail('UNAUTHORISED', 'a ' || me.kind || ' (' || me.bank || ') may not do this');
  end if;
  return me;
end $$;

-- Whether an account is held for the party's bank: a bank acts only on its own accounts and customers.
create function ledger.held_at(p_account text, p_bank text, p_kinds text[]) returns boolean language sql stable as $$
  select exists (select 1 from ledger.accounts where id = p_account and bank = p_bank and kind = any (p_kinds));
$$;

create function ledger.require_amount(p_amount bigint, p_what text) returns void language plpgsql as $$
begin
  if p_amount is null or p_amount <= 0 or p_amount >= 1000000000000000000 then
    perform ledger.fail('BAD_ARGUMENT', p_what || ' must be a positive amount of minor units below 10^18');
  end if;
end $$;

create function ledger.require_owner(p_account text, p_secret text) returns ledger.accounts language plpgsql as $$
declare
  acct ledger.accounts;
begin
  select * into acct from ledger.accounts where id = p_account;
  if not found or acct.owner_secret_hash is null or p_secret is null
     or acct.owner_secret_hash <> encode(sha256(convert_to(p_secret, 'UTF8')), 'hex') then
    perform ledger.fail('UNAUTHORISED', 'wallet ' || coalesce(p_account, '?') || ' needs its owner''s credential');
  end if;
  return acct;
end $$;

create function ledger.debit(p_account text, p_amount bigint) returns void language plpgsql as $$
begin
  update ledger.accounts set balance = balance - p_amount
   where id = p_account and (kind = 'issuance' or balance >= p_amount);
  if not found then
    if not exists (select 1 from ledger.accounts where id = p_account) then
      perform ledger.fail('NOT_FOUND', 'no account ' || p_account);
    end if;
    perform ledger.fail('INSUFFICIENT_FUNDS', 'account ' || p_account || ' holds less than ' || p_amount);
  end if;
end $$;

create function ledger.credit(p_account text, p_amount bigint) returns void language plpgsql as $$
begin
  update ledger.accounts set balance = balance + p_amount where id = p_account;
  if not found then perform ledger.fail('NOT_FOUND', 'no account ' || p_account); end if;
end $$;

create function ledger.append_journal(p_transfer text) returns jsonb language plpgsql as $$
declare
  head ledger.journal_head;
  t ledger.transfers;
  entry text;
  next_hash text;
begin
  select * into head from ledger.journal_head for update;
  select * into t from ledger.transfers where id = p_transfer;
  entry := jsonb_build_object('id', t.id, 'kind', t.kind, 'debit', t.debit_account, 'credit', t.credit_account,
                              'amount', t.amount::text, 'order', t.order_id, 'purpose', t.purpose)::text;
  next_hash := encode(sha256(convert_to(head.entry_hash || entry, 'UTF8')), 'hex');
  insert into ledger.journal values (head.position + 1, p_transfer, head.entry_hash, next_hash);
  update ledger.journal_head set position = head.position + 1, entry_hash = next_hash;
  return jsonb_build_object('position', head.position + 1, 'hash', next_hash);
end $$;

-- A posted movement: debit, credit, journal. Returns the journal entry.
create function ledger.move(p_id text, p_kind text, p_debit text, p_credit text, p_amount bigint,
                            p_order text, p_purpose text, p_decision_tx text) returns jsonb
language plpgsql as $$
begin
  perform ledger.require_amount(p_amount, 'the amount');
  perform ledger.debit(p_debit, p_amount);
  perform ledger.credit(p_credit, p_amount);
  insert into ledger.transfers (id, kind, debit_account, credit_account, amount, order_id, purpose, decision_tx)
  values (p_id, p_kind, p_debit, p_credit, p_amount, p_order, p_purpose, p_decision_tx);
  return ledger.append_journal(p_id);
end $$;

-- Reserve funds: the debit side is taken now, the credit side only when posted.
create function ledger.reserve(p_id text, p_debit text, p_credit text, p_amount bigint, p_order text, p_purpose text,
                               p_expires_at timestamptz)
returns void language plpgsql as $$
begin
  perform ledger.require_amount(p_amount, 'the amount');
  if not exists (select 1 from ledger.accounts where id = p_credit) then
    perform ledger.fail('NOT_FOUND', 'no account ' || p_credit);
  end if;
  perform ledger.debit(p_debit, p_amount);
  insert into ledger.transfers (id, kind, debit_account, credit_account, amount, order_id, purpose, expires_at)
  values (p_id, 'pending', p_debit, p_credit, p_amount, p_order, p_purpose, p_expires_at);
end $$;

create function ledger.open_pending(p_order text, p_purpose text) returns setof ledger.transfers language sql as $$
  select p.* from ledger.transfers p
   where p.kind = 'pending' and p.order_id = p_order and p.purpose = p_purpose
     and not exists (select 1 from ledger.transfers r where r.pending_id = p.id)
   for update of p;
$$;

create function ledger.post_pending(p ledger.transfers, p_decision_tx text) returns jsonb language plpgsql as $$
begin
  perform ledger.credit(p.credit_account, p.amount);
  insert into ledger.transfers (id, kind, debit_account, credit_account, amount, pending_id, order_id, purpose, decision_tx)
  values (p.id || ':post', 'post', p.debit_account, p.credit_account, p.amount, p.id, p.order_id, p.purpose, p_decision_tx);
  return ledger.append_journal(p.id || ':post');
end $$;

create function ledger.void_pending(p ledger.transfers, p_decision_tx text) returns void language plpgsql as $$
begin
  perform ledger.credit(p.debit_account, p.amount);
  insert into ledger.transfers (id, kind, debit_account, credit_account, amount, pending_id, order_id, purpose, decision_tx)
  values (p.id || ':void', 'void', p.debit_account, p.credit_account, p.amount, p.id, p.order_id, p.purpose, p_decision_tx);
end $$;

-- Operations on one order's funds run one at a time, so that a racing retry sees the first one's
-- result instead of failing on a constraint.
create function ledger.lock_order(p_order text) returns void language sql as $$
  select pg_advisory_xact_lock(hashtextextended('order:' || coalesce(p_order, ''), 0));
$$;

-- The escrow program's gate: money moves for an order only on a committed on-chain decision about
-- that order which allows this movement.
create function ledger.accept_decision(p_order text, p_decision jsonb, p_used_for text, p_states text[]) returns text
language plpgsql as $$
declare
  tx text := p_decision ->> 'txId';
  state text := p_decision ->> 'state';
begin
  perform ledger.lock_order(p_order);
  if p_decision is null or tx is null or tx !~ '^[0-9a-f]{64}$' or (p_decision ->> 'orderId') is distinct from p_order
     or state is null or (p_decision ->> 'action') is null or (p_decision ->> 'blockNumber') !~ '^[0-9]+$' then
    perform ledger.fail('NO_DECISION', 'moving the funds of order ' || coalesce(p_order, '?')
      || ' needs the on-chain decision (txId, blockNumber, orderId, action, state) that allows it');
  end if;
  if not (state = any (p_states)) then
    perform ledger.fail('DECISION_MISMATCH', 'an order that is ' || state || ' does not allow ' || p_used_for);
  end if;
  insert into ledger.decisions values (tx, p_order, p_decision ->> 'action', state, (p_decision ->> 'blockNumber')::bigint, p_used_for)
  on conflict do nothing;
  return tx;
end $$;
