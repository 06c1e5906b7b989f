-- A merchant's bank asks for an order's receipt as soon as its own peer shows the order CONFIRMED.
-- The escrow agent may not have read that order from its peer yet: that is "not yet", which the
-- bridge asks again for in a moment, not "not yours", which it treats as a failure and retries with
-- backoff (seconds per order under load). Only an order the ledger knows, at another bank, is refused.
create or replace function ledger.receipt_of(p_order text) returns jsonb
language plpgsql security definer set search_path = ledger, pg_temp as $$
declare
  me ledger.parties := ledger.caller(array['bank', 'centralBank', 'escrowAgent']);
  chain ledger.chain_orders;
begin
  if me.kind = 'bank' then
    select * into chain from ledger.chain_orders where order_id = p_order;
    if not found then
      perform ledger.fail('NOT_SEEN', 'the escrow agent has not seen order ' || p_order || ' on the chain yet');
    end if;
    if chain.merchant_bank <> me.bank then
      perform ledger.fail('UNAUTHORISED', 'the settlement of order ' || p_order || ' is no business of ' || me.bank);
    end if;
  end if;
  return (select signed from ledger.receipts where order_id = p_order);
end $$;
