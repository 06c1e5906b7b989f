-- The central bank's escrow agent: the only party that moves escrowed money. It acts on decisions it
-- proved itself from the blocks on the central bank's own peer (VALID, written by the transaction,
-- endorsed by the order's three orgs); the database trusts its role and no other with these
-- functions. Banks keep their duties on the chain (approvals, deposit records, settlement proofs) and
-- read what those need; they move no escrowed money.

-- What the agent has proven of each order, from the newest transaction that wrote it.
create table ledger.chain_orders (
  order_id text primary key,
  state text not null,
  buyer_bank text not null,
  merchant_bank text not null,
  deposit_by timestamptz,
  block_number bigint not null,
  tx_id text not null,
  updated_at timestamptz not null default now()
);

-- The settlement receipts the ledger signed (with the agent's key), for the merchant's bank to record on-chain.
create table ledger.receipts (
  order_id text primary key,
  signed jsonb not null,
  created_at timestamptz not null default now()
);

-- The public half of the key the receipts are signed with; the banks register it on-chain.
create table ledger.receipt_key (
  singleton boolean primary key default true check (singleton),
  public_key_pem text not null
);

-- Decisions the agent refused: a record for the operators (and the tests); nothing moved for them.
create table ledger.refused_decisions (
  tx_id text not null,
  order_id text not null,
  code text not null,
  message text not null,
  refused_at timestamptz not null default now(),
  primary key (tx_id, order_id)
);

-- The agent's own place in the chain and the jobs that took effect (as bridge.* for the banks).
create schema agent;
create table agent.checkpoints (
  follower text primary key,
  block_number bigint not null,
  tx_id text not null,
  updated_at timestamptz not null default now()
);
create table agent.processed (
  follower text not null,
  job_id text not null,
  processed_at timestamptz not null default now(),
  primary key (follower, job_id)
);

-- The currency the ledger's money is in, as its receipts name it.
create function ledger.currency() returns text language sql stable security definer set search_path = ledger, pg_temp as $$
  select value from ledger.settings where name = 'currency';
$$;

-- The platform's wallet for an order: where its escrow sends the commission; else the platform's first wallet.
create function ledger.platform_wallet(p_order text) returns text language sql stable as $$
  select coalesce(
    (select credit_account from ledger.transfers where kind = 'pending' and order_id = p_order and purpose = 'escrow:commission'),
    (select id from ledger.accounts where kind = 'platform' order by created_at limit 1));
$$;

-- Records what the agent proved of an order. Older news never overwrites newer. Once the chain knows
-- the order, its escrow lock is no orphan: its fate is the chain's, which always ends in a final state.
create function ledger.record_chain_order(p_order text, p_state text, p_buyer_bank text, p_merchant_bank text,
                                          p_deposit_by_ms bigint, p_block bigint, p_tx text) returns void
language plpgsql security definer set search_path = ledger, pg_temp as $$
declare
  me ledger.parties := ledger.caller(array['escrowAgent']);
begin
  insert into ledger.chain_orders as c (order_id, state, buyer_bank, merchant_bank, deposit_by, block_number, tx_id)
  values (p_order, p_state, p_buyer_bank, p_merchant_bank,
          case when p_deposit_by_ms is null then null else to_timestamp(p_deposit_by_ms / 1000.0) end, p_block, p_tx)
  on conflict (order_id) do update set state = excluded.state, deposit_by = excluded.deposit_by, block_number = excluded.block_number,
    tx_id = excluded.tx_id, updated_at = now()
  where c.block_number <= excluded.block_number;
  update ledger.transfers set expires_at = null
   where kind = 'pending' and order_id = p_order and purpose like 'escrow:%' and expires_at is not null;
end $$;

-- CONFIRMED (or CHALLENGED, SETTLED, COMPENSATED: the money was owed since CONFIRMED) on the chain:
-- the merchant and the platform's commission are paid from the lock, both legs together. Returns what
-- the settlement receipt states. Posting an escrow already posted returns the same.
create function ledger.post_escrow(p_key text, p_order text, p_decision jsonb) returns jsonb
language plpgsql security definer set search_path = ledger, pg_temp as $$
declare
  me ledger.parties := ledger.caller(array['escrowAgent']);
  prior jsonb := ledger.begin_operation(p_key, 'post_escrow', jsonb_build_object('order', p_order, 'decision', p_decision));
  tx text;
  leg ledger.transfers;
  merchant_leg ledger.transfers;
begin
  if prior is not null then return prior; end if;
  tx := ledger.accept_decision(p_order, p_decision, 'post escrow', array['CONFIRMED', 'CHALLENGED', 'SETTLED', 'COMPENSATED']);
  for leg in select * from ledger.open_pending(p_order, 'escrow:merchant') union all select * from ledger.open_pending(p_order, 'escrow:commission') loop
    perform ledger.post_pending(leg, tx);
  end loop;
  select * into merchant_leg from ledger.transfers where kind = 'pending' and order_id = p_order and purpose = 'escrow:merchant';
  if not found then perform ledger.fail('NOT_FOUND', 'order ' || p_order || ' has no escrow lock'); end if;
  if not exists (select 1 from ledger.transfers where pending_id = merchant_leg.id and kind = 'post') then
    perform ledger.fail('ALREADY_RESOLVED', 'the escrow of order ' || p_order || ' was voided');
  end if;
  return ledger.finish_operation(p_key, (
    select jsonb_build_object('order', p_order, 'merchantWallet', merchant_leg.credit_account,
      'merchantAmount', merchant_leg.amount::text,
      'commissionAmount', coalesce((select amount from ledger.transfers where kind = 'pending' and order_id = p_order and purpose = 'escrow:commission'), 0)::text,
      'journalPosition', j.position, 'journalHash', j.entry_hash)
    from ledger.journal j where j.transfer_id = merchant_leg.id || ':post'));
end $$;

-- REJECTED, EXPIRED or REFUNDED on the chain: the buyer gets the locked funds back.
create function ledger.void_escrow(p_key text, p_order text, p_decision jsonb) returns jsonb
language plpgsql security definer set search_path = ledger, pg_temp as $$
declare
  me ledger.parties := ledger.caller(array['escrowAgent']);
  prior jsonb := ledger.begin_operation(p_key, 'void_escrow', jsonb_build_object('order', p_order, 'decision', p_decision));
  tx text;
  leg ledger.transfers;
  voided int := 0;
begin
  if prior is not null then return prior; end if;
  tx := ledger.accept_decision(p_order, p_decision, 'void escrow', array['REJECTED', 'EXPIRED', 'REFUNDED']);
  if exists (select 1 from ledger.transfers where kind = 'post' and order_id = p_order and purpose like 'escrow:%') then
    perform ledger.fail('ALREADY_RESOLVED', 'the escrow of order ' || p_order || ' was already paid out');
  end if;
  for leg in select * from ledger.open_pending(p_order, 'escrow:merchant') union all select * from ledger.open_pending(p_order, 'escrow:commission') loop
    perform ledger.void_pending(leg, tx);
    voided := voided + 1;
  end loop;
  return ledger.finish_operation(p_key, jsonb_build_object('order', p_order, 'voidedLegs', voided));
end $$;

-- An escrow lock whose order never reached the chain (its proposal was refused, or never submitted)
-- goes back to the buyer once it has waited `escrow_orphan_after`. The agent calls it only when it
-- has read its peer's chain to the end; the ledger checks that the chain, as recorded, never named it.
create function ledger.void_orphaned_escrow(p_key text, p_order text, p_chain_height bigint) returns jsonb
language plpgsql security definer set search_path = ledger, pg_temp as $$
declare
  me ledger.parties := ledger.caller(array['escrowAgent']);
  prior jsonb := ledger.begin_operation(p_key, 'void_orphaned_escrow', jsonb_build_object('order', p_order));
  leg ledger.transfers;
  voided int := 0;
begin
  if prior is not null then return prior; end if;
  perform ledger.lock_order(p_order);
  if exists (select 1 from ledger.chain_orders where order_id = p_order) then
    perform ledger.fail('DECISION_MISMATCH', 'order ' || p_order || ' is on the chain: its escrow follows the chain''s decisions');
  end if;
  for leg in select * from ledger.open_pending(p_order, 'escrow:merchant') union all select * from ledger.open_pending(p_order, 'escrow:commission') loop
    if leg.expires_at is null or leg.expires_at > now() then
      perform ledger.fail('DECISION_MISMATCH', 'the escrow of order ' || p_order || ' has not waited long enough to be an orphan');
    end if;
    perform ledger.void_pending(leg, 'orphan@' || p_chain_height);
    voided := voided + 1;
  end loop;
  return ledger.finish_operation(p_key, jsonb_build_object('order', p_order, 'voidedLegs', voided, 'chainHeight', p_chain_height::text));
end $$;

-- A disputing party (buyer or courier) locks its deposit, equal to the price, into the dispute pool —
-- only while the order is DISPUTED on the central bank's peer and its deposit deadline has not passed.
create function ledger.lock_deposit(p_key text, p_order text, p_party text, p_wallet text, p_secret text, p_amount bigint) returns jsonb
language plpgsql security definer set search_path = ledger, pg_temp as $$
declare
  me ledger.parties := ledger.caller(array['platform']);
  prior jsonb := ledger.begin_operation(p_key, 'lock_deposit', jsonb_build_object('order', p_order, 'party', p_party, 'wallet', p_wallet, 'amount', p_amount::text));
  v_id text := 'deposit:' || p_order || ':' || p_party;
  chain ledger.chain_orders;
begin
  if prior is not null then return prior; end if;
  perform ledger.lock_order(p_order);
  perform ledger.require_owner(p_wallet, p_secret);
  if p_party not in ('buyer', 'courier') then perform ledger.fail('BAD_ARGUMENT', 'a deposit is the buyer''s or the courier''s'); end if;
  select * into chain from ledger.chain_orders where order_id = p_order;
  if not found or chain.state <> 'DISPUTED' then
    perform ledger.fail('WRONG_STATE', 'order ' || p_order || ' is not in dispute on the central bank''s peer');
  end if;
  if chain.deposit_by is null or now() >= chain.deposit_by then
    perform ledger.fail('DEADLINE_PASSED', 'the deposits for order ' || p_order || ' were due by ' || coalesce(chain.deposit_by::text, '?'));
  end if;
  if exists (select 1 from ledger.transfers t where t.id = v_id) then
    perform ledger.fail('ALREADY_EXISTS', 'the ' || p_party || '''s deposit for order ' || p_order || ' is already locked');
  end if;
  perform ledger.reserve(v_id, p_wallet, 'dispute-pool', p_amount, p_order, 'deposit:' || p_party, chain.deposit_by);
  return ledger.finish_operation(p_key, jsonb_build_object('order', p_order, 'party', p_party, 'lockRef', v_id));
end $$;

-- A resolved dispute, paid from the deposits the chain recorded: the winner's comes back, the loser's
-- is split, half (rounded down) to the winner and the rest to the platform, as the contract computes.
-- A deposit the chain never recorded goes back to whoever locked it, whoever won. The escrow itself
-- is resolved apart (post or void), never waiting on the deposits.
create function ledger.settle_deposits(p_key text, p_order text, p_decision jsonb, p_winner text, p_recorded text[]) returns jsonb
language plpgsql security definer set search_path = ledger, pg_temp as $$
declare
  me ledger.parties := ledger.caller(array['escrowAgent']);
  prior jsonb := ledger.begin_operation(p_key, 'settle_deposits', jsonb_build_object('order', p_order, 'decision', p_decision,
    'winner', p_winner, 'recorded', to_jsonb(coalesce(p_recorded, array[]::text[]))));
  tx text;
  loser text := case p_winner when 'buyer' then 'courier' when 'courier' then 'buyer' end;
  won ledger.transfers;
  lost ledger.transfers;
  stray ledger.transfers;
  half bigint := 0;
  to_winner bigint := 0;
  to_platform bigint := 0;
  returned text[] := array[]::text[];
begin
  if prior is not null then return prior; end if;
  if loser is null then perform ledger.fail('BAD_ARGUMENT', 'the winner is the buyer or the courier'); end if;
  tx := ledger.accept_decision(p_order, p_decision, 'settle deposits', array[case p_winner when 'courier' then 'CONFIRMED' else 'REFUNDED' end]);
  for stray in select * from ledger.open_pending(p_order, 'deposit:buyer') union all select * from ledger.open_pending(p_order, 'deposit:courier') loop
    if not (split_part(stray.purpose, ':', 2) = any (coalesce(p_recorded, array[]::text[]))) then
      perform ledger.void_pending(stray, tx);
      returned := returned || split_part(stray.purpose, ':', 2);
    end if;
  end loop;
  select * into won from ledger.open_pending(p_order, 'deposit:' || p_winner);
  select * into lost from ledger.open_pending(p_order, 'deposit:' || loser);
  if won.id is not null then perform ledger.void_pending(won, tx); end if;
  if lost.id is not null then
    perform ledger.post_pending(lost, tx);
    -- Half to the winner, if it deposited (its wallet is known from its own lock); the rest, or all, to the platform.
    half := case when won.id is null then 0 else lost.amount / 2 end;
    if half > 0 then
      perform ledger.move(lost.id || ':to-winner', 'pay', 'dispute-pool', won.debit_account, half, p_order, 'dispute:winner', tx);
    end if;
    to_winner := half;
    to_platform := lost.amount - half;
    perform ledger.move(lost.id || ':to-platform', 'pay', 'dispute-pool', ledger.platform_wallet(p_order), to_platform, p_order, 'dispute:platform', tx);
  end if;
  return ledger.finish_operation(p_key, jsonb_build_object('order', p_order, 'winner', p_winner,
    'winnerPayout', (coalesce(won.amount, 0) + to_winner)::text, 'platformPayout', to_platform::text, 'returnedUnrecorded', to_jsonb(returned)));
end $$;

-- COMPENSATED on the chain: the merchant's bank never proved the settlement in time. The merchant gets
-- what it was owed from the escrow (the buyer is charged once, as for any confirmed order) and, from
-- the merchant's bank's own reserve, a late-settlement penalty of `p_penalty_bps` of the price.
create function ledger.compensate(p_key text, p_order text, p_decision jsonb, p_merchant_bank text, p_penalty_bps int) returns jsonb
language plpgsql security definer set search_path = ledger, pg_temp as $$
declare
  me ledger.parties := ledger.caller(array['escrowAgent']);
  prior jsonb := ledger.begin_operation(p_key, 'compensate', jsonb_build_object('order', p_order, 'decision', p_decision,
    'bank', p_merchant_bank, 'penaltyBps', p_penalty_bps));
  tx text;
  leg ledger.transfers;
  merchant_leg ledger.transfers;
  price bigint;
  penalty bigint;
  reserve text;
begin
  if prior is not null then return prior; end if;
  if p_penalty_bps is null or p_penalty_bps < 0 or p_penalty_bps > 10000 then
    perform ledger.fail('BAD_ARGUMENT', 'a penalty rate is 0 to 10000 basis points');
  end if;
  tx := ledger.accept_decision(p_order, p_decision, 'compensate', array['COMPENSATED']);
  for leg in select * from ledger.open_pending(p_order, 'escrow:merchant') union all select * from ledger.open_pending(p_order, 'escrow:commission') loop
    perform ledger.post_pending(leg, tx);
  end loop;
  select * into merchant_leg from ledger.transfers where kind = 'pending' and order_id = p_order and purpose = 'escrow:merchant';
  if not found then perform ledger.fail('NOT_FOUND', 'order ' || p_order || ' has no escrow lock'); end if;
  select sum(amount) into price from ledger.transfers where kind = 'pending' and order_id = p_order and purpose like 'escrow:%';
  penalty := price * p_penalty_bps / 10000;
  select id into reserve from ledger.accounts where kind = 'reserve' and bank = p_merchant_bank;
  if reserve is null then perform ledger.fail('NOT_FOUND', p_merchant_bank || ' has no reserve account'); end if;
  if penalty > 0 then
    perform ledger.move('compensation:' || p_order, 'pay', reserve, merchant_leg.credit_account, penalty, p_order, 'compensation:penalty', tx);
  end if;
  return ledger.finish_operation(p_key, jsonb_build_object('order', p_order, 'status', 'compensated', 'penalty', penalty::text, 'reserve', reserve));
end $$;

-- The signed receipt of an order's settlement, kept for the merchant's bank.
create function ledger.record_receipt(p_order text, p_signed jsonb) returns void
language plpgsql security definer set search_path = ledger, pg_temp as $$
declare
  me ledger.parties := ledger.caller(array['escrowAgent']);
begin
  insert into ledger.receipts (order_id, signed) values (p_order, p_signed) on conflict (order_id) do nothing;
end $$;

-- The merchant's bank reads the receipt of its own customer's order (null until the agent has paid).
create function ledger.receipt_of(p_order text) returns jsonb
language plpgsql security definer set search_path = ledger, pg_temp as $$
declare
  me ledger.parties := ledger.caller(array['bank', 'centralBank', 'escrowAgent']);
begin
  if me.kind = 'bank' and not exists (select 1 from ledger.chain_orders where order_id = p_order and merchant_bank = me.bank) then
    perform ledger.fail('UNAUTHORISED', 'the settlement of order ' || p_order || ' is no business of ' || me.bank);
  end if;
  return (select signed from ledger.receipts where order_id = p_order);
end $$;

create function ledger.set_receipt_key(p_public_key_pem text) returns void
language plpgsql security definer set search_path = ledger, pg_temp as $$
declare
  me ledger.parties := ledger.caller(array['escrowAgent']);
begin
  insert into ledger.receipt_key (public_key_pem) values (p_public_key_pem)
  on conflict (singleton) do update set public_key_pem = excluded.public_key_pem;
end $$;

create function ledger.receipt_key() returns text
language plpgsql security definer set search_path = ledger, pg_temp as $$
declare
  me ledger.parties := ledger.caller(array['bank', 'centralBank', 'escrowAgent', 'platform']);
begin
  return (select public_key_pem from ledger.receipt_key);
end $$;

create function ledger.refuse_decision(p_tx text, p_order text, p_code text, p_message text) returns void
language plpgsql security definer set search_path = ledger, pg_temp as $$
declare
  me ledger.parties := ledger.caller(array['escrowAgent']);
begin
  insert into ledger.refused_decisions (tx_id, order_id, code, message) values (p_tx, p_order, p_code, p_message)
  on conflict do nothing;
end $$;

create function ledger.refused_decisions() returns jsonb
language plpgsql security definer set search_path = ledger, pg_temp as $$
declare
  me ledger.parties := ledger.caller(array['centralBank', 'escrowAgent']);
begin
  return coalesce((select jsonb_agg(jsonb_build_object('txId', tx_id, 'orderId', order_id, 'code', code, 'message', message)
                                    order by refused_at) from ledger.refused_decisions), '[]'::jsonb);
end $$;

-- Pending transfers past their expiry, with what the chain (as the agent recorded it) says of their order.
create function ledger.expired_pending(p_limit int) returns jsonb
language plpgsql security definer set search_path = ledger, pg_temp as $$
declare
  me ledger.parties := ledger.caller(array['escrowAgent', 'centralBank']);
begin
  return coalesce((select jsonb_agg(jsonb_build_object('orderId', p.order_id, 'purpose', p.purpose, 'expiresAt', p.expires_at,
      'chainState', c.state, 'chainTx', c.tx_id)) from (
    select p.* from ledger.transfers p
     where p.kind = 'pending' and p.expires_at < now()
       and not exists (select 1 from ledger.transfers r where r.pending_id = p.id)
     order by p.expires_at limit least(greatest(coalesce(p_limit, 100), 1), 1000)) p
    left join ledger.chain_orders c on c.order_id = p.order_id), '[]'::jsonb);
end $$;

-- The central bank's supervision reads one account's balance: its own ledger, no owner credential needed.
create function ledger.balance_of(p_account text) returns bigint
language plpgsql security definer set search_path = ledger, pg_temp as $$
declare
  me ledger.parties := ledger.caller(array['centralBank']);
  found_balance bigint;
begin
  select balance into found_balance from ledger.accounts where id = p_account;
  if not found then perform ledger.fail('NOT_FOUND', 'no account ' || coalesce(p_account, '?')); end if;
  return found_balance;
end $$;

revoke all on all tables in schema ledger from public;
revoke execute on all functions in schema ledger from public;
grant execute on function ledger.record_chain_order(text, text, text, text, bigint, bigint, text),
  ledger.post_escrow(text, text, jsonb), ledger.void_escrow(text, text, jsonb), ledger.void_orphaned_escrow(text, text, bigint),
  ledger.settle_deposits(text, text, jsonb, text, text[]), ledger.compensate(text, text, jsonb, text, int),
  ledger.record_receipt(text, jsonb), ledger.set_receipt_key(text), ledger.refuse_decision(text, text, text, text)
  to securepay_escrow_agent;
grant execute on function ledger.lock_deposit(text, text, text, text, text, bigint) to securepay_platform;
grant execute on function ledger.currency() to securepay_escrow_agent, securepay_bank, securepay_central_bank, securepay_platform;
grant execute on function ledger.receipt_of(text) to securepay_bank, securepay_central_bank, securepay_escrow_agent;
grant execute on function ledger.receipt_key() to securepay_bank, securepay_central_bank, securepay_escrow_agent, securepay_platform;
grant execute on function ledger.refused_decisions(), ledger.expired_pending(int) to securepay_central_bank, securepay_escrow_agent;
grant execute on function ledger.balance_of(text) to securepay_central_bank;

grant usage on schema agent to securepay_escrow_agent;
grant select, insert, update on agent.checkpoints, agent.processed to securepay_escrow_agent;
