-- Users' certificates carry a salted commitment to their wallet instead of the wallet id (every
-- block holds the submitter's certificate). The platform keeps the salt that opens it, to put in the
-- private terms of the orders it writes for the user.
alter table platform.users add column wallet_salt text;
