-- Merchants' statements and retries that complete a step exactly once.

-- The transaction that moved an order into its final state (SETTLED, COMPENSATED, REFUNDED, REJECTED,
-- EXPIRED): for a settled, compensated or refunded order, the settlement proof a merchant's statement
-- names (its tx id and block) and the time its period is judged by. A final state takes no further
-- change, so a final row's last change is that transaction: rows listed before this migration are
-- filled from it.
alter table platform.order_listing
  add column final_tx_id text,
  add column final_block_number bigint,
  add column final_at timestamptz,
  add constraint final_all_or_none check ((final_tx_id is null) = (final_block_number is null) and (final_tx_id is null) = (final_at is null));
update platform.order_listing set final_tx_id = last_tx_id, final_block_number = block_number, final_at = updated_at
 where state in ('SETTLED', 'COMPENSATED', 'REFUNDED', 'REJECTED', 'EXPIRED');
create index order_listing_merchant_final on platform.order_listing (merchant_msp, merchant_party, final_at, order_id)
  where final_at is not null;

-- An Idempotency-Key's first attempt, and whether its last attempt failed on our side (5xx): a retry
-- takes over at once and is told when the key was first tried, so that a step the failed attempt did
-- commit after all is answered as done, not refused as already done.
alter table platform.idempotency
  add column first_seen_at timestamptz not null default now(),
  add column failed_at timestamptz;

-- What a merchant's statement needs from the ledger, for orders the platform names: each order's escrow
-- legs (the amount locked for the merchant and the commission, and whether each was posted or voided)
-- and the late-settlement penalty paid into the merchant's wallet. The same rights as `history`: the
-- platform alone, and only with the merchant wallet's owner credential, which it holds for its
-- custodial users; only orders whose merchant leg credits that wallet are answered. The commission leg
-- is the platform's own income on terms it wrote; the buyer's wallet is never returned.
create function ledger.merchant_statement(p_wallet text, p_secret text, p_orders text[]) returns jsonb
language plpgsql security definer set search_path = ledger, pg_temp as $$
declare
  me ledger.parties := ledger.caller(array['platform']);
  acct ledger.accounts := ledger.require_owner(p_wallet, p_secret);
begin
  if p_orders is null or cardinality(p_orders) > 1000 then
    perform ledger.fail('BAD_ARGUMENT', 'a statement reads at most 1000 orders at a time');
  end if;
  return coalesce((select jsonb_agg(jsonb_build_object(
      'order', m.order_id,
      'merchantAmount', m.amount::text,
      'merchantLeg', case when mr.kind is null then 'locked' when mr.kind = 'post' then 'posted' else 'voided' end,
      'commissionAmount', coalesce(c.amount, 0)::text,
      'commissionLeg', case when c.id is null then 'none' when cr.kind is null then 'locked' when cr.kind = 'post' then 'posted' else 'voided' end,
      'penalty', coalesce((select sum(p.amount) from ledger.transfers p
                            where p.kind = 'pay' and p.order_id = m.order_id and p.purpose = 'compensation:penalty'
                              and p.credit_account = acct.id), 0)::text,
      'resolvedAt', mr.created_at) order by m.order_id)
    from ledger.transfers m
    left join ledger.transfers mr on mr.pending_id = m.id
    left join ledger.transfers c on c.kind = 'pending' and c.order_id = m.order_id and c.purpose = 'escrow:commission'
    left join ledger.transfers cr on cr.pending_id = c.id
   where m.kind = 'pending' and m.purpose = 'escrow:merchant' and m.credit_account = acct.id and m.order_id = any (p_orders)), '[]'::jsonb);
end $$;

revoke execute on function ledger.merchant_statement(text, text, text[]) from public;
grant execute on function ledger.merchant_statement(text, text, text[]) to securepay_platform;
