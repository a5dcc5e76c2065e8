//! The use cases that keep the local users table a mirror of Clerk: `SyncUser` (request-time
//! sync and `user.created` / `user.updated` webhooks) and `DeleteUser` (`user.deleted`).

use time::OffsetDateTime;

use crate::{
    ClerkId, User,
    ports::{ChangeSource, RepositoryError, UserChange, UserRepository},
};

/// What `SyncUser` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncOutcome {
    /// The row was created.
    Created,
    /// The row was changed.
    Updated,
    /// The stored row already says this: nothing was written.
    Unchanged,
    /// The stored row is fresher than the change: nothing was written.
    Stale,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Synced {
    pub user: User,
    pub outcome: SyncOutcome,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SyncError {
    /// The user was deleted in Clerk; the row is a tombstone and stays one.
    #[error("the user was deleted")]
    UserDeleted,
    #[error(transparent)]
    Repository(#[from] RepositoryError),
}

/// Create the user when missing, update it when the change is newer and differs, refuse when
/// the user was deleted.
pub struct SyncUser<'a> {
    users: &'a dyn UserRepository,
}

impl<'a> SyncUser<'a> {
    /// How often a lost race (a concurrent insert, update or delete) is re-read before the
    /// stored row is taken as the answer.
    const ATTEMPTS: usize = 3;

    pub fn new(users: &'a dyn UserRepository) -> Self {
        Self { users }
    }

    pub async fn execute(&self, change: &UserChange) -> Result<Synced, SyncError> {
        for _ in 0..Self::ATTEMPTS {
            match self.users.find_by_clerk_id(&change.clerk_id).await? {
                Some(record) if record.is_deleted() => return Err(SyncError::UserDeleted),
                Some(record) if record.is_newer_than(change.as_of) => {
                    return Ok(Synced {
                        user: record.user,
                        outcome: SyncOutcome::Stale,
                    });
                }
                Some(record) => {
                    let same = record.user.agrees_with(&change.profile, change.fields);
                    let fresher = record.clerk_updated_at.is_none_or(|at| at < change.as_of);
                    // A token with unchanged claims never writes; a webhook records that Clerk
                    // confirmed the profile at a later time, so older events stay ignored.
                    let worth_writing =
                        !same || (change.source == ChangeSource::Webhook && fresher);
                    if !worth_writing {
                        return Ok(Synced {
                            user: record.user,
                            outcome: SyncOutcome::Unchanged,
                        });
                    }
                    if let Some(user) = self.users.update(change).await? {
                        return Ok(Synced {
                            user,
                            outcome: SyncOutcome::Updated,
                        });
                    }
                }
                None => {
                    if let Some(user) = self.users.insert(change).await? {
                        return Ok(Synced {
                            user,
                            outcome: SyncOutcome::Created,
                        });
                    }
                }
            }
            // Someone else wrote in between: read again and decide on what is there now.
        }
        match self.users.find_by_clerk_id(&change.clerk_id).await? {
            Some(record) if record.is_deleted() => Err(SyncError::UserDeleted),
            Some(record) => Ok(Synced {
                user: record.user,
                outcome: SyncOutcome::Stale,
            }),
            None => Err(RepositoryError::Failed(format!(
                "user {} vanished while being synced",
                change.clerk_id
            ))
            .into()),
        }
    }
}

/// Tombstone a user deleted in Clerk: personal fields cleared, the row kept so that nothing
/// (a late webhook, a token minted before the deletion) brings the user back.
pub struct DeleteUser<'a> {
    users: &'a dyn UserRepository,
}

impl<'a> DeleteUser<'a> {
    pub fn new(users: &'a dyn UserRepository) -> Self {
        Self { users }
    }

    /// Returns true when the user was live (or unknown) before this call.
    pub async fn execute(
        &self,
        clerk_id: &ClerkId,
        at: OffsetDateTime,
    ) -> Result<bool, RepositoryError> {
        self.users.tombstone(clerk_id, at).await
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::Ordering;

    use futures::executor::block_on;
    use time::{Duration, macros::datetime};

    use super::*;
    use crate::{Profile, testing::InMemoryUsers};

    const T0: OffsetDateTime = datetime!(2026-11-26 12:00 UTC);

    fn ada() -> ClerkId {
        ClerkId::parse("user_ada").unwrap()
    }

    fn profile(email: &str) -> Profile {
        Profile::new(Some(email.into()), Some("Ada".into()), None, None)
    }

    fn token(email: &str, at: OffsetDateTime) -> UserChange {
        UserChange {
            clerk_id: ada(),
            profile: profile(email),
            fields: crate::ProfileFields::ALL,
            as_of: at,
            source: ChangeSource::SessionToken,
        }
    }

    fn webhook(email: &str, at: OffsetDateTime) -> UserChange {
        UserChange {
            source: ChangeSource::Webhook,
            ..token(email, at)
        }
    }

    fn sync(users: &InMemoryUsers, change: &UserChange) -> Result<Synced, SyncError> {
        block_on(SyncUser::new(users).execute(change))
    }

    #[test]
    fn a_missing_user_is_created_from_the_claims() {
        let users = InMemoryUsers::default();
        let synced = sync(&users, &token("ada@example.com", T0)).unwrap();
        assert_eq!(synced.outcome, SyncOutcome::Created);
        assert_eq!(synced.user.email.as_deref(), Some("ada@example.com"));
        assert_eq!(users.record(&ada()).unwrap().user, synced.user);
    }

    #[test]
    fn unchanged_claims_write_nothing() {
        let users = InMemoryUsers::default();
        let created = sync(&users, &token("ada@example.com", T0)).unwrap().user;
        for i in 1..=5 {
            let synced =
                sync(&users, &token("ada@example.com", T0 + Duration::minutes(i))).unwrap();
            assert_eq!(synced.outcome, SyncOutcome::Unchanged);
            assert_eq!(synced.user, created);
        }
        assert_eq!(
            users.writes.load(Ordering::SeqCst),
            1,
            "only the insert wrote"
        );
    }

    #[test]
    fn changed_claims_update_the_row() {
        let users = InMemoryUsers::default();
        sync(&users, &token("ada@example.com", T0)).unwrap();
        let synced = sync(
            &users,
            &token("ada@lovelace.dev", T0 + Duration::minutes(1)),
        )
        .unwrap();
        assert_eq!(synced.outcome, SyncOutcome::Updated);
        assert_eq!(
            users.record(&ada()).unwrap().user.email.as_deref(),
            Some("ada@lovelace.dev")
        );
    }

    #[test]
    fn deleted_user_is_not_recreated_by_stale_token() {
        let users = InMemoryUsers::default();
        sync(&users, &token("ada@example.com", T0)).unwrap();
        block_on(DeleteUser::new(&users).execute(&ada(), T0 + Duration::minutes(2))).unwrap();
        // Minted before the deletion, still unexpired.
        let stale = token("ada@example.com", T0 + Duration::minutes(1));
        assert_eq!(sync(&users, &stale), Err(SyncError::UserDeleted));
        // Or after it, with new claims: deleted stays deleted.
        let later = token("new@example.com", T0 + Duration::minutes(3));
        assert_eq!(sync(&users, &later), Err(SyncError::UserDeleted));
        let record = users.record(&ada()).unwrap();
        assert!(record.is_deleted());
        assert_eq!(record.user.email, None, "personal fields cleared");
    }

    #[test]
    fn a_deletion_of_an_unknown_user_blocks_a_late_user_created() {
        let users = InMemoryUsers::default();
        assert!(block_on(DeleteUser::new(&users).execute(&ada(), T0)).unwrap());
        assert_eq!(
            sync(
                &users,
                &webhook("ada@example.com", T0 - Duration::minutes(1))
            ),
            Err(SyncError::UserDeleted)
        );
        assert!(
            !block_on(DeleteUser::new(&users).execute(&ada(), T0)).unwrap(),
            "a second delivery changes nothing"
        );
    }

    #[test]
    fn an_older_change_than_the_stored_one_is_ignored() {
        let users = InMemoryUsers::default();
        sync(
            &users,
            &webhook("new@example.com", T0 + Duration::minutes(5)),
        )
        .unwrap();
        let synced = sync(&users, &webhook("old@example.com", T0)).unwrap();
        assert_eq!(synced.outcome, SyncOutcome::Stale);
        assert_eq!(synced.user.email.as_deref(), Some("new@example.com"));
    }

    #[test]
    fn a_webhook_confirming_the_profile_moves_freshness_forward() {
        let users = InMemoryUsers::default();
        sync(&users, &token("ada@example.com", T0)).unwrap();
        let confirmed = sync(
            &users,
            &webhook("ada@example.com", T0 + Duration::minutes(3)),
        )
        .unwrap();
        assert_eq!(confirmed.outcome, SyncOutcome::Updated);
        // An event from between the two is older than what Clerk confirmed last.
        let between = sync(
            &users,
            &webhook("old@example.com", T0 + Duration::minutes(1)),
        )
        .unwrap();
        assert_eq!(between.outcome, SyncOutcome::Stale);
        assert_eq!(
            users.record(&ada()).unwrap().user.email.as_deref(),
            Some("ada@example.com")
        );
    }

    #[test]
    fn a_change_in_the_same_second_as_the_stored_one_applies() {
        let users = InMemoryUsers::default();
        sync(&users, &token("ada@example.com", T0)).unwrap();
        let synced = sync(&users, &token("new@example.com", T0)).unwrap();
        assert_eq!(synced.outcome, SyncOutcome::Updated);
        assert_eq!(users.writes.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn a_lost_insert_race_takes_the_winners_row_and_applies_the_change() {
        let users = InMemoryUsers::default();
        users.before_next_write(|users| users.put(&token("winner@example.com", T0)));
        let synced = sync(
            &users,
            &token("mine@example.com", T0 + Duration::seconds(1)),
        )
        .unwrap();
        assert_eq!(synced.outcome, SyncOutcome::Updated);
        assert_eq!(synced.user.email.as_deref(), Some("mine@example.com"));
        assert_eq!(users.rows().len(), 1);
    }

    #[test]
    fn a_deletion_between_read_and_update_wins() {
        let users = InMemoryUsers::default();
        sync(&users, &token("ada@example.com", T0)).unwrap();
        users.before_next_write(|users| {
            users.mark_deleted(&ada(), T0 + Duration::seconds(30));
        });
        let result = sync(
            &users,
            &token("changed@example.com", T0 + Duration::minutes(1)),
        );
        assert_eq!(result, Err(SyncError::UserDeleted));
        assert!(users.record(&ada()).unwrap().is_deleted());
    }

    #[test]
    fn concurrent_first_requests_make_one_row() {
        let users = InMemoryUsers::default();
        let sync = SyncUser::new(&users);
        let change = token("ada@example.com", T0);
        let results = block_on(futures::future::join_all(
            (0..50).map(|_| sync.execute(&change)),
        ));
        let ids: std::collections::HashSet<_> =
            results.into_iter().map(|r| r.unwrap().user.id).collect();
        assert_eq!(ids.len(), 1);
        assert_eq!(users.rows().len(), 1);
    }

    fn full(email: &str, first: &str, last: &str) -> Profile {
        Profile::new(
            Some(email.into()),
            Some(first.into()),
            Some(last.into()),
            Some("https://img.example.com/ada.png".into()),
        )
    }

    fn email_only_token(email: &str, at: OffsetDateTime) -> UserChange {
        UserChange {
            clerk_id: ada(),
            profile: Profile::new(Some(email.into()), None, None, None),
            fields: crate::ProfileFields {
                email: true,
                ..crate::ProfileFields::NONE
            },
            as_of: at,
            source: ChangeSource::SessionToken,
        }
    }

    #[test]
    fn a_partial_token_keeps_the_fields_it_does_not_carry() {
        let users = InMemoryUsers::default();
        let mut created = webhook("ada@example.com", T0);
        created.profile = full("ada@example.com", "Ada", "Lovelace");
        sync(&users, &created).unwrap();
        let synced = sync(
            &users,
            &email_only_token("ada@lovelace.dev", T0 + Duration::minutes(1)),
        )
        .unwrap();
        assert_eq!(synced.outcome, SyncOutcome::Updated);
        let record = users.record(&ada()).unwrap();
        assert_eq!(record.user.email.as_deref(), Some("ada@lovelace.dev"));
        assert_eq!(record.user.first_name.as_deref(), Some("Ada"));
        assert_eq!(record.user.last_name.as_deref(), Some("Lovelace"));
        assert!(record.user.image_url.is_some());
        assert_eq!(
            record.clerk_updated_at,
            Some(T0),
            "a partial token cannot vouch for the fields it did not carry"
        );
    }

    #[test]
    fn a_webhook_after_a_partial_token_is_not_stale() {
        let users = InMemoryUsers::default();
        // The first request comes with an email-only template token, a minute after the
        // change that the webhook below reports.
        sync(
            &users,
            &email_only_token("ada@example.com", T0 + Duration::minutes(1)),
        )
        .unwrap();
        let mut created = webhook("ada@example.com", T0);
        created.profile = full("ada@example.com", "Ada", "Lovelace");
        let synced = sync(&users, &created).unwrap();
        assert_eq!(synced.outcome, SyncOutcome::Updated);
        assert_eq!(synced.user.first_name.as_deref(), Some("Ada"));
        assert_eq!(synced.user.last_name.as_deref(), Some("Lovelace"));
    }

    #[test]
    fn a_partial_token_that_agrees_writes_nothing() {
        let users = InMemoryUsers::default();
        let mut created = webhook("ada@example.com", T0);
        created.profile = full("ada@example.com", "Ada", "Lovelace");
        sync(&users, &created).unwrap();
        let synced = sync(
            &users,
            &email_only_token("ada@example.com", T0 + Duration::minutes(1)),
        )
        .unwrap();
        assert_eq!(synced.outcome, SyncOutcome::Unchanged);
        assert_eq!(users.writes.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn an_unavailable_store_is_reported_as_such() {
        let users = InMemoryUsers::default();
        users.unavailable.store(true, Ordering::SeqCst);
        assert!(matches!(
            sync(&users, &token("ada@example.com", T0)),
            Err(SyncError::Repository(RepositoryError::Unavailable(_)))
        ));
    }
}
