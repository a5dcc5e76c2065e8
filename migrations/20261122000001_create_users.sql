-- The local mirror of Clerk users. One row per Clerk user, ever: a deleted user keeps a
-- tombstone (deleted_at set, personal fields cleared) so that a token minted before the
-- deletion cannot bring the account back.
create table users (
    id               uuid        primary key default gen_random_uuid(),
    clerk_id         text        not null,
    email            text,
    first_name       text,
    last_name        text,
    image_url        text,
    created_at       timestamptz not null default now(),
    updated_at       timestamptz not null default now(),
    -- Clerk's own updated_at (or the event time of a deletion): webhooks older than this are
    -- ignored, because Svix delivers at least once and in no guaranteed order.
    clerk_updated_at timestamptz,
    deleted_at       timestamptz,

    constraint users_clerk_id_key unique (clerk_id),
    constraint users_clerk_id_format check (clerk_id ~ '^user_[A-Za-z0-9]+$' and length(clerk_id) <= 64)
);

comment on column users.deleted_at is 'tombstone: set by user.deleted; such a row is never revived';
