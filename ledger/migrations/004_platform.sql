-- The platform API's own records: its users, the custodial keystore and idempotent responses.
-- Owned by the database owner and granted to the platform's role alone: no bank or central bank
-- role can read any of it.
create schema platform;
revoke all on schema platform from public;

-- One row: the salt the keystore's key is derived with, and a sealed known text that tells at start
-- whether the master secret given is the one the keystore was created with.
create table platform.keystore (
  id int primary key check (id = 1),
  salt bytea not null,
  check_box jsonb not null
);

-- An end user: pseudonymous on the channel (party id, wallet id), named only here. The private key and
-- the wallet secret are sealed with the keystore's key; the API token is kept as its SHA-256 only.
create table platform.users (
  user_id text primary key,
  role text not null check (role in ('buyer', 'merchant', 'courier')),
  bank text not null,
  display_name text not null,
  party_id text not null unique,
  wallet text not null unique,
  enrollment_id text not null unique,
  token_hash text not null unique,
  certificate_pem text not null,
  sealed_key jsonb not null,
  sealed_wallet_secret jsonb not null,
  created_at timestamptz not null default now()
);

-- The first response to each (caller, Idempotency-Key); a repeat gets it back unchanged.
create table platform.idempotency (
  scope text not null,
  key text not null,
  request_hash text not null,
  status int,
  body jsonb,
  created_at timestamptz not null default now(),
  primary key (scope, key)
);

grant usage on schema platform to securepay_platform;
grant select, insert, update, delete on platform.keystore, platform.users, platform.idempotency to securepay_platform;
