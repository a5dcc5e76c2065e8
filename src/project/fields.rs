//! The fields people type: parsed once at the edge, trusted afterwards.

/// A project name: trimmed, 1–100 characters, no control characters. Lengths count Unicode
/// scalar values (`char`s), as PostgreSQL's `char_length` does, not bytes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProjectName(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ProjectNameError {
    #[error("Name must be 1–100 characters.")]
    Length,
    /// Line breaks make no sense in a name, and NUL cannot be stored in PostgreSQL text.
    #[error("Name cannot contain line breaks or other control characters.")]
    ControlCharacter,
}

impl ProjectName {
    pub const MAX_CHARS: usize = 100;

    pub fn parse(raw: &str) -> Result<Self, ProjectNameError> {
        let name = raw.trim();
        if name.is_empty() || exceeds(name, Self::MAX_CHARS) {
            return Err(ProjectNameError::Length);
        }
        if name.chars().any(char::is_control) {
            return Err(ProjectNameError::ControlCharacter);
        }
        Ok(Self(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether two names collide for one owner. The database has the last word (a unique
    /// index on `lower(name)`, whose case mapping follows the database's ctype); this is the
    /// same rule for the in-memory store and agrees with it for a UTF-8 ctype.
    pub fn same_as(&self, other: &ProjectName) -> bool {
        self.0.to_lowercase() == other.0.to_lowercase()
    }
}

impl std::fmt::Display for ProjectName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A project description: trimmed, at most 2,000 characters, possibly empty. Line breaks and
/// tabs are text; other control characters are not (NUL cannot be stored at all).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct ProjectDescription(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ProjectDescriptionError {
    #[error("Description must be at most 2,000 characters.")]
    Length,
    #[error("Description cannot contain control characters other than line breaks and tabs.")]
    ControlCharacter,
}

impl ProjectDescription {
    pub const MAX_CHARS: usize = 2000;

    pub fn parse(raw: &str) -> Result<Self, ProjectDescriptionError> {
        let description = raw.trim();
        if exceeds(description, Self::MAX_CHARS) {
            return Err(ProjectDescriptionError::Length);
        }
        if description
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        {
            return Err(ProjectDescriptionError::ControlCharacter);
        }
        Ok(Self(description.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// More than `max` chars, without counting past the limit of a huge input.
fn exceeds(text: &str, max: usize) -> bool {
    text.chars().nth(max).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_trimmed() {
        let name = ProjectName::parse("  Garden plan \t\n").unwrap();
        assert_eq!(name.as_str(), "Garden plan");
    }

    #[test]
    fn a_name_that_is_empty_after_trimming_is_refused() {
        assert_eq!(ProjectName::parse(""), Err(ProjectNameError::Length));
        assert_eq!(ProjectName::parse(" \t\n "), Err(ProjectNameError::Length));
        // U+3000 IDEOGRAPHIC SPACE is whitespace too.
        assert_eq!(
            ProjectName::parse("\u{3000}"),
            Err(ProjectNameError::Length)
        );
    }

    #[test]
    fn a_name_may_have_100_characters_but_not_101() {
        assert!(ProjectName::parse(&"a".repeat(100)).is_ok());
        assert_eq!(
            ProjectName::parse(&"a".repeat(101)),
            Err(ProjectNameError::Length)
        );
        // Surrounding whitespace does not count.
        assert!(ProjectName::parse(&format!("  {}  ", "a".repeat(100))).is_ok());
    }

    #[test]
    fn name_length_counts_characters_not_bytes() {
        // 100 × "é" is 200 bytes; 100 × "🦀" is 400.
        assert!(ProjectName::parse(&"é".repeat(100)).is_ok());
        assert!(ProjectName::parse(&"🦀".repeat(100)).is_ok());
        assert_eq!(
            ProjectName::parse(&"🦀".repeat(101)),
            Err(ProjectNameError::Length)
        );
    }

    #[test]
    fn a_name_with_a_line_break_or_nul_is_refused() {
        assert_eq!(
            ProjectName::parse("two\nlines"),
            Err(ProjectNameError::ControlCharacter)
        );
        assert_eq!(
            ProjectName::parse("nul\0"),
            Err(ProjectNameError::ControlCharacter)
        );
    }

    #[test]
    fn names_collide_case_insensitively() {
        let a = ProjectName::parse("Garden").unwrap();
        assert!(a.same_as(&ProjectName::parse("gARDEN").unwrap()));
        assert!(
            ProjectName::parse("Ärger")
                .unwrap()
                .same_as(&ProjectName::parse("ärger").unwrap())
        );
        assert!(!a.same_as(&ProjectName::parse("Gardens").unwrap()));
    }

    #[test]
    fn a_description_may_be_empty_and_is_trimmed() {
        assert_eq!(ProjectDescription::parse("   ").unwrap().as_str(), "");
        assert_eq!(
            ProjectDescription::parse("\n line one\nline two \n")
                .unwrap()
                .as_str(),
            "line one\nline two"
        );
    }

    #[test]
    fn a_description_may_have_2000_characters_but_not_2001() {
        assert!(ProjectDescription::parse(&"ß".repeat(2000)).is_ok());
        assert_eq!(
            ProjectDescription::parse(&"ß".repeat(2001)),
            Err(ProjectDescriptionError::Length)
        );
    }

    #[test]
    fn a_description_keeps_line_breaks_and_tabs_but_not_other_control_characters() {
        assert!(ProjectDescription::parse("a\r\n\tb").is_ok());
        assert_eq!(
            ProjectDescription::parse("bell\u{7}"),
            Err(ProjectDescriptionError::ControlCharacter)
        );
        assert_eq!(
            ProjectDescription::parse("nul\0byte"),
            Err(ProjectDescriptionError::ControlCharacter)
        );
    }
}
