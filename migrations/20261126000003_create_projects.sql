-- Projects: each belongs to one user and is visible to that user only. Every query the server
-- makes filters by owner_id, so another user's project is indistinguishable from none.
create table projects (
    id          uuid        primary key default gen_random_uuid(),
    owner_id    uuid        not null,
    name        text        not null,
    description text        not null default '',
    created_at  timestamptz not null default now(),
    updated_at  timestamptz not null default now(),

    -- Users are tombstoned, not deleted (see the trigger below); the cascade is for a future
    -- hard purge of a tombstone, which must not be blocked by its projects.
    constraint projects_owner_id_fkey foreign key (owner_id) references users (id) on delete cascade,
    -- Backstops for the core's parsing (ProjectName, ProjectDescription), which trims every
    -- kind of whitespace and counts characters, as char_length does. btrim only knows spaces,
    -- so these checks are looser than the core, never stricter.
    constraint projects_name_length check (
        name = btrim(name) and char_length(name) between 1 and 100
    ),
    constraint projects_description_length check (
        description = btrim(description) and char_length(description) <= 2000
    )
);

-- Names are unique per owner, ignoring case: "Garden" and "garden" would be confusing in one
-- list. The server maps a violation of this index, by its name, to a 409 on `name`.
create unique index projects_owner_id_lower_name_key on projects (owner_id, lower(name));

-- The keyset pagination's order (newest first, id breaking ties) for one owner, so a page is
-- an index range scan however many projects there are.
create index projects_owner_id_created_at_id_idx on projects (owner_id, created_at desc, id desc);

-- Personal data goes with the account: when user.deleted tombstones a user (deleted_at from
-- null to a time), their projects are deleted in the same transaction as the tombstone.
create function projects_delete_for_deleted_owner() returns trigger
language plpgsql as $$
begin
    delete from projects where owner_id = new.id;
    return null;
end;
$$;

create trigger users_deleted_delete_projects
    after update of deleted_at on users
    for each row
    when (old.deleted_at is null and new.deleted_at is not null)
    execute function projects_delete_for_deleted_owner();
