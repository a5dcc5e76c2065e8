-- Clerk webhook deliveries already processed, by Svix message id. Svix delivers at least once
-- and keeps the svix-id across retries: a delivery whose id is here was applied (in the same
-- transaction as its change) and is acknowledged without doing anything again.
create table webhook_deliveries (
    svix_id       text        primary key,
    event_type    text        not null,
    clerk_user_id text,
    received_at   timestamptz not null default now()
);

-- Retries stop after about a day and a half; rows older than that only need to live long
-- enough for the periodic cleanup to find them.
create index webhook_deliveries_received_at_idx on webhook_deliveries (received_at);
