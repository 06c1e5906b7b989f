-- The bridge's own bookkeeping, next to the ledger but apart from it: how far each bank's bridge
-- has read the channel, and which jobs have taken effect.
create schema bridge;

-- The last chaincode event whose every job has taken effect; reading resumes just after it.
create table bridge.checkpoints (
  bank text primary key,
  block_number bigint not null,
  tx_id text not null,
  updated_at timestamptz not null default now()
);

create table bridge.processed (
  bank text not null,
  job_id text not null,
  processed_at timestamptz not null default now(),
  primary key (bank, job_id)
);

grant usage on schema bridge to securepay_bridge;
grant select, insert, update on bridge.checkpoints, bridge.processed to securepay_bridge;
