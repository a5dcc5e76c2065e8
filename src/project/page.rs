//! Keyset pagination of one owner's projects, newest first.
//!
//! Why newest first and not by name: the key must never change while someone walks the pages.
//! `(created_at, id)` is fixed at creation, so a rename or a new project during the walk
//! neither repeats nor skips a row; a name key would move under a rename. The id breaks ties
//! between projects created in the same instant (one transaction shares one `now()`).

use time::OffsetDateTime;
use uuid::Uuid;

use super::{Project, ProjectId};

/// PostgreSQL's `timestamptz` range in Unix nanoseconds: from 4714-11-24 BC 00:00 UTC (Julian
/// day 0) up to, not including, 294277-01-01 00:00 UTC.
const POSTGRES_TIMESTAMP_NANOS: std::ops::Range<i128> =
    -210_866_803_200 * NANOS_PER_SECOND..9_224_318_016_000 * NANOS_PER_SECOND;
const NANOS_PER_SECOND: i128 = 1_000_000_000;

/// Where the previous page ended: the last project it showed. Opaque to clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProjectCursor {
    pub created_at: OffsetDateTime,
    pub id: ProjectId,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the cursor is not one this server handed out")]
pub struct CursorError;

impl ProjectCursor {
    pub fn after(project: &Project) -> Self {
        Self {
            created_at: project.created_at,
            id: project.id,
        }
    }

    /// `<unix nanoseconds>_<uuid>`: exact (PostgreSQL keeps microseconds), URL-safe, and
    /// without a dependency the browser build would have to carry.
    pub fn encode(&self) -> String {
        format!(
            "{}_{}",
            self.created_at.unix_timestamp_nanos(),
            self.id.as_uuid().simple()
        )
    }

    pub fn parse(raw: &str) -> Result<Self, CursorError> {
        let (nanos, id) = raw.split_once('_').ok_or(CursorError)?;
        let nanos: i128 = nanos.parse().map_err(|_| CursorError)?;
        // A time the database cannot store would fail the query (a 500), not the cursor.
        if !POSTGRES_TIMESTAMP_NANOS.contains(&nanos) {
            return Err(CursorError);
        }
        let created_at =
            OffsetDateTime::from_unix_timestamp_nanos(nanos).map_err(|_| CursorError)?;
        let id = Uuid::try_parse(id).map_err(|_| CursorError)?;
        Ok(Self {
            created_at,
            id: ProjectId::from_uuid(id),
        })
    }
}

/// How many projects one page holds: 20 unless asked, never more than 100, at least 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageSize(usize);

impl PageSize {
    pub const DEFAULT: usize = 20;
    pub const MAX: usize = 100;

    /// Out-of-range requests are clamped rather than refused: asking for too much is not an
    /// error, it just gets the most a page holds.
    pub fn new(requested: Option<u32>) -> Self {
        let size = requested.map_or(Self::DEFAULT, |n| {
            usize::try_from(n).unwrap_or(Self::MAX).clamp(1, Self::MAX)
        });
        Self(size)
    }

    pub fn get(self) -> usize {
        self.0
    }
}

impl Default for PageSize {
    fn default() -> Self {
        Self::new(None)
    }
}

/// One page: `next` is where the following page starts, `None` on the last one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectPage {
    pub items: Vec<Project>,
    pub next: Option<ProjectCursor>,
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn a_cursor_survives_encoding_to_the_nanosecond() {
        let cursor = ProjectCursor {
            created_at: datetime!(2026-11-26 12:34:56.123456789 UTC),
            id: ProjectId::from_uuid(Uuid::from_u128(0xabc)),
        };
        let encoded = cursor.encode();
        assert!(
            encoded
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
        );
        assert_eq!(ProjectCursor::parse(&encoded), Ok(cursor));
    }

    #[test]
    fn a_cursor_before_1970_survives_too() {
        let cursor = ProjectCursor {
            created_at: datetime!(1969-07-20 20:17 UTC),
            id: ProjectId::from_uuid(Uuid::from_u128(1)),
        };
        assert_eq!(ProjectCursor::parse(&cursor.encode()), Ok(cursor));
    }

    #[test]
    fn garbage_is_not_a_cursor() {
        for raw in [
            "",
            "_",
            "abc",
            "123",
            "123_not-a-uuid",
            "x_00000000000000000000000000000abc",
            "99999999999999999999999999999999999_00000000000000000000000000000abc",
        ] {
            assert_eq!(ProjectCursor::parse(raw), Err(CursorError), "{raw:?}");
        }
    }

    #[test]
    fn a_cursor_outside_postgresqls_timestamp_range_is_refused() {
        let id = "00000000000000000000000000000abc";
        // 4714-11-24 BC, 00:00 UTC: the first instant a `timestamptz` holds.
        let first = format!("{}_{id}", -210_866_803_200_i128 * 1_000_000_000);
        assert!(ProjectCursor::parse(&first).is_ok());
        for nanos in [
            "-300000000000000000000",
            &(-210_866_803_200_i128 * 1_000_000_000 - 1).to_string(),
        ] {
            assert_eq!(
                ProjectCursor::parse(&format!("{nanos}_{id}")),
                Err(CursorError),
                "{nanos}"
            );
        }
    }

    #[test]
    fn page_size_defaults_to_20_and_is_clamped_to_1_through_100() {
        assert_eq!(PageSize::new(None).get(), 20);
        assert_eq!(PageSize::new(Some(7)).get(), 7);
        assert_eq!(PageSize::new(Some(100)).get(), 100);
        assert_eq!(PageSize::new(Some(101)).get(), 100);
        assert_eq!(PageSize::new(Some(u32::MAX)).get(), 100);
        assert_eq!(PageSize::new(Some(0)).get(), 1);
    }
}
