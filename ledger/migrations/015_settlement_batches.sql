-- The escrow agent settles a transaction's orders in three calls rather than three per order: what it
-- proved of each order (record_chain_orders), the postings (post_escrows) and the receipts it signed
-- (record_receipts). Under the orders bench one call per order had the agent's postings queueing on
-- the platform's fee account and the journal head (post_escrow averaged 27 ms, most of it waiting for
-- row locks, ~2,500 calls a minute), and every call was a round trip, a transaction and a commit.

-- What the agent proved of several orders from its own peer; as record_chain_order, older news never
-- overwrites newer (an order named twice keeps its latest block).
create function ledger.record_chain_orders(p_orders jsonb) returns void
language plpgsql security definer set search_path = ledger, pg_temp as $$
declare
  me ledger.parties := ledger.caller(array['escrowAgent']);
begin
  if jsonb_typeof(p_orders) is distinct from 'array' or jsonb_array_length(p_orders) > 500 then
    perform ledger.fail('BAD_ARGUMENT', 'give an array of at most 500 orders');
  end if;
  if exists (select 1 from jsonb_to_recordset(p_orders) as o("orderId" text, state text, "buyerBank" text, "merchantBank" text, "blockNumber" bigint, "txId" text)
              where o."orderId" is null or o.state is null or o."buyerBank" is null or o."merchantBank" is null
                 or o."blockNumber" is null or o."txId" is null) then
    perform ledger.fail('BAD_ARGUMENT', 'every order needs orderId, state, buyerBank, merchantBank, blockNumber and txId');
  end if;
  insert into ledger.chain_orders as c (order_id, state, buyer_bank, merchant_bank, deposit_by, block_number, tx_id)
  select distinct on (o."orderId") o."orderId", o.state, o."buyerBank", o."merchantBank",
         case when o."depositByMs" is null then null else to_timestamp(o."depositByMs" / 1000.0) end, o."blockNumber", o."txId"
    from jsonb_to_recordset(p_orders) as o("orderId" text, state text, "buyerBank" text, "merchantBank" text, "depositByMs" bigint,
                                            "blockNumber" bigint, "txId" text)
   order by o."orderId", o."blockNumber" desc
  on conflict (order_id) do update set state = excluded.state, deposit_by = excluded.deposit_by, block_number = excluded.block_number,
    tx_id = excluded.tx_id, updated_at = now()
  where c.block_number <= excluded.block_number;
  -- An order on the chain keeps its escrow until the chain decides: the lock no longer expires.
  update ledger.transfers set expires_at = null
   where kind = 'pending' and purpose like 'escrow:%' and expires_at is not null
     and order_id in (select o->>'orderId' from jsonb_array_elements(p_orders) as o);
end $$;

-- Several orders' escrows posted in one transaction, each exactly as post_escrow posts it (same key,
-- same checks, same result). One order's refusal (a decision that does not allow posting, an escrow
-- already voided) is returned in its place, `CODE: message`, and does not undo the others. `receipt`
-- says whether the order's receipt is already recorded, so the agent signs only the missing ones.
create function ledger.post_escrows(p_items jsonb) returns jsonb
language plpgsql security definer set search_path = ledger, pg_temp as $$
declare
  me ledger.parties := ledger.caller(array['escrowAgent']);
  item jsonb;
  answers jsonb := '[]'::jsonb;
begin
  if jsonb_typeof(p_items) is distinct from 'array' or jsonb_array_length(p_items) > 500 then
    perform ledger.fail('BAD_ARGUMENT', 'give an array of at most 500 postings');
  end if;
  -- Every posting appends to the journal; taking its head first makes concurrent batches wait for
  -- each other here instead of deadlocking on the accounts they credit in different orders.
  perform 1 from ledger.journal_head for update;
  for item in select value from jsonb_array_elements(p_items) loop
    begin
      answers := answers || jsonb_build_array(jsonb_build_object(
        'orderId', item ->> 'orderId',
        'posting', ledger.post_escrow(item ->> 'key', item ->> 'orderId', item -> 'decision'),
        'receipt', exists (select 1 from ledger.receipts where order_id = item ->> 'orderId')));
    exception when sqlstate 'P0001' then
      answers := answers || jsonb_build_array(jsonb_build_object('orderId', item ->> 'orderId', 'refused', sqlerrm));
    end;
  end loop;
  return answers;
end $$;

-- The receipts the agent signed, by order; a receipt already recorded is kept (as record_receipt).
create function ledger.record_receipts(p_receipts jsonb) returns void
language plpgsql security definer set search_path = ledger, pg_temp as $$
declare
  me ledger.parties := ledger.caller(array['escrowAgent']);
begin
  if jsonb_typeof(p_receipts) is distinct from 'object' then
    perform ledger.fail('BAD_ARGUMENT', 'give the receipts as an object of order id to signed receipt');
  end if;
  insert into ledger.receipts (order_id, signed)
  select key, value from jsonb_each(p_receipts) on conflict (order_id) do nothing;
end $$;

revoke execute on function ledger.record_chain_orders(jsonb), ledger.post_escrows(jsonb), ledger.record_receipts(jsonb) from public;
grant execute on function ledger.record_chain_orders(jsonb), ledger.post_escrows(jsonb), ledger.record_receipts(jsonb)
  to securepay_escrow_agent;
