-- A bank's bridge checks the locks of every order an approval event names in one call rather than
-- one call per order: under the orders bench the banks called escrow_of ~5.5 times per order (each
-- approval event asks again whether the bank may now approve), each a round trip and a transaction.

-- What a lock is, once: each order's escrow legs summed into the lock a bank checks. escrow_of and
-- escrows_of both answer from it, so the two can never tell a lock differently. No party may call it:
-- the functions that use it decide who sees which lock.
create function ledger.escrow_locks(p_orders text[])
returns table (order_id text, buyer_wallet text, merchant_wallet text, lock jsonb)
language sql stable security definer set search_path = ledger, pg_temp as $$
  with legs as (
    select p.order_id, p.debit_account, p.credit_account, p.amount, p.purpose, r.kind as resolution
      from ledger.transfers p left join ledger.transfers r on r.pending_id = p.id
     where p.kind = 'pending' and p.order_id = any(p_orders) and p.purpose like 'escrow:%')
  select order_id,
         max(debit_account),
         max(credit_account) filter (where purpose = 'escrow:merchant'),
         jsonb_build_object(
           'order', order_id,
           'buyerWallet', max(debit_account),
           'merchantWallet', max(credit_account) filter (where purpose = 'escrow:merchant'),
           'platformWallet', max(credit_account) filter (where purpose = 'escrow:commission'),
           'merchantAmount', coalesce(sum(amount) filter (where purpose = 'escrow:merchant'), 0)::text,
           'commissionAmount', coalesce(sum(amount) filter (where purpose = 'escrow:commission'), 0)::text,
           'status', case when bool_and(resolution is null) then 'locked'
                          when bool_and(resolution = 'post') then 'posted' else 'voided' end)
    from legs group by order_id
$$;
revoke execute on function ledger.escrow_locks(text[]) from public;

-- One order's lock, from the same definition; as before, a bank asking for a lock that pays none of
-- its customers is refused.
create or replace function ledger.escrow_of(p_order text) returns jsonb
language plpgsql security definer set search_path = ledger, pg_temp as $$
declare
  me ledger.parties := ledger.caller(array['bank', 'centralBank', 'escrowAgent']);
  found_lock record;
begin
  select * into found_lock from ledger.escrow_locks(array[p_order]);
  if not found then return jsonb_build_object('order', p_order, 'status', 'none'); end if;
  if me.kind = 'bank' and not ledger.held_at(found_lock.buyer_wallet, me.bank, array['user'])
     and not ledger.held_at(found_lock.merchant_wallet, me.bank, array['user']) then
    perform ledger.fail('UNAUTHORISED', 'the escrow of order ' || p_order || ' concerns none of ' || me.bank || '''s customers');
  end if;
  return found_lock.lock;
end $$;

-- Up to 500 orders' locks, each as escrow_of shows it. A lock that pays none of the calling bank's
-- customers answers as no lock (status none) instead of refusing the whole call: the bank treats
-- escrow_of's UNAUTHORISED the same way, and it learns less from it.
create function ledger.escrows_of(p_orders text[]) returns jsonb
language plpgsql security definer set search_path = ledger, pg_temp as $$
declare
  me ledger.parties := ledger.caller(array['bank', 'centralBank', 'escrowAgent']);
begin
  if p_orders is null or cardinality(p_orders) > 500 or array_position(p_orders, null) is not null then
    perform ledger.fail('BAD_ARGUMENT', 'give from 0 to 500 order ids, none of them null');
  end if;
  return coalesce((
    select jsonb_object_agg(w.order_id,
             case when l.order_id is null
                    or (me.kind = 'bank' and not ledger.held_at(l.buyer_wallet, me.bank, array['user'])
                        and not ledger.held_at(l.merchant_wallet, me.bank, array['user']))
                  then jsonb_build_object('order', w.order_id, 'status', 'none')
                  else l.lock end)
      from (select distinct unnest(p_orders) as order_id) w
      left join ledger.escrow_locks(p_orders) l on l.order_id = w.order_id), '{}'::jsonb);
end $$;

revoke execute on function ledger.escrows_of(text[]) from public;
grant execute on function ledger.escrows_of(text[]) to securepay_bank, securepay_central_bank, securepay_escrow_agent;
