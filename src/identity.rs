//! Who a verified session token says the caller is.

use time::OffsetDateTime;

use crate::{ClerkId, Profile};

/// The identity in a session token whose signature and claims were verified. Only the
/// server's verifier builds one; everything downstream trusts it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityClaims {
    pub clerk_id: ClerkId,
    /// The custom session-token claims (`email`, `firstName`, `lastName`, `imageUrl`), or the
    /// Backend API's answer when the token has none.
    pub profile: Profile,
    /// The token's `iat`: what the token says was true at that moment.
    pub issued_at: OffsetDateTime,
}
