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
  -- Until the escrow agent sees the order on the chain, the lock may be an orphan (the proposal never
  -- committed): past this expiry the agent gives it back to the buyer.
  perform ledger.reserve('escrow:' || p_order || ':merchant', p_buyer_wallet, p_merchant_wallet, p_merchant_amount, p_order,
    'escrow:merchant', now() + ledger.orphan_after());
  if p_commission_amount > 0 then
    perform ledger.reserve('escrow:' || p_order || ':commission', p_buyer_wallet, p_platform_wallet, p_commission_amount, p_order,
      'escrow:commission', now() + ledger.orphan_after());
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
grant execute on function ledger.lock_escrow(text, text, text, text, text, text, bigint, bigint) to securepay_platform;
grant execute on function ledger.escrow_of(text), ledger.deposit_of(text, text)
  to securepay_bank, securepay_central_bank, securepay_escrow_agent;
grant execute on function ledger.balance(text, text), ledger.history(text, text, int)
  to securepay_platform, securepay_bank, securepay_central_bank;
grant execute on function ledger.order_paid(text, bigint) to securepay_platform, securepay_central_bank;
grant execute on function ledger.check_invariant(), ledger.orders_with_pending() to securepay_central_bank, securepay_escrow_agent;
