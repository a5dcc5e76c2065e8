//! What a project use case answers when it does not do what was asked.

use crate::ports::RepositoryError;

/// Field name → messages for people, as the API shows them beside the form fields.
pub type FieldErrors = std::collections::BTreeMap<String, Vec<String>>;

/// Why a project use case did not do what was asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProjectError {
    /// Some input is invalid; the messages are meant for people, by field name.
    #[error("invalid project input: {0:?}")]
    Validation(FieldErrors),
    /// The owner already has a project with this name (names compare case-insensitively).
    #[error("the owner already has a project with this name")]
    DuplicateName,
    /// No such project for this owner. Also the answer for another owner's project, so that
    /// nobody learns which ids exist.
    #[error("no such project")]
    NotFound,
    /// The owner was deleted while the request was in flight: nothing may be created for them.
    #[error("the owner was deleted")]
    OwnerDeleted,
    #[error(transparent)]
    Repository(#[from] RepositoryError),
}
