//! Clerk's webhook envelope and the user events Populatte acts on.

use populatte::ClerkId;
use serde::Deserialize;
use serde_json::Value;
use time::OffsetDateTime;

use crate::clerk::user::ClerkUser;

/// `{"data": {…}, "object": "event", "type": "user.created", "timestamp": <ms>, …}`
#[derive(Debug, Deserialize)]
pub(crate) struct Envelope {
    #[serde(rename = "type")]
    pub(crate) event_type: String,
    pub(crate) data: Value,
    /// Milliseconds; the only time a `user.deleted` carries.
    pub(crate) timestamp: Option<i64>,
}

/// What a delivery asks us to do.
#[derive(Debug)]
pub(crate) enum UserEvent {
    /// `user.created` / `user.updated`: Clerk's user as of `as_of`.
    Upsert {
        user: ClerkUser,
        as_of: OffsetDateTime,
    },
    /// `user.deleted`.
    Delete {
        clerk_id: ClerkId,
        at: OffsetDateTime,
    },
    /// Any other event type: acknowledged and ignored.
    Other(String),
}

impl UserEvent {
    pub(crate) fn clerk_id(&self) -> Option<&ClerkId> {
        match self {
            Self::Upsert { user, .. } => Some(&user.id),
            Self::Delete { clerk_id, .. } => Some(clerk_id),
            Self::Other(_) => None,
        }
    }
}

#[derive(Debug, Deserialize)]
struct DeletedUser {
    id: ClerkId,
}

/// Parses a verified body. The error is a sentence for the 400 answer.
pub(crate) fn parse(body: &[u8]) -> Result<UserEvent, String> {
    let envelope: Envelope =
        serde_json::from_slice(body).map_err(|e| format!("the body is not a Clerk event: {e}"))?;
    let timestamp = envelope.timestamp.and_then(millis);
    match envelope.event_type.as_str() {
        "user.created" | "user.updated" => {
            let user: ClerkUser = serde_json::from_value(envelope.data)
                .map_err(|e| format!("`data` is not a Clerk user: {e}"))?;
            let as_of = user
                .updated_at()
                .or(timestamp)
                .ok_or("the event has neither data.updated_at nor timestamp")?;
            Ok(UserEvent::Upsert { user, as_of })
        }
        "user.deleted" => {
            let deleted: DeletedUser = serde_json::from_value(envelope.data)
                .map_err(|e| format!("`data` of user.deleted needs a user id: {e}"))?;
            let at = timestamp.ok_or("user.deleted needs the envelope's timestamp")?;
            Ok(UserEvent::Delete {
                clerk_id: deleted.id,
                at,
            })
        }
        other => Ok(UserEvent::Other(other.to_owned())),
    }
}

fn millis(ms: i64) -> Option<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).ok()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn parse_json(value: Value) -> Result<UserEvent, String> {
        parse(&serde_json::to_vec(&value).unwrap())
    }

    #[test]
    fn a_user_updated_event_carries_the_user_as_of_its_updated_at() {
        let event = parse_json(json!({
            "type": "user.updated", "object": "event", "timestamp": 1_764_158_500_000_i64,
            "data": {"id": "user_ada", "email_addresses": [], "updated_at": 1_764_158_400_000_i64}
        }))
        .unwrap();
        let UserEvent::Upsert { user, as_of } = event else {
            panic!("not an upsert");
        };
        assert_eq!(user.id.as_str(), "user_ada");
        assert_eq!(as_of.unix_timestamp(), 1_764_158_400);
    }

    #[test]
    fn a_user_deleted_event_is_ordered_by_the_envelope_timestamp() {
        let event = parse_json(json!({
            "type": "user.deleted", "timestamp": 1_764_158_500_000_i64,
            "data": {"object": "user", "id": "user_ada", "deleted": true}
        }))
        .unwrap();
        let UserEvent::Delete { clerk_id, at } = event else {
            panic!("not a delete");
        };
        assert_eq!(clerk_id.as_str(), "user_ada");
        assert_eq!(at.unix_timestamp(), 1_764_158_500);
    }

    #[test]
    fn unknown_event_types_are_other() {
        let event = parse_json(json!({"type": "session.created", "data": {}})).unwrap();
        assert!(matches!(event, UserEvent::Other(t) if t == "session.created"));
    }

    #[test]
    fn malformed_payloads_are_explained() {
        assert!(
            parse(b"not json")
                .unwrap_err()
                .contains("not a Clerk event")
        );
        let no_id = parse_json(json!({"type": "user.created", "timestamp": 1, "data": {}}));
        assert!(no_id.unwrap_err().contains("not a Clerk user"));
        let bad_id =
            parse_json(json!({"type": "user.deleted", "timestamp": 1, "data": {"id": "x"}}));
        assert!(bad_id.unwrap_err().contains("user id"));
        let no_time = parse_json(json!({"type": "user.deleted", "data": {"id": "user_a"}}));
        assert!(no_time.unwrap_err().contains("timestamp"));
    }
}
