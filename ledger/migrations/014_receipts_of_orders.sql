-- A merchant's bank asks for the receipts of every order a confirmation batch named in one call, and
-- again for those still waiting each time the batch's job is asked again: one query per retry rather
-- than one per order (under the orders bench a lagging escrow agent had the banks asking ~8,000
-- times in eight minutes).
-- The answer maps each order the escrow agent has seen to its signed receipt, or to null while it is
-- unpaid; an order the agent has not seen yet is left out ("not yet", as NOT_SEEN is for one order).
-- An order the ledger knows at another bank refuses the whole call, as receipt_of refuses it alone.
create function ledger.receipts_of(p_orders text[]) returns jsonb
language plpgsql security definer set search_path = ledger, pg_temp as $$
declare
  me ledger.parties := ledger.caller(array['bank', 'centralBank', 'escrowAgent']);
  foreign_order text;
begin
  if p_orders is null or cardinality(p_orders) > 500 then
    perform ledger.fail('BAD_ARGUMENT', 'give from 0 to 500 order ids');
  end if;
  if me.kind = 'bank' then
    select c.order_id into foreign_order from ledger.chain_orders c
     where c.order_id = any(p_orders) and c.merchant_bank <> me.bank
     order by c.order_id limit 1;
    if found then
      perform ledger.fail('UNAUTHORISED', 'the settlement of order ' || foreign_order || ' is no business of ' || me.bank);
    end if;
  end if;
  return coalesce((select jsonb_object_agg(c.order_id, r.signed)
                     from ledger.chain_orders c left join ledger.receipts r on r.order_id = c.order_id
                    where c.order_id = any(p_orders)), '{}'::jsonb);
end $$;

revoke execute on function ledger.receipts_of(text[]) from public;
grant execute on function ledger.receipts_of(text[]) to securepay_bank, securepay_central_bank, securepay_escrow_agent;
