//! Identifiers shaped like Clerk's: a type prefix, then 27 alphanumerics starting with `2`.

use rand::Rng;
use rand::distributions::Alphanumeric;

pub(crate) fn random_alphanumeric(len: usize) -> String {
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

/// `user_2…`, `sess_2…`, `idn_2…`, `client_2…`, `msg_2…`.
pub(crate) fn new_id(prefix: &str) -> String {
    format!("{prefix}_2{}", random_alphanumeric(26))
}

/// A user id the emulator accepts from callers: `user_` then 1–64 ASCII alphanumerics,
/// so ids stay safe in paths, cookies and log lines.
pub(crate) fn is_valid_user_id(id: &str) -> bool {
    id.strip_prefix("user_").is_some_and(|rest| {
        !rest.is_empty() && rest.len() <= 64 && rest.bytes().all(|b| b.is_ascii_alphanumeric())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_ids_have_prefix_and_clerk_length() {
        let id = new_id("user");
        assert!(id.starts_with("user_2"));
        assert_eq!(id.len(), "user_".len() + 27);
        assert!(is_valid_user_id(&id));
    }

    #[test]
    fn user_ids_are_checked() {
        assert!(is_valid_user_id("user_2seedAdaLovelace00000000000"));
        assert!(!is_valid_user_id("user_"));
        assert!(!is_valid_user_id("usr_abc"));
        assert!(!is_valid_user_id("user_a-b"));
        assert!(!is_valid_user_id("user_../x"));
    }
}
