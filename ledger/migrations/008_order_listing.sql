-- The platform API's order listing: a read model it keeps from the contract's OrdersChanged events,
-- so that listing orders costs the channel nothing (no on-chain index keys to write and validate).
-- Only what public channel state already shows: ids, states, the parties' MSP ids and pseudonymous
-- party ids, times and where each change was committed. Never a name, a price or a wallet.
create table platform.order_listing (
  order_id text primary key,
  state text not null,
  buyer_msp text not null,
  buyer_party text not null,
  merchant_msp text not null,
  merchant_party text not null,
  -- Assigned at shipping when the proposal named none.
  courier_msp text,
  courier_party text,
  buyer_bank text not null,
  merchant_bank text not null,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  last_tx_id text not null,
  -- Where the change this row shows was committed: a change is kept only if it is later than this.
  block_number bigint not null,
  tx_index int not null,
  check ((courier_msp is null) = (courier_party is null))
);

-- Newest first, by the listing's keyset (created_at, order_id): everything, one state, one party.
create index order_listing_newest on platform.order_listing (created_at desc, order_id desc);
create index order_listing_state on platform.order_listing (state, created_at desc, order_id desc);
create index order_listing_buyer on platform.order_listing (buyer_msp, buyer_party, created_at desc, order_id desc);
create index order_listing_merchant on platform.order_listing (merchant_msp, merchant_party, created_at desc, order_id desc);
create index order_listing_courier on platform.order_listing (courier_msp, courier_party, created_at desc, order_id desc)
  where courier_msp is not null;

-- Where the API's chain readers resume (as bridge.* and agent.* for the others): the last event
-- applied. The listing reports it, so a caller knows how far it has caught up.
create table platform.checkpoints (
  follower text primary key,
  block_number bigint not null,
  tx_id text not null,
  updated_at timestamptz not null default now()
);

grant select, insert, update on platform.order_listing, platform.checkpoints to securepay_platform;
