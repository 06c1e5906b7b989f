-- The ledger's API: the only way in. Each function is SECURITY DEFINER with a fixed search_path,
-- takes an idempotency key, and raises 'CODE: message' errors that change nothing. Each first finds
-- its caller (ledger.caller, from session_user) and checks the caller's rights before it replays an
-- idempotent result or touches anything: another party's key replays nothing to it.

insert into ledger.accounts (id, kind, bank) values ('central-bank:issuance', 'issuance', 'CentralBank');
insert into ledger.accounts (id, kind, bank) values ('dispute-pool', 'pool', 'CentralBank');

create function ledger.open_account(p_key text, p_id text, p_kind text, p_bank text, p_owner_secret text) returns jsonb
language plpgsql security definer set search_path = ledger, pg_temp as $$
declare
  me ledger.parties := ledger.caller(array['centralBank', 'bank', 'platform']);
  secret_hash text := case when p_owner_secret is null then null else encode(sha256(convert_to(p_owner_secret, 'UTF8')), 'hex') end;
  prior jsonb;
begin
  -- The central bank opens the banks', the reserves' and the platform's accounts; a bank opens its own
  -- customers' wallets; the platform opens users' wallets, as it registers them (never funds them).
  if me.kind = 'centralBank' and p_kind not in ('bank', 'reserve', 'platform') then
    perform ledger.fail('UNAUTHORISED', 'the central bank opens bank, reserve and platform accounts, not ' || coalesce(p_kind, '?') || ' accounts');
  end if;
  if me.kind <> 'centralBank' and p_kind is distinct from 'user' then
    perform ledger.fail('UNAUTHORISED', 'a ' || me.kind || ' opens user wallets only; ' || coalesce(p_kind, '?') || ' accounts are the central bank''s to open');
  end if;
  if me.kind = 'bank' and p_bank is distinct from me.bank then
    perform ledger.fail('UNAUTHORISED', me.bank || ' opens wallets for its own customers only, not at ' || coalesce(p_bank, '?'));
  end if;
  if not exists (select 1 from ledger.parties where bank = p_bank and kind = case p_kind when 'platform' then 'platform' else 'bank' end) then
    perform ledger.fail('BAD_ARGUMENT', coalesce(p_bank, '?') || ' is no ' || case p_kind when 'platform' then 'platform' else 'bank' end || ' of the ledger');
  end if;
  prior := ledger.begin_operation(p_key, 'open_account', jsonb_build_object('id', p_id, 'kind', p_kind, 'bank', p_bank, 'secret', secret_hash));
  if prior is not null then return prior; end if;
  if p_kind not in ('user', 'platform', 'bank', 'reserve') then
    perform ledger.fail('BAD_ARGUMENT', 'an account is a user, platform, bank or reserve account');
  end if;
  if p_id is null or p_id !~ '^[A-Za-z0-9_.:-]{1,64}$' then perform ledger.fail('BAD_ARGUMENT', 'an account id is 1-64 letters, digits or _.:-'); end if;
  if p_kind in ('user', 'platform') and (p_owner_secret is null or length(p_owner_secret) < 16) then
    perform ledger.fail('BAD_ARGUMENT', 'a wallet needs an owner credential of at least 16 characters');
  end if;
  if exists (select 1 from ledger.accounts where id = p_id) then perform ledger.fail('ALREADY_EXISTS', 'account ' || p_id || ' exists'); end if;
  insert into ledger.accounts (id, kind, bank, owner_secret_hash) values (p_id, p_kind, p_bank, secret_hash);
  return ledger.finish_operation(p_key, jsonb_build_object('account', p_id));
end $$;

-- The central bank issues CBDC to a bank, and redeems it back.
create function ledger.mint(p_key text, p_bank_account text, p_amount bigint) returns jsonb
language plpgsql security definer set search_path = ledger, pg_temp as $$
declare
  me ledger.parties := ledger.caller(array['centralBank']);
  prior jsonb := ledger.begin_operation(p_key, 'mint', jsonb_build_object('account', p_bank_account, 'amount', p_amount::text));
begin
  if prior is not null then return prior; end if;
  if not exists (select 1 from ledger.accounts where id = p_bank_account and kind in ('bank', 'reserve')) then
    perform ledger.fail('BAD_ARGUMENT', 'CBDC is issued to a bank or reserve account');
  end if;
  return ledger.finish_operation(p_key, ledger.move(p_key, 'mint', 'central-bank:issuance', p_bank_account, p_amount, null, 'issuance', null));
end $$;

create function ledger.redeem(p_key text, p_bank_account text, p_amount bigint) returns jsonb
language plpgsql security definer set search_path = ledger, pg_temp as $$
declare
  me ledger.parties := ledger.caller(array['centralBank', 'bank']);
  prior jsonb;
begin
  -- A bank redeems from its own bank account only; its reserve stays, for compensations.
  if me.kind = 'bank' and not ledger.held_at(p_bank_account, me.bank, array['bank']) then
    perform ledger.fail('UNAUTHORISED', me.bank || ' redeems only from its own bank account');
  end if;
  prior := ledger.begin_operation(p_key, 'redeem', jsonb_build_object('account', p_bank_account, 'amount', p_amount::text));
  if prior is not null then return prior; end if;
  if not exists (select 1 from ledger.accounts where id = p_bank_account and kind in ('bank', 'reserve')) then
    perform ledger.fail('BAD_ARGUMENT', 'CBDC is redeemed from a bank or reserve account');
  end if;
  return ledger.finish_operation(p_key, ledger.move(p_key, 'redeem', p_bank_account, 'central-bank:issuance', p_amount, null, 'redemption', null));
end $$;

-- A bank credits one of its customers' wallets from its own account.
create function ledger.fund(p_key text, p_bank_account text, p_wallet text, p_amount bigint) returns jsonb
language plpgsql security definer set search_path = ledger, pg_temp as $$
declare
  me ledger.parties := ledger.caller(array['bank']);
  prior jsonb;
begin
  if not ledger.held_at(p_bank_account, me.bank, array['bank']) then
    perform ledger.fail('UNAUTHORISED', me.bank || ' funds only from its own bank account');
  end if;
  if not ledger.held_at(p_wallet, me.bank, array['user']) then
    perform ledger.fail('UNAUTHORISED', me.bank || ' funds only its own customers'' wallets');
  end if;
  prior := ledger.begin_operation(p_key, 'fund', jsonb_build_object('from', p_bank_account, 'to', p_wallet, 'amount', p_amount::text));
  if prior is not null then return prior; end if;
  return ledger.finish_operation(p_key, ledger.move(p_key, 'fund', p_bank_account, p_wallet, p_amount, null, 'funding', null));
end $$;

-- The buyer locks the price for one order: a pending leg to the merchant and one to the platform.
create function ledger.lock_escrow(p_key text, p_order text, p_buyer_wallet text, p_secret text, p_merchant_wallet text,
                                   p_platform_wallet text, p_merchant_amount bigint, p_commission_amount bigint) returns jsonb
language plpgsql security definer set search_path = ledger, pg_temp as $$
declare
  me ledger.parties := ledger.caller(array['platform']);
  prior jsonb := ledger.begin_operation(p_key, 'lock_escrow', jsonb_build_object('order', p_order, 'buyer', p_buyer_wallet,
    'merchant', p_merchant_wallet, 'platform', p_platform_wallet, 'merchantAmount', p_merchant_amount::text, 'commission', p_commission_amount::text));
begin
  if prior is not null then return prior; end if;
  perform ledger.lock_order(p_order);
  perform ledger.require_owner(p_buyer_wallet, p_secret);
  if p_order is null or p_order !~ '^[A-Za-z0-9_-]{1,64}$' then perform ledger.fail('BAD_ARGUMENT', 'an order id is 1-64 letters, digits, _ or -'); end if;
  if exists (select 1 from ledger.transfers where order_id = p_order and purpose like 'escrow:%') then
    perform ledger.fail('ALREADY_EXISTS', 'order ' || p_order || ' already has an escrow lock');
  end if;
  if p_commission_amount is null or p_commission_amount < 0 then perform ledger.fail('BAD_ARGUMENT', 'the commission cannot be negative'); end if;
  perform ledger.reserve('escrow:' || p_order || ':merchant', p_buyer_wallet, p_merchant_wallet, p_merchant_amount, p_order, 'escrow:merchant');
  if p_commission_amount > 0 then
    perform ledger.reserve('escrow:' || p_order || ':commission', p_buyer_wallet, p_platform_wallet, p_commission_amount, p_order, 'escrow:commission');
  end if;
  return ledger.finish_operation(p_key, jsonb_build_object('order', p_order, 'status', 'locked'));
end $$;

-- What a bank checks before approving: the order's lock, its amounts and wallets, and its status.
create function ledger.escrow_of(p_order text) returns jsonb
language plpgsql security definer set search_path = ledger, pg_temp as $$
declare
  me ledger.parties := ledger.caller(array['bank', 'centralBank', 'escrowAgent']);
  lock jsonb;
begin
  lock := (with legs as (
    select p.debit_account, p.credit_account, p.amount, p.purpose, r.kind as resolution
      from ledger.transfers p left join ledger.transfers r on r.pending_id = p.id
     where p.kind = 'pending' and p.order_id = p_order and p.purpose like 'escrow:%')
  select case when not exists (select 1 from legs) then jsonb_build_object('order', p_order, 'status', 'none')
  else (select jsonb_build_object(
    'order', p_order,
    'buyerWallet', max(debit_account),
    'merchantWallet', max(credit_account) filter (where purpose = 'escrow:merchant'),
    'platformWallet', max(credit_account) filter (where purpose = 'escrow:commission'),
    'merchantAmount', coalesce(sum(amount) filter (where purpose = 'escrow:merchant'), 0)::text,
    'commissionAmount', coalesce(sum(amount) filter (where purpose = 'escrow:commission'), 0)::text,
    'status', case when bool_and(resolution is null) then 'locked' when bool_and(resolution = 'post') then 'posted' else 'voided' end)
    from legs) end);
  -- A bank sees a lock only if its buyer or its merchant is the bank's customer.
  if me.kind = 'bank' and lock ->> 'status' <> 'none' and not ledger.held_at(lock ->> 'buyerWallet', me.bank, array['user'])
     and not ledger.held_at(lock ->> 'merchantWallet', me.bank, array['user']) then
    perform ledger.fail('UNAUTHORISED', 'the escrow of order ' || p_order || ' concerns none of ' || me.bank || '''s customers');
  end if;
  return lock;
end $$;

-- CONFIRMED on-chain: pay the merchant and the platform's commission, both legs in one transaction.
-- Returns what the settlement receipt states: wallets, amounts, journal position and hash.
create function ledger.post_escrow(p_key text, p_order text, p_decision jsonb) returns jsonb
language plpgsql security definer set search_path = ledger, pg_temp as $$
declare
  -- The banks keep this right until the escrow agent alone moves escrowed money.
  me ledger.parties := ledger.caller(array['bank', 'escrowAgent']);
  prior jsonb := ledger.begin_operation(p_key, 'post_escrow', jsonb_build_object('order', p_order, 'decision', p_decision));
  tx text;
  leg ledger.transfers;
  entry jsonb;
  merchant_leg ledger.transfers;
begin
  if prior is not null then return prior; end if;
  -- CHALLENGED is a confirmed order still unsettled: the bank proves by paying now.
  tx := ledger.accept_decision(p_order, p_decision, 'post escrow', array['CONFIRMED', 'CHALLENGED']);
  for leg in select * from ledger.open_pending(p_order, 'escrow:merchant') union all select * from ledger.open_pending(p_order, 'escrow:commission') loop
    entry := ledger.post_pending(leg, tx);
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

-- REJECTED, EXPIRED or REFUNDED on-chain: the buyer gets the locked funds back.
create function ledger.void_escrow(p_key text, p_order text, p_decision jsonb) returns jsonb
language plpgsql security definer set search_path = ledger, pg_temp as $$
declare
  -- The banks keep this right until the escrow agent alone moves escrowed money.
  me ledger.parties := ledger.caller(array['bank', 'escrowAgent']);
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

-- A disputing party (buyer or courier) locks its deposit, equal to the price, into the dispute pool.
create function ledger.lock_deposit(p_key text, p_order text, p_party text, p_wallet text, p_secret text, p_amount bigint) returns jsonb
language plpgsql security definer set search_path = ledger, pg_temp as $$
declare
  me ledger.parties := ledger.caller(array['platform']);
  prior jsonb := ledger.begin_operation(p_key, 'lock_deposit', jsonb_build_object('order', p_order, 'party', p_party, 'wallet', p_wallet, 'amount', p_amount::text));
  v_id text := 'deposit:' || p_order || ':' || p_party;
begin
  if prior is not null then return prior; end if;
  perform ledger.lock_order(p_order);
  perform ledger.require_owner(p_wallet, p_secret);
  if p_party not in ('buyer', 'courier') then perform ledger.fail('BAD_ARGUMENT', 'a deposit is the buyer''s or the courier''s'); end if;
  if exists (select 1 from ledger.transfers t where t.id = v_id) then
    perform ledger.fail('ALREADY_EXISTS', 'the ' || p_party || '''s deposit for order ' || p_order || ' is already locked');
  end if;
  perform ledger.reserve(v_id, p_wallet, 'dispute-pool', p_amount, p_order, 'deposit:' || p_party);
  return ledger.finish_operation(p_key, jsonb_build_object('order', p_order, 'party', p_party, 'lockRef', v_id));
end $$;

-- A resolved dispute: the winner's deposit goes back; the loser's is split, half (rounded down) to the
-- winner and the rest to the platform — exactly the payouts the contract computed, or nothing moves.
create function ledger.settle_deposits(p_key text, p_order text, p_decision jsonb, p_winner text, p_platform_wallet text,
                                       p_winner_payout bigint, p_platform_payout bigint) returns jsonb
language plpgsql security definer set search_path = ledger, pg_temp as $$
declare
  -- The banks keep this right until the escrow agent alone moves escrowed money.
  me ledger.parties := ledger.caller(array['bank', 'escrowAgent']);
  prior jsonb := ledger.begin_operation(p_key, 'settle_deposits', jsonb_build_object('order', p_order, 'decision', p_decision,
    'winner', p_winner, 'platform', p_platform_wallet, 'winnerPayout', p_winner_payout::text, 'platformPayout', p_platform_payout::text));
  tx text;
  loser text := case p_winner when 'buyer' then 'courier' when 'courier' then 'buyer' end;
  won ledger.transfers;
  lost ledger.transfers;
  half bigint := 0;
begin
  if prior is not null then return prior; end if;
  if loser is null then perform ledger.fail('BAD_ARGUMENT', 'the winner is the buyer or the courier'); end if;
  if (p_decision ->> 'action') is distinct from 'resolveDispute' then
    perform ledger.fail('DECISION_MISMATCH', 'deposits are settled only on the dispute''s resolution');
  end if;
  tx := ledger.accept_decision(p_order, p_decision, 'settle deposits',
    array[case p_winner when 'courier' then 'CONFIRMED' else 'REFUNDED' end]);
  select * into won from ledger.open_pending(p_order, 'deposit:' || p_winner);
  select * into lost from ledger.open_pending(p_order, 'deposit:' || loser);
  if lost.id is not null then half := lost.amount / 2; end if;
  if coalesce(won.amount, 0) + half <> p_winner_payout or coalesce(lost.amount, 0) - half <> p_platform_payout then
    perform ledger.fail('DECISION_MISMATCH', 'the payouts do not match the locked deposits');
  end if;
  if won.id is not null then perform ledger.void_pending(won, tx); end if;
  if lost.id is not null then
    perform ledger.post_pending(lost, tx);
    if half > 0 then
      if won.id is null then perform ledger.fail('DECISION_MISMATCH', 'a party that did not deposit cannot win the other''s deposit'); end if;
      perform ledger.move(lost.id || ':to-winner', 'pay', 'dispute-pool', won.debit_account, half, p_order, 'dispute:winner', tx);
    end if;
    perform ledger.move(lost.id || ':to-platform', 'pay', 'dispute-pool', p_platform_wallet, lost.amount - half, p_order, 'dispute:platform', tx);
  end if;
  return ledger.finish_operation(p_key, jsonb_build_object('order', p_order, 'winner', p_winner,
    'winnerPayout', p_winner_payout::text, 'platformPayout', p_platform_payout::text));
end $$;

-- COMPENSATED on-chain: the merchant's bank never proved settlement. Its reserve pays the merchant
-- and the platform; the escrowed funds go to the reserve instead of the merchant.
create function ledger.compensate(p_key text, p_order text, p_decision jsonb, p_reserve text) returns jsonb
language plpgsql security definer set search_path = ledger, pg_temp as $$
declare
  -- The banks keep this right until the escrow agent alone moves escrowed money.
  me ledger.parties := ledger.caller(array['bank', 'escrowAgent']);
  prior jsonb := ledger.begin_operation(p_key, 'compensate', jsonb_build_object('order', p_order, 'decision', p_decision, 'reserve', p_reserve));
  tx text;
  leg ledger.transfers;
begin
  if prior is not null then return prior; end if;
  tx := ledger.accept_decision(p_order, p_decision, 'compensate', array['COMPENSATED']);
  if not exists (select 1 from ledger.accounts where id = p_reserve and kind = 'reserve') then
    perform ledger.fail('BAD_ARGUMENT', p_reserve || ' is not a reserve account');
  end if;
  for leg in select * from ledger.open_pending(p_order, 'escrow:merchant') union all select * from ledger.open_pending(p_order, 'escrow:commission') loop
    perform ledger.void_pending(leg, tx);
    perform ledger.move(leg.id || ':recovery', 'pay', leg.debit_account, p_reserve, leg.amount, p_order, 'compensation:recovery', tx);
    perform ledger.move(leg.id || ':compensation', 'pay', p_reserve, leg.credit_account, leg.amount, p_order, 'compensation', tx);
  end loop;
  return ledger.finish_operation(p_key, jsonb_build_object('order', p_order, 'status', 'compensated'));
end $$;

-- A party's deposit for a disputed order, for its bank to record on-chain once it is locked.
create function ledger.deposit_of(p_order text, p_party text) returns jsonb
language plpgsql security definer set search_path = ledger, pg_temp as $$
declare
  me ledger.parties := ledger.caller(array['bank', 'centralBank', 'escrowAgent']);
  deposit jsonb;
  wallet text;
begin
  select jsonb_build_object('lockRef', p.id, 'amount', p.amount::text,
      'status', case when r.id is null then 'locked' when r.kind = 'post' then 'posted' else 'voided' end), p.debit_account
    into deposit, wallet
    from ledger.transfers p left join ledger.transfers r on r.pending_id = p.id
   where p.kind = 'pending' and p.order_id = p_order and p.purpose = 'deposit:' || p_party;
  if deposit is null then return jsonb_build_object('status', 'none'); end if;
  if me.kind = 'bank' and not ledger.held_at(wallet, me.bank, array['user']) then
    perform ledger.fail('UNAUTHORISED', 'the ' || p_party || '''s deposit for order ' || p_order || ' is not from a customer of ' || me.bank);
  end if;
  return deposit;
end $$;

create function ledger.balance(p_wallet text, p_secret text) returns jsonb
language plpgsql security definer set search_path = ledger, pg_temp as $$
declare
  me ledger.parties := ledger.caller(array['platform', 'bank', 'centralBank']);
  acct ledger.accounts := ledger.require_owner(p_wallet, p_secret);
begin
  if me.kind = 'bank' and acct.bank <> me.bank then
    perform ledger.fail('UNAUTHORISED', 'wallet ' || p_wallet || ' is not held at ' || me.bank);
  end if;
  return jsonb_build_object('wallet', acct.id, 'available', acct.balance::text,
    'locked', coalesce((select sum(p.amount) from ledger.transfers p where p.kind = 'pending' and p.debit_account = acct.id
      and not exists (select 1 from ledger.transfers r where r.pending_id = p.id)), 0)::text);
end $$;

create function ledger.history(p_wallet text, p_secret text, p_limit int) returns jsonb
language plpgsql security definer set search_path = ledger, pg_temp as $$
declare
  me ledger.parties := ledger.caller(array['platform', 'bank', 'centralBank']);
  acct ledger.accounts := ledger.require_owner(p_wallet, p_secret);
begin
  if me.kind = 'bank' and acct.bank <> me.bank then
    perform ledger.fail('UNAUTHORISED', 'wallet ' || p_wallet || ' is not held at ' || me.bank);
  end if;
  return coalesce((select jsonb_agg(t order by t.created_at desc, t.id) from (
    select id, kind, debit_account as debit, credit_account as credit, amount::text as amount, order_id as "order", purpose, created_at
      from ledger.transfers where debit_account = p_wallet or credit_account = p_wallet
     order by created_at desc, id limit least(greatest(coalesce(p_limit, 50), 1), 500)) t), '[]'::jsonb);
end $$;

-- What the platform may know: is the order paid into escrow (or out of it), and for the amount it expects.
create function ledger.order_paid(p_order text, p_expected_amount bigint) returns jsonb
language plpgsql security definer set search_path = ledger, pg_temp as $$
begin
  perform ledger.caller(array['platform', 'centralBank']);
  return (select jsonb_build_object('paid', coalesce(bool_or(r.kind is distinct from 'void'), false),
                            'amountMatches', coalesce(sum(p.amount) = p_expected_amount, false))
  from ledger.transfers p left join ledger.transfers r on r.pending_id = p.id
  where p.kind = 'pending' and p.order_id = p_order and p.purpose like 'escrow:%');
end $$;

-- sum(balances) + sum(pending) = minted - redeemed, and the issuance account mirrors it.
create function ledger.check_invariant() returns jsonb
language plpgsql security definer set search_path = ledger, pg_temp as $$
begin
  perform ledger.caller(array['centralBank', 'escrowAgent']);
  return (with totals as (
    select (select coalesce(sum(balance), 0) from ledger.accounts where kind <> 'issuance') as balances,
           (select coalesce(sum(p.amount), 0) from ledger.transfers p where p.kind = 'pending'
              and not exists (select 1 from ledger.transfers r where r.pending_id = p.id)) as pending,
           (select coalesce(sum(amount), 0) from ledger.transfers where kind = 'mint') as minted,
           (select coalesce(sum(amount), 0) from ledger.transfers where kind = 'redeem') as redeemed,
           (select balance from ledger.accounts where kind = 'issuance') as issuance
  )
  select jsonb_build_object('ok', balances + pending = minted - redeemed and issuance = redeemed - minted,
    'balances', balances::text, 'pending', pending::text, 'minted', minted::text, 'redeemed', redeemed::text)
  from totals);
end $$;

-- Orders that still hold locked funds: each must be a live order on the channel.
create function ledger.orders_with_pending() returns jsonb
language plpgsql security definer set search_path = ledger, pg_temp as $$
begin
  perform ledger.caller(array['centralBank', 'escrowAgent']);
  return (select coalesce(jsonb_agg(distinct p.order_id), '[]'::jsonb) from ledger.transfers p
   where p.kind = 'pending' and not exists (select 1 from ledger.transfers r where r.pending_id = p.id));
end $$;

-- Who may call what: each kind of party's group role (every party's login role is a member of its
-- kind's group). Nothing else in the schema is reachable; the functions check again, per row.
revoke all on all tables in schema ledger from public;
revoke execute on all functions in schema ledger from public;
grant usage on schema ledger to securepay_platform, securepay_bank, securepay_central_bank, securepay_escrow_agent;
grant execute on function ledger.open_account(text, text, text, text, text)
  to securepay_central_bank, securepay_bank, securepay_platform;
grant execute on function ledger.mint(text, text, bigint) to securepay_central_bank;
grant execute on function ledger.redeem(text, text, bigint) to securepay_central_bank, securepay_bank;
grant execute on function ledger.fund(text, text, text, bigint) to securepay_bank;
grant execute on function ledger.lock_escrow(text, text, text, text, text, text, bigint, bigint),
  ledger.lock_deposit(text, text, text, text, text, bigint) to securepay_platform;
grant execute on function ledger.escrow_of(text), ledger.deposit_of(text, text)
  to securepay_bank, securepay_central_bank, securepay_escrow_agent;
-- The banks' bridges still call these; the next step leaves them to the escrow agent alone.
grant execute on function ledger.post_escrow(text, text, jsonb), ledger.void_escrow(text, text, jsonb),
  ledger.settle_deposits(text, text, jsonb, text, text, bigint, bigint), ledger.compensate(text, text, jsonb, text)
  to securepay_bank, securepay_escrow_agent;
grant execute on function ledger.balance(text, text), ledger.history(text, text, int)
  to securepay_platform, securepay_bank, securepay_central_bank;
grant execute on function ledger.order_paid(text, bigint) to securepay_platform, securepay_central_bank;
grant execute on function ledger.check_invariant(), ledger.orders_with_pending() to securepay_central_bank, securepay_escrow_agent;
