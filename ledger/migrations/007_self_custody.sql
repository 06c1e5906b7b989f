-- Users who keep their own Fabric key: the platform holds their certificate (once they have enrolled
-- their own certificate request), never their key.
alter table platform.users add column custody text not null default 'platform' check (custody in ('platform', 'self'));
alter table platform.users alter column sealed_key drop not null;
alter table platform.users alter column certificate_pem drop not null;
