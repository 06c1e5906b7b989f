-- The bridge's own bookkeeping, next to the ledger but apart from it: how far each bank's bridge
-- has read the channel, and which jobs have taken effect.
create schema bridge;

-- The last chaincode event whose every job has taken effect; reading resumes just after it.
create table bridge.checkpoints (
  follower text primary key,
  block_number bigint not null,
  tx_id text not null,
  updated_at timestamptz not null default now()
);

create table bridge.processed (
  follower text not null,
  job_id text not null,
  processed_at timestamptz not null default now(),
  primary key (follower, job_id)
);

-- Each bank reads and writes its own rows only, whatever it sends: the bank is the one its login
-- role stands for (ledger.parties), decided inside the database.
create function bridge.my_bank() returns text
language sql stable security definer set search_path = ledger, pg_temp as $$
  select bank from ledger.parties where role = session_user and kind = 'bank';
$$;
revoke execute on function bridge.my_bank() from public;

alter table bridge.checkpoints enable row level security;
alter table bridge.processed enable row level security;
create policy own_rows on bridge.checkpoints to securepay_bank using (follower = bridge.my_bank()) with check (follower = bridge.my_bank());
create policy own_rows on bridge.processed to securepay_bank using (follower = bridge.my_bank()) with check (follower = bridge.my_bank());

grant usage on schema bridge to securepay_bank;
grant execute on function bridge.my_bank() to securepay_bank;
grant select, insert, update on bridge.checkpoints, bridge.processed to securepay_bank;
