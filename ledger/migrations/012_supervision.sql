-- The central bank's supervision: what the money issuer may see of its own ledger and of the chain
-- (SecurePay's counter-party auditing and closed-loop regulation). Every unit in escrow must be backed
-- by an order on the chain and every release by a committed decision, and the central bank checks it
-- without learning who bought what: these functions return totals, order ids and bank MSP ids, never a
-- wallet id, an owner credential or a name. They are the central bank's login's alone (its group
-- role): no bank, not the platform, not the escrow agent.
--
-- Beside them, the central bank's own reading of the chain (`supervision.chain_orders`): each order's
-- latest state as its own peer committed it, kept by the supervision service as it scans blocks, and
-- where that scan got to (`supervision.chain_scan`), so that a restarted service resumes there.

create schema supervision;
revoke all on schema supervision from public;

-- Each order as the newest VALID transaction that wrote it left it, on the central bank's peer.
create table supervision.chain_orders (
  order_id text primary key,
  state text not null,
  buyer_bank text not null,
  merchant_bank text not null,
  -- The order's own creation time and the deadline of the state it is in (none once final).
  created_at timestamptz not null,
  deadline_name text,
  deadline timestamptz,
  -- The transaction that wrote this state: its id, block, place in the block and timestamp.
  tx_id text not null,
  block_number bigint not null,
  tx_index int not null,
  written_at timestamptz not null,
  -- The first block this scan saw the order in.
  first_block bigint not null,
  -- Every transition the chain recorded for the order, [{txId, to, action}]: what the ledger's
  -- resolutions must name.
  transitions jsonb not null,
  updated_at timestamptz not null default now(),
  check ((deadline_name is null) = (deadline is null))
);
create index chain_orders_overdue on supervision.chain_orders (deadline) where deadline is not null;

-- How far the scan has read: the next block to read, and the data hash of the one before it (a chain
-- that does not hold that block any more is another chain, not one to resume on).
create table supervision.chain_scan (
  singleton boolean primary key default true check (singleton),
  next_block bigint not null check (next_block >= 0),
  last_block_hash text,
  updated_at timestamptz not null default now()
);

create function supervision.order_states() returns text[] language sql immutable as $$
  select array['PROPOSED', 'ESCROWED', 'SHIPPED', 'DELIVERED', 'CONFIRMED', 'DISPUTED', 'CHALLENGED',
               'SETTLED', 'REFUNDED', 'REJECTED', 'EXPIRED', 'COMPENSATED'];
$$;

create function supervision.ms(p_epoch_ms bigint) returns timestamptz language sql immutable as $$
  select case when p_epoch_ms is null then null else to_timestamp(p_epoch_ms / 1000.0) end;
$$;

-- An open (unresolved) pending transfer.
create function supervision.is_open(p_id text) returns boolean language sql stable as $$
  select not exists (select 1 from ledger.transfers r where r.pending_id = p_id);
$$;

-- ---------------------------------------------------------------------------------------------
-- Supply: minted - redeemed = balances + locked, to the minor unit.

create function supervision.supply() returns jsonb
language plpgsql security definer set search_path = ledger, pg_temp as $$
declare
  me ledger.parties := ledger.caller(array['centralBank']);
begin
  return (with
    balances as (select kind, coalesce(sum(balance), 0) as amount from ledger.accounts where kind <> 'issuance' group by kind),
    locked as (
      select split_part(p.purpose, ':', 1) as kind, coalesce(sum(p.amount), 0) as amount
        from ledger.transfers p where p.kind = 'pending' and supervision.is_open(p.id) group by 1),
    totals as (
      select (select coalesce(sum(amount), 0) from balances) as balances,
             (select coalesce(sum(amount), 0) from locked) as locked,
             (select coalesce(sum(amount), 0) from ledger.transfers where kind = 'mint') as minted,
             (select coalesce(sum(amount), 0) from ledger.transfers where kind = 'redeem') as redeemed,
             (select coalesce(sum(balance), 0) from ledger.accounts where kind = 'issuance') as issuance)
  select jsonb_build_object(
    'minted', minted::text, 'redeemed', redeemed::text, 'outstanding', (minted - redeemed)::text,
    'balances', balances::text, 'locked', locked::text,
    -- balances + locked - (minted - redeemed): zero, or by how much the books are off.
    'difference', (balances + locked - (minted - redeemed))::text,
    -- The issuance account mirrors what is outstanding.
    'issuance', issuance::text,
    'ok', balances + locked = minted - redeemed and issuance = redeemed - minted,
    'balancesByKind', (select jsonb_object_agg(k.kind, coalesce(b.amount, 0)::text)
                         from unnest(array['user', 'platform', 'bank', 'reserve', 'pool']) k(kind) left join balances b using (kind)),
    'lockedByKind', (select jsonb_object_agg(k.kind, coalesce(l.amount, 0)::text)
                       from unnest(array['escrow', 'deposit']) k(kind) left join locked l using (kind)))
  from totals);
end $$;

-- The journal's hash chain checked from its first entry: each entry's hash is sha256(previous hash ||
-- entry) over the transfer it records (as ledger.append_journal computes it), each entry names its
-- predecessor's hash, positions run 1, 2, 3, … without a gap, and the head names the last entry.
-- `firstBreak` is the first position where the chain does not hold.
create function supervision.verify_journal() returns jsonb
language plpgsql security definer set search_path = ledger, pg_temp as $$
declare
  me ledger.parties := ledger.caller(array['centralBank']);
  head ledger.journal_head;
  entries bigint;
  last_position bigint;
  last_hash text;
  broken record;
begin
  select * into head from ledger.journal_head;
  select count(*), max(position) into entries, last_position from ledger.journal;
  select entry_hash into last_hash from ledger.journal where position = last_position;
  select * into broken from (
    select case when j.position <> j.expected_position then j.expected_position else j.position end as position,
           case when j.position <> j.expected_position then 'missing entry'
                when j.entry is null then 'entry without its transfer'
                when j.prev_hash <> j.expected_prev then 'previous hash does not match'
                else 'entry hash does not match the transfer' end as reason
      from (
        select j.position, j.prev_hash, j.entry_hash,
               coalesce(lag(j.position) over w, 0) + 1 as expected_position,
               coalesce(lag(j.entry_hash) over w, repeat('0', 64)) as expected_prev,
               jsonb_build_object('id', t.id, 'kind', t.kind, 'debit', t.debit_account, 'credit', t.credit_account,
                                  'amount', t.amount::text, 'order', t.order_id, 'purpose', t.purpose)::text as entry
          from ledger.journal j left join ledger.transfers t on t.id = j.transfer_id
        window w as (order by j.position)) j
     where j.position <> j.expected_position or j.entry is null or j.prev_hash <> j.expected_prev
        or j.entry_hash <> encode(sha256(convert_to(j.prev_hash || j.entry, 'UTF8')), 'hex')
     order by j.position limit 1) b;
  if broken.position is null and (head.position <> coalesce(last_position, 0) or head.entry_hash <> coalesce(last_hash, repeat('0', 64))) then
    select least(head.position, coalesce(last_position, 0)) + 1 as position, 'the head does not name the last entry' as reason into broken;
  end if;
  return jsonb_build_object('ok', broken.position is null, 'entries', entries, 'headPosition', head.position,
    'firstBreak', broken.position, 'reason', broken.reason);
end $$;

-- ---------------------------------------------------------------------------------------------
-- Exposure per bank: what its customers hold, what is locked for them, what it holds and has paid.

create function supervision.exposure() returns jsonb
language plpgsql security definer set search_path = ledger, pg_temp as $$
declare
  me ledger.parties := ledger.caller(array['centralBank']);
begin
  return coalesce((with
    banks as (select bank from ledger.parties where kind = 'bank'
              union select bank from ledger.accounts where kind in ('bank', 'reserve', 'user')),
    open_locks as (
      select p.order_id, p.purpose, p.amount, a.bank
        from ledger.transfers p join ledger.accounts a on a.id = p.debit_account
       where p.kind = 'pending' and a.kind = 'user' and supervision.is_open(p.id)),
    late as (
      select merchant_bank as bank,
             count(*) filter (where state = 'CONFIRMED' and deadline < now()) as confirmed_overdue,
             count(*) filter (where state = 'CHALLENGED') as challenged,
             count(*) filter (where state = 'CHALLENGED' and deadline < now()) as challenged_overdue,
             count(*) filter (where state = 'COMPENSATED') as compensated
        from supervision.chain_orders group by merchant_bank)
  select jsonb_agg(jsonb_build_object(
    'bank', b.bank,
    'customerWallets', (select count(*) from ledger.accounts where kind = 'user' and bank = b.bank),
    'customerBalances', (select coalesce(sum(balance), 0) from ledger.accounts where kind = 'user' and bank = b.bank)::text,
    'bankAccount', (select coalesce(sum(balance), 0) from ledger.accounts where kind = 'bank' and bank = b.bank)::text,
    'reserve', (select coalesce(sum(balance), 0) from ledger.accounts where kind = 'reserve' and bank = b.bank)::text,
    'escrowLocked', (select coalesce(sum(amount), 0) from open_locks where bank = b.bank and purpose like 'escrow:%')::text,
    'escrowOrders', (select count(distinct order_id) from open_locks where bank = b.bank and purpose like 'escrow:%'),
    'depositsLocked', (select coalesce(sum(amount), 0) from open_locks where bank = b.bank and purpose like 'deposit:%')::text,
    'deposits', (select count(*) from open_locks where bank = b.bank and purpose like 'deposit:%'),
    'compensationsPaid', (select coalesce(sum(t.amount), 0) from ledger.transfers t join ledger.accounts a on a.id = t.debit_account
                           where t.kind = 'pay' and t.purpose = 'compensation:penalty' and a.kind = 'reserve' and a.bank = b.bank)::text,
    'compensations', (select count(*) from ledger.transfers t join ledger.accounts a on a.id = t.debit_account
                       where t.kind = 'pay' and t.purpose = 'compensation:penalty' and a.kind = 'reserve' and a.bank = b.bank),
    -- Orders of its merchants whose settlement proof is late: confirmed past the settlement deadline,
    -- or challenged (the proof was demanded); and those the chain already compensated.
    'settlementProofsLate', coalesce(l.confirmed_overdue + l.challenged, 0),
    'challenged', coalesce(l.challenged, 0),
    'challengesOverdue', coalesce(l.challenged_overdue, 0),
    'compensatedOrders', coalesce(l.compensated, 0)) order by b.bank)
  from banks b left join late l using (bank)), '[]'::jsonb);
end $$;

-- ---------------------------------------------------------------------------------------------
-- Escrow locks, one row per order: status, amounts, times, the decisions that resolved it and where
-- in the journal its payment is. Keyset pages by order id.

create function supervision.escrow_locks(p_after text, p_limit int) returns jsonb
language plpgsql security definer set search_path = ledger, pg_temp as $$
declare
  me ledger.parties := ledger.caller(array['centralBank']);
  page_size int := least(greatest(coalesce(p_limit, 1000), 1), 5000);
  rows jsonb;
begin
  with orders as (
    select distinct p.order_id from ledger.transfers p
     where p.kind = 'pending' and p.purpose like 'escrow:%' and p.order_id > coalesce(p_after, '')
     order by p.order_id limit page_size),
  legs as (
    select p.order_id, p.purpose, p.amount, p.created_at, p.expires_at, p.debit_account, p.credit_account,
           r.kind as resolution, r.decision_tx, r.created_at as resolved_at, j.position as journal_position
      from orders o join ledger.transfers p on p.order_id = o.order_id and p.kind = 'pending' and p.purpose like 'escrow:%'
      left join ledger.transfers r on r.pending_id = p.id
      left join ledger.journal j on j.transfer_id = r.id),
  per_order as (
    select l.order_id,
           case when bool_and(l.resolution is null) then 'locked'
                -- bool_and skips nulls: a leg still open must count against 'posted' and 'voided'.
                when bool_and(coalesce(l.resolution = 'post', false)) then 'posted'
                when bool_and(coalesce(l.resolution = 'void', false)) then 'voided' else 'mixed' end as status,
           coalesce(sum(l.amount) filter (where l.purpose = 'escrow:merchant'), 0) as merchant_amount,
           coalesce(sum(l.amount) filter (where l.purpose = 'escrow:commission'), 0) as commission_amount,
           min(l.debit_account) as buyer_wallet,
           min(l.credit_account) filter (where l.purpose = 'escrow:merchant') as merchant_wallet,
           min(l.created_at) as locked_at, min(l.expires_at) as expires_at, max(l.resolved_at) as resolved_at,
           coalesce(jsonb_agg(distinct l.decision_tx) filter (where l.decision_tx is not null), '[]'::jsonb) as decision_txs,
           coalesce(jsonb_agg(distinct l.journal_position) filter (where l.journal_position is not null), '[]'::jsonb) as journal_positions
      from legs l group by l.order_id)
  -- The wallets stay in here: a lock is shown by its banks.
  select jsonb_agg(jsonb_build_object(
      'orderId', o.order_id, 'status', o.status,
      'merchantAmount', o.merchant_amount::text, 'commissionAmount', o.commission_amount::text,
      'buyerBank', (select a.bank from ledger.accounts a where a.id = o.buyer_wallet),
      'merchantBank', (select a.bank from ledger.accounts a where a.id = o.merchant_wallet),
      'lockedAt', o.locked_at, 'expiresAt', o.expires_at, 'resolvedAt', o.resolved_at,
      'decisionTxs', o.decision_txs, 'journalPositions', o.journal_positions,
      'agentSaw', (select jsonb_build_object('state', c.state, 'txId', c.tx_id, 'blockNumber', c.block_number::text)
                     from ledger.chain_orders c where c.order_id = o.order_id),
      'refusals', (select coalesce(jsonb_agg(jsonb_build_object('txId', f.tx_id, 'code', f.code) order by f.refused_at), '[]'::jsonb)
                     from ledger.refused_decisions f where f.order_id = o.order_id))
    order by o.order_id) into rows
  from per_order o;
  rows := coalesce(rows, '[]'::jsonb);
  return jsonb_build_object('locks', rows,
    'next', case when jsonb_array_length(rows) = page_size then rows -> (page_size - 1) ->> 'orderId' end);
end $$;

-- ---------------------------------------------------------------------------------------------
-- Escrow aging: open locks by age band, locks past their expiry, orders stuck past their deadline.
-- `p_bands` are the bands' lower bounds in seconds after the first (0): [60, 600] is < 1 min, 1-10 min, >= 10 min.

create function supervision.aging(p_bands int[], p_limit int) returns jsonb
language plpgsql security definer set search_path = ledger, pg_temp as $$
declare
  me ledger.parties := ledger.caller(array['centralBank']);
  bounds int[] := array[0] || coalesce(p_bands, array[]::int[]);
  list_size int := least(greatest(coalesce(p_limit, 100), 0), 1000);
begin
  if array_length(bounds, 1) > 21 or exists (select 1 from unnest(bounds) with ordinality b(s, i) where s is null or
       (i > 1 and s <= bounds[(i - 1)::int])) then
    perform ledger.fail('BAD_ARGUMENT', 'age bands are up to 20 increasing positive numbers of seconds');
  end if;
  return (with
    open_locks as (
      select p.order_id, p.purpose, p.amount, p.created_at, p.expires_at,
             extract(epoch from now() - p.created_at) as age
        from ledger.transfers p where p.kind = 'pending' and supervision.is_open(p.id)),
    bands as (select b.s as from_s, bounds[(b.i + 1)::int] as to_s from unnest(bounds) with ordinality b(s, i)),
    expired as (select * from open_locks where expires_at < now()),
    stuck as (select * from supervision.chain_orders where deadline < now()
                and not (state = any (array['SETTLED', 'REFUNDED', 'REJECTED', 'EXPIRED', 'COMPENSATED'])))
  select jsonb_build_object(
    'asOf', now(),
    'bands', (select jsonb_agg(jsonb_build_object(
        'fromSeconds', b.from_s, 'toSeconds', b.to_s,
        'escrowOrders', (select count(distinct order_id) from open_locks where purpose like 'escrow:%' and age >= b.from_s and (b.to_s is null or age < b.to_s)),
        'escrowAmount', (select coalesce(sum(amount), 0) from open_locks where purpose like 'escrow:%' and age >= b.from_s and (b.to_s is null or age < b.to_s))::text,
        'deposits', (select count(*) from open_locks where purpose like 'deposit:%' and age >= b.from_s and (b.to_s is null or age < b.to_s)),
        'depositAmount', (select coalesce(sum(amount), 0) from open_locks where purpose like 'deposit:%' and age >= b.from_s and (b.to_s is null or age < b.to_s))::text)
      order by b.from_s) from bands b),
    'pastExpiry', jsonb_build_object(
      'locks', (select count(*) from expired),
      'amount', (select coalesce(sum(amount), 0) from expired)::text,
      'list', coalesce((select jsonb_agg(jsonb_build_object('orderId', e.order_id, 'purpose', e.purpose, 'amount', e.amount::text,
                  'expiresAt', e.expires_at, 'agentSaw', c.state) order by e.expires_at, e.order_id)
                from (select * from expired order by expires_at, order_id limit list_size) e
                left join ledger.chain_orders c on c.order_id = e.order_id), '[]'::jsonb)),
    'pastDeadline', jsonb_build_object(
      'orders', (select count(*) from stuck),
      'list', coalesce((select jsonb_agg(jsonb_build_object('orderId', s.order_id, 'state', s.state, 'deadlineName', s.deadline_name,
                  'deadline', s.deadline, 'overdueSeconds', floor(extract(epoch from now() - s.deadline))::bigint,
                  'txId', s.tx_id, 'blockNumber', s.block_number::text) order by s.deadline, s.order_id)
                from (select * from stuck order by deadline, order_id limit list_size) s), '[]'::jsonb))));
end $$;

-- ---------------------------------------------------------------------------------------------
-- The escrow agent's progress: where its checkpoint stands, and which of the given jobs
-- (`<txId>.<orderId>`, one per decision it reads) have taken effect. A decision the agent has simply not
-- processed yet is no disagreement.

create function supervision.agent_progress(p_follower text, p_jobs text[]) returns jsonb
language plpgsql security definer set search_path = ledger, pg_temp as $$
declare
  me ledger.parties := ledger.caller(array['centralBank']);
begin
  return jsonb_build_object(
    'checkpoint', (select jsonb_build_object('blockNumber', block_number::text, 'txId', tx_id, 'updatedAt', updated_at)
                     from agent.checkpoints where follower = p_follower),
    'processed', coalesce((select jsonb_agg(job_id order by job_id) from agent.processed
                             where follower = p_follower and job_id = any (coalesce(p_jobs, array[]::text[]))), '[]'::jsonb));
end $$;

-- ---------------------------------------------------------------------------------------------
-- The central bank's reading of the chain.

create function supervision.chain_scan_position() returns jsonb
language plpgsql security definer set search_path = ledger, pg_temp as $$
declare
  me ledger.parties := ledger.caller(array['centralBank']);
begin
  return (select jsonb_build_object('nextBlock', next_block::text, 'lastBlockHash', last_block_hash, 'updatedAt', updated_at)
            from supervision.chain_scan);
end $$;

-- Records what blocks [p_from, p_to) wrote to orders and moves the scan to p_to, in one transaction:
-- the position never names a block whose orders are not in. The scan must be where the caller read
-- from (else SCAN_CONFLICT: another scan moved it); an order takes a change only from a later
-- (block, index), so reading a block twice changes nothing.
create function supervision.record_chain_scan(p_from bigint, p_to bigint, p_last_block_hash text, p_orders jsonb) returns jsonb
language plpgsql security definer set search_path = ledger, pg_temp as $$
declare
  me ledger.parties := ledger.caller(array['centralBank']);
  position supervision.chain_scan;
  bad text;
begin
  perform pg_advisory_xact_lock(hashtextextended('supervision:chain-scan', 0));
  if p_from is null or p_to is null or p_from < 0 or p_to < p_from then
    perform ledger.fail('BAD_ARGUMENT', 'a scan covers blocks from <= to');
  end if;
  if p_last_block_hash is not null and p_last_block_hash !~ '^[0-9a-f]{64}$' then
    perform ledger.fail('BAD_ARGUMENT', 'a block''s data hash is 64 hex digits');
  end if;
  select * into position from supervision.chain_scan;
  if found and position.next_block <> p_from then
    perform ledger.fail('SCAN_CONFLICT', 'the scan is at block ' || position.next_block || ', not ' || p_from);
  end if;
  if p_orders is null or jsonb_typeof(p_orders) <> 'array' then
    perform ledger.fail('BAD_ARGUMENT', 'the orders are a JSON array');
  end if;
  select o."orderId" into bad from jsonb_to_recordset(p_orders) as o("orderId" text, state text, "blockNumber" bigint, "txIndex" int)
   where o."orderId" is null or o."orderId" !~ '^[A-Za-z0-9_-]{1,64}$' or not (o.state = any (supervision.order_states()))
      or o."blockNumber" is null or o."blockNumber" < p_from or o."blockNumber" >= p_to or o."txIndex" is null or o."txIndex" < 0
   limit 1;
  if found then
    perform ledger.fail('BAD_ARGUMENT', 'order ' || coalesce(bad, '?') || ' is not an order state written in blocks ' || p_from || '-' || (p_to - 1));
  end if;

  insert into supervision.chain_orders as c (order_id, state, buyer_bank, merchant_bank, created_at, deadline_name, deadline,
                                             tx_id, block_number, tx_index, written_at, first_block, transitions)
  select distinct on (o."orderId") o."orderId", o.state, o."buyerBank", o."merchantBank", supervision.ms(o."createdAt"),
         o."deadlineName", supervision.ms(o."deadline"), o."txId", o."blockNumber", o."txIndex", supervision.ms(o."writtenAt"),
         min(o."blockNumber") over (partition by o."orderId"), coalesce(o.transitions, '[]'::jsonb)
    from jsonb_to_recordset(p_orders) as o("orderId" text, state text, "buyerBank" text, "merchantBank" text, "createdAt" bigint,
         "deadlineName" text, "deadline" bigint, "txId" text, "blockNumber" bigint, "txIndex" int, "writtenAt" bigint, transitions jsonb)
   order by o."orderId", o."blockNumber" desc, o."txIndex" desc
  on conflict (order_id) do update set state = excluded.state, buyer_bank = excluded.buyer_bank, merchant_bank = excluded.merchant_bank,
    created_at = excluded.created_at, deadline_name = excluded.deadline_name, deadline = excluded.deadline, tx_id = excluded.tx_id,
    block_number = excluded.block_number, tx_index = excluded.tx_index, written_at = excluded.written_at,
    first_block = least(c.first_block, excluded.first_block), transitions = excluded.transitions, updated_at = now()
  where (c.block_number, c.tx_index) < (excluded.block_number, excluded.tx_index);

  insert into supervision.chain_scan (singleton, next_block, last_block_hash) values (true, p_to, p_last_block_hash)
  on conflict (singleton) do update set next_block = excluded.next_block,
    last_block_hash = coalesce(excluded.last_block_hash, supervision.chain_scan.last_block_hash), updated_at = now();
  return jsonb_build_object('nextBlock', p_to::text, 'orders', jsonb_array_length(p_orders));
end $$;

-- The chain side, one row per order, keyset pages by order id.
create function supervision.chain_view(p_after text, p_limit int) returns jsonb
language plpgsql security definer set search_path = ledger, pg_temp as $$
declare
  me ledger.parties := ledger.caller(array['centralBank']);
  page_size int := least(greatest(coalesce(p_limit, 1000), 1), 5000);
  rows jsonb;
begin
  select jsonb_agg(jsonb_build_object('orderId', c.order_id, 'state', c.state, 'buyerBank', c.buyer_bank,
      'merchantBank', c.merchant_bank, 'createdAt', c.created_at, 'deadlineName', c.deadline_name, 'deadline', c.deadline,
      'txId', c.tx_id, 'blockNumber', c.block_number::text, 'txIndex', c.tx_index, 'writtenAt', c.written_at,
      'firstBlock', c.first_block::text, 'transitions', c.transitions) order by c.order_id) into rows
    from (select * from supervision.chain_orders where order_id > coalesce(p_after, '') order by order_id limit page_size) c;
  rows := coalesce(rows, '[]'::jsonb);
  return jsonb_build_object('orders', rows,
    'next', case when jsonb_array_length(rows) = page_size then rows -> (page_size - 1) ->> 'orderId' end);
end $$;

revoke all on all tables in schema supervision from public;
revoke execute on all functions in schema supervision from public;
grant usage on schema supervision to securepay_central_bank;
grant execute on function supervision.supply(), supervision.verify_journal(), supervision.exposure(),
  supervision.escrow_locks(text, int), supervision.aging(int[], int), supervision.agent_progress(text, text[]),
  supervision.chain_scan_position(), supervision.record_chain_scan(bigint, bigint, text, jsonb), supervision.chain_view(text, int)
  to securepay_central_bank;
