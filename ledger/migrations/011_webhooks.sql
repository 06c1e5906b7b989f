-- The platform API's webhooks: every order change its listing projector applies becomes an event,
-- each event a delivery per matching subscription, each delivery POSTed to the subscriber until it
-- answers 2xx. The state of every delivery lives here, so nothing is lost when the API or Redis
-- restarts: Redis only carries "try this delivery now" hints. Ids, states and chain positions only;
-- never a price, a wallet or a name. Tables are read by the platform's role and written only through
-- the functions below (owned by the database owner, granted to the platform alone).

-- One per order change, in the order the projector recorded them (`seq`: "replay from an event").
-- Written on the projector's path, once per chain event: only the indexes the constraints need.
create table platform.webhook_events (
  seq bigserial primary key,
  -- Derived from the transaction and the change's place in its event: a re-read event adds nothing.
  event_id text not null unique check (event_id ~ '^evt_[0-9a-f]{32}$'),
  type text not null,
  order_id text not null,
  state text not null,
  previous_state text,
  action text not null,
  tx_id text not null,
  block_number bigint not null,
  tx_index int not null,
  occurred_at timestamptz not null,
  -- Who may receive it besides the platform: 'party:<MSP>:<party id>' for the order's buyer, merchant
  -- and courier, 'bank:<MSP>' for its buyer's and merchant's banks (pseudonymous ids, as on-chain).
  audience text[] not null,
  recorded_at timestamptz not null default now()
);

create table platform.webhook_subscriptions (
  id text primary key check (id ~ '^whs_[0-9a-f]{32}$'),
  -- The caller that created it (`Caller.scope`): only it lists, replays, resumes or disables it.
  owner_scope text not null,
  -- Whose orders it receives: one entry of an event's audience; null is the platform operator's (every order).
  audience text,
  url text not null,
  event_types text[] not null check (cardinality(event_types) > 0),
  -- The signing secret, sealed by the API's keystore (AES-256-GCM, bound to this subscription).
  sealed_secret jsonb not null,
  status text not null default 'active' check (status in ('active', 'paused', 'disabled')),
  status_reason text,
  -- Failed attempts in a row since the last success, and when the first of them failed: the pause rule's input.
  failure_streak int not null default 0,
  failing_since timestamptz,
  -- How many replays it has asked for: each replay's deliveries carry its number.
  replays int not null default 0,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index webhook_subscriptions_owner on platform.webhook_subscriptions (owner_scope, created_at);
create index webhook_subscriptions_live on platform.webhook_subscriptions (status) where status <> 'disabled';

-- One event for one subscription. A delivery goes only when it is the oldest undelivered one of its
-- order for its subscription (the head): `pending` is still being tried, `parked` gave up after the
-- retry window and holds its order's later deliveries until the owner resumes the subscription.
create table platform.webhook_deliveries (
  id bigserial primary key,
  -- No foreign keys: a per-row check on the projector's path for ids that only these functions
  -- write, each taken from the row it has just read or inserted; nothing deletes either row.
  subscription_id text not null,
  event_seq bigint not null,
  order_id text not null,
  -- 0: the live delivery; n: made by the subscription's nth replay.
  replay int not null default 0,
  status text not null default 'pending' check (status in ('pending', 'delivered', 'parked', 'cancelled')),
  -- Every attempt ever made (never reset: it names the queued job of the next one).
  attempts int not null default 0,
  -- The current retry window: when its first attempt failed, and how many have failed in it.
  retry_from timestamptz,
  retry_step int not null default 0,
  next_attempt_at timestamptz not null default now(),
  last_attempt_at timestamptz,
  last_status_code int,
  last_error text,
  delivered_at timestamptz,
  created_at timestamptz not null default now(),
  unique (subscription_id, event_seq, replay)
);
create index webhook_deliveries_order on platform.webhook_deliveries (subscription_id, order_id, id)
  where status in ('pending', 'parked');
create index webhook_deliveries_due on platform.webhook_deliveries (next_attempt_at) where status = 'pending';
create index webhook_deliveries_log on platform.webhook_deliveries (subscription_id, id desc);

-- The deliveries among `p_ids` that may be sent now: pending, of an active subscription, and the
-- oldest undelivered one of their order for that subscription.
create function platform.webhook_heads(p_ids bigint[]) returns table (delivery_id bigint, attempts int, next_attempt_at timestamptz)
language sql stable security definer set search_path = platform, pg_temp as $$
  select d.id, d.attempts, d.next_attempt_at
    from webhook_deliveries d join webhook_subscriptions s on s.id = d.subscription_id and s.status = 'active'
   where d.id = any(p_ids) and d.status = 'pending'
     and d.id = (select min(p.id) from webhook_deliveries p
                  where p.subscription_id = d.subscription_id and p.order_id = d.order_id and p.status in ('pending', 'parked'))
   order by d.id
$$;

-- The projector's one call per chain event: its order changes as events (a change already recorded
-- is skipped), a delivery for each subscription that wants one, and which of them to send now — one
-- statement. A new delivery may go now when its subscription is active and no earlier delivery of its
-- order for that subscription is undelivered, neither in the table nor among those made here.
create function platform.record_webhook_events(p_events jsonb) returns table (delivery_id bigint, attempts int, next_attempt_at timestamptz)
language sql security definer set search_path = platform, pg_temp as $$
  with incoming as (
    select e.*, a.n
      from jsonb_array_elements(p_events) with ordinality as a(value, n),
           jsonb_to_record(a.value) as e(event_id text, type text, order_id text, state text, previous_state text, action text,
                                         tx_id text, block_number bigint, tx_index int, occurred_at timestamptz, audience text[])
  ), added as (
    insert into webhook_events (event_id, type, order_id, state, previous_state, action, tx_id, block_number, tx_index, occurred_at, audience)
    select event_id, type, order_id, state, previous_state, action, tx_id, block_number, tx_index, occurred_at, audience
      from incoming order by n
    on conflict (event_id) do nothing
    returning seq, type, order_id, audience
  ), wanted as (
    select s.id as subscription_id, a.seq, a.order_id,
           s.status = 'active'
             and row_number() over (partition by s.id, a.order_id order by a.seq) = 1
             and not exists (select 1 from webhook_deliveries p
                              where p.subscription_id = s.id and p.order_id = a.order_id and p.status in ('pending', 'parked')) as sendable
      from added a join webhook_subscriptions s
        on s.status <> 'disabled'
       and (s.audience is null or s.audience = any(a.audience))
       and ('*' = any(s.event_types) or a.type = any(s.event_types))
  ), queued as (
    insert into webhook_deliveries (subscription_id, event_seq, order_id)
    select subscription_id, seq, order_id from wanted order by seq, subscription_id
    returning id, subscription_id, event_seq, attempts, next_attempt_at
  )
  select q.id, q.attempts, q.next_attempt_at
    from queued q join wanted w on w.subscription_id = q.subscription_id and w.seq = q.event_seq
   where w.sendable
   order by q.id
$$;

-- A new subscription, or the one this id already names (the same caller's same creation request).
-- At most p_max live (not disabled) subscriptions per owner.
create function platform.create_webhook_subscription(
  p_id text, p_owner text, p_audience text, p_url text, p_types text[], p_sealed_secret jsonb, p_max int
) returns jsonb
language plpgsql security definer set search_path = platform, pg_temp as $$
declare
  existing webhook_subscriptions;
begin
  -- One owner's creations one at a time, so two concurrent ones cannot both pass the limit.
  perform pg_advisory_xact_lock(hashtext('webhook-owner:' || p_owner));
  select * into existing from webhook_subscriptions where id = p_id;
  if found then
    if existing.owner_scope <> p_owner then return jsonb_build_object('outcome', 'conflict'); end if;
    return jsonb_build_object('outcome', 'existing');
  end if;
  if (select count(*) from webhook_subscriptions where owner_scope = p_owner and status <> 'disabled') >= p_max then
    return jsonb_build_object('outcome', 'limit');
  end if;
  insert into webhook_subscriptions (id, owner_scope, audience, url, event_types, sealed_secret)
  values (p_id, p_owner, p_audience, p_url, p_types, p_sealed_secret);
  return jsonb_build_object('outcome', 'created');
end $$;

-- The outcome of one attempt, if the delivery is still at that attempt (a stale job changes nothing).
-- Delivered: the subscription's failure streak ends and the order's next delivery is returned to send.
-- Failed: tried again at p_next_attempt_at, or parked; the streak grows (the caller decides on pausing).
create function platform.finish_webhook_attempt(
  p_delivery bigint, p_attempts int, p_delivered boolean, p_status_code int, p_error text, p_next_attempt_at timestamptz, p_park boolean
) returns jsonb
language plpgsql security definer set search_path = platform, pg_temp as $$
declare
  d webhook_deliveries;
  s webhook_subscriptions;
  following bigint;
  heads jsonb;
begin
  update webhook_deliveries set
      attempts = attempts + 1,
      last_attempt_at = now(),
      last_status_code = p_status_code,
      last_error = left(p_error, 300),
      retry_from = case when p_delivered then retry_from else coalesce(retry_from, now()) end,
      retry_step = case when p_delivered then retry_step else retry_step + 1 end,
      status = case when p_delivered then 'delivered' when p_park then 'parked' else 'pending' end,
      delivered_at = case when p_delivered then now() end,
      next_attempt_at = case when p_delivered or p_park then next_attempt_at else p_next_attempt_at end
    where id = p_delivery and attempts = p_attempts and status = 'pending'
  returning * into d;
  if not found then return jsonb_build_object('applied', false); end if;
  update webhook_subscriptions set
      failure_streak = case when p_delivered then 0 else failure_streak + 1 end,
      failing_since = case when p_delivered then null else coalesce(failing_since, now()) end,
      updated_at = now()
    where id = d.subscription_id
  returning * into s;
  heads := '[]';
  if p_delivered then
    select min(id) into following from webhook_deliveries
     where subscription_id = d.subscription_id and order_id = d.order_id and status in ('pending', 'parked');
    if following is not null then
      select coalesce(jsonb_agg(jsonb_build_object('deliveryId', h.delivery_id::text, 'attempts', h.attempts, 'nextAttemptAt', h.next_attempt_at)), '[]')
        into heads from webhook_heads(array[following]) h;
    end if;
  end if;
  return jsonb_build_object('applied', true, 'subscriptionId', s.id, 'failureStreak', s.failure_streak,
                            'failingSince', s.failing_since, 'status', s.status, 'next', heads);
end $$;

-- The pause rule fired (webhook-retry.ts decides): the subscription stops being tried; its deliveries stay.
create function platform.pause_webhook_subscription(p_id text, p_reason text) returns boolean
language plpgsql security definer set search_path = platform, pg_temp as $$
begin
  update webhook_subscriptions set status = 'paused', status_reason = left(p_reason, 300), updated_at = now()
   where id = p_id and status = 'active';
  return found;
end $$;

-- The owner resumes (also an active subscription: its parked deliveries go again). Every undelivered
-- delivery starts a fresh retry window, due now; the deliveries to send are returned.
create function platform.resume_webhook_subscription(p_id text, p_owner text) returns jsonb
language plpgsql security definer set search_path = platform, pg_temp as $$
declare
  s webhook_subscriptions;
  ids bigint[];
  heads jsonb;
begin
  select * into s from webhook_subscriptions where id = p_id and owner_scope = p_owner for update;
  if not found then return jsonb_build_object('outcome', 'not_found'); end if;
  if s.status = 'disabled' then return jsonb_build_object('outcome', 'disabled'); end if;
  update webhook_subscriptions set status = 'active', status_reason = null, failure_streak = 0, failing_since = null, updated_at = now()
   where id = p_id;
  with requeued as (
    update webhook_deliveries set status = 'pending', retry_from = null, retry_step = 0, next_attempt_at = now()
     where subscription_id = p_id and status in ('pending', 'parked')
    returning id
  )
  select coalesce(array_agg(id), '{}') into ids from requeued;
  select coalesce(jsonb_agg(jsonb_build_object('deliveryId', h.delivery_id::text, 'attempts', h.attempts, 'nextAttemptAt', h.next_attempt_at)), '[]')
    into heads from webhook_heads(ids) h;
  return jsonb_build_object('outcome', 'resumed', 'requeued', cardinality(ids), 'next', heads);
end $$;

-- The owner turns it off for good: nothing more is made or sent for it; its log stays.
create function platform.disable_webhook_subscription(p_id text, p_owner text) returns jsonb
language plpgsql security definer set search_path = platform, pg_temp as $$
declare
  cancelled int;
begin
  update webhook_subscriptions set status = 'disabled', status_reason = 'disabled by its owner', updated_at = now()
   where id = p_id and owner_scope = p_owner and status <> 'disabled';
  if not found then
    return jsonb_build_object('outcome', case when exists (select 1 from webhook_subscriptions where id = p_id and owner_scope = p_owner)
                                          then 'disabled' else 'not_found' end);
  end if;
  update webhook_deliveries set status = 'cancelled' where subscription_id = p_id and status in ('pending', 'parked');
  get diagnostics cancelled = row_count;
  return jsonb_build_object('outcome', 'done', 'cancelled', cancelled);
end $$;

-- The owner asks again for its events from one it names (included), up to p_max of them: a new
-- delivery of each, after the live ones of the same order. The deliveries to send now are returned.
create function platform.replay_webhook_events(p_id text, p_owner text, p_from_event text, p_max int) returns jsonb
language plpgsql security definer set search_path = platform, pg_temp as $$
declare
  s webhook_subscriptions;
  from_seq bigint;
  replay_round int;
  ids bigint[];
  last_seq bigint;
  next_event text;
  heads jsonb;
begin
  select * into s from webhook_subscriptions where id = p_id and owner_scope = p_owner for update;
  if not found then return jsonb_build_object('outcome', 'not_found'); end if;
  if s.status = 'disabled' then return jsonb_build_object('outcome', 'disabled'); end if;
  select seq into from_seq from webhook_events
   where event_id = p_from_event and (s.audience is null or s.audience = any(audience));
  if not found then return jsonb_build_object('outcome', 'no_event'); end if;
  replay_round := s.replays + 1;
  update webhook_subscriptions set replays = replay_round, updated_at = now() where id = p_id;
  with wanted as (
    select e.seq, e.order_id from webhook_events e
     where e.seq >= from_seq
       and (s.audience is null or s.audience = any(e.audience))
       and ('*' = any(s.event_types) or e.type = any(s.event_types))
     order by e.seq limit p_max
  ), made as (
    insert into webhook_deliveries (subscription_id, event_seq, order_id, replay)
    select p_id, seq, order_id, replay_round from wanted order by seq
    returning id, event_seq
  )
  select coalesce(array_agg(id), '{}'), max(event_seq) into ids, last_seq from made;
  select e.event_id into next_event from webhook_events e
   where e.seq > coalesce(last_seq, from_seq)
     and (s.audience is null or s.audience = any(e.audience))
     and ('*' = any(s.event_types) or e.type = any(s.event_types))
   order by e.seq limit 1;
  select coalesce(jsonb_agg(jsonb_build_object('deliveryId', h.delivery_id::text, 'attempts', h.attempts, 'nextAttemptAt', h.next_attempt_at)), '[]')
    into heads from webhook_heads(ids) h;
  return jsonb_build_object('outcome', 'replayed', 'replayed', cardinality(ids), 'replay', replay_round,
                            'throughEventId', (select event_id from webhook_events where seq = last_seq),
                            'nextEventId', next_event, 'next', heads);
end $$;

revoke all on function platform.webhook_heads(bigint[]), platform.record_webhook_events(jsonb),
  platform.create_webhook_subscription(text, text, text, text, text[], jsonb, int),
  platform.finish_webhook_attempt(bigint, int, boolean, int, text, timestamptz, boolean),
  platform.pause_webhook_subscription(text, text), platform.resume_webhook_subscription(text, text),
  platform.disable_webhook_subscription(text, text), platform.replay_webhook_events(text, text, text, int) from public;
grant execute on function platform.webhook_heads(bigint[]), platform.record_webhook_events(jsonb),
  platform.create_webhook_subscription(text, text, text, text, text[], jsonb, int),
  platform.finish_webhook_attempt(bigint, int, boolean, int, text, timestamptz, boolean),
  platform.pause_webhook_subscription(text, text), platform.resume_webhook_subscription(text, text),
  platform.disable_webhook_subscription(text, text), platform.replay_webhook_events(text, text, text, int) to securepay_platform;
grant select on platform.webhook_events, platform.webhook_subscriptions, platform.webhook_deliveries to securepay_platform;
