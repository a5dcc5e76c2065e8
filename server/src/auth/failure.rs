//! Why a request's token was not accepted, and how that is answered.

use app::api::{ApiError, reason};
use axum::{
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
};

/// A token the auth layer refuses. Every variant answers 401 with Clerk's reason name (or
/// ours) and `WWW-Authenticate: Bearer error="invalid_token"`, which tells the browser client
/// that the handler never ran and one refresh-and-retry is safe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    #[error("the token is malformed")]
    Malformed,
    #[error("the token is not signed with RS256")]
    InvalidAlgorithm,
    #[error("the token's signature does not match")]
    InvalidSignature,
    #[error("the token was signed by a key this server does not know")]
    KidMismatch,
    #[error("the token has expired")]
    Expired,
    #[error("the token is not valid yet")]
    NotActiveYet,
    #[error("the token claims to be issued in the future")]
    IatInTheFuture,
    #[error("the token was issued to an origin that is not allowed")]
    InvalidAuthorizedParty,
    #[error("the token was issued by another Clerk instance")]
    InvalidIssuer,
    #[error("the token is not a session token")]
    TypeMismatch,
    #[error("the session is pending and counts as signed out")]
    SessionPending,
    #[error("the token's claims are invalid")]
    VerificationFailed,
    #[error("the user was deleted")]
    UserDeleted,
    #[error("the token has no profile claims")]
    ClaimsMissing,
    #[error("the session cookie is older than the browser's last sign-in")]
    StaleCookie,
}

impl Rejection {
    pub(crate) fn reason(self) -> &'static str {
        match self {
            Self::Malformed => reason::TOKEN_INVALID,
            Self::InvalidAlgorithm => reason::TOKEN_INVALID_ALGORITHM,
            Self::InvalidSignature => reason::TOKEN_INVALID_SIGNATURE,
            Self::KidMismatch => reason::JWK_KID_MISMATCH,
            Self::Expired | Self::StaleCookie => reason::TOKEN_EXPIRED,
            Self::NotActiveYet => reason::TOKEN_NOT_ACTIVE_YET,
            Self::IatInTheFuture => reason::TOKEN_IAT_IN_THE_FUTURE,
            Self::InvalidAuthorizedParty => reason::TOKEN_INVALID_AUTHORIZED_PARTIES,
            Self::InvalidIssuer => reason::TOKEN_INVALID_ISSUER,
            Self::TypeMismatch => reason::TOKEN_TYPE_MISMATCH,
            Self::SessionPending => reason::SESSION_PENDING,
            Self::VerificationFailed => reason::TOKEN_VERIFICATION_FAILED,
            Self::UserDeleted => reason::USER_DELETED,
            Self::ClaimsMissing => reason::CLAIMS_MISSING,
        }
    }

    fn message(self) -> &'static str {
        match self {
            Self::Expired | Self::StaleCookie => "Your session token has expired; sign in again.",
            Self::UserDeleted => "This account has been deleted.",
            Self::ClaimsMissing => {
                "The session token carries no profile claims and this server has no Clerk secret \
                 key to look them up. Customize the session token in Clerk's dashboard with \
                 {\"email\": \"{{user.primary_email_address}}\", \"firstName\": \
                 \"{{user.first_name}}\", \"lastName\": \"{{user.last_name}}\", \"imageUrl\": \
                 \"{{user.image_url}}\"}, or set CLERK_SECRET_KEY."
            }
            _ => "Your session token was not accepted; sign in again.",
        }
    }
}

/// Everything that can stop the auth layer from producing a user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthFailure {
    #[error("{0}")]
    Rejected(Rejection),
    /// A dependency is down (the database, Clerk's JWKS or Backend API): 503, not the
    /// client's fault, and not a reason to sign it out.
    #[error("unavailable: {detail}")]
    Unavailable {
        message: &'static str,
        detail: String,
    },
    /// A bug or broken invariant: 500; the detail goes to the log only.
    #[error("internal: {0}")]
    Internal(String),
}

impl From<Rejection> for AuthFailure {
    fn from(rejection: Rejection) -> Self {
        Self::Rejected(rejection)
    }
}

/// The `WWW-Authenticate` value of a refused token (RFC 6750).
pub(crate) const INVALID_TOKEN_CHALLENGE: &str = r#"Bearer error="invalid_token""#;

impl IntoResponse for AuthFailure {
    fn into_response(self) -> Response {
        match self {
            Self::Rejected(rejection) => {
                let mut response =
                    ApiError::unauthorized(rejection.reason(), rejection.message()).into_response();
                response.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static(INVALID_TOKEN_CHALLENGE),
                );
                response
            }
            Self::Unavailable { message, .. } => ApiError::unavailable(message).into_response(),
            Self::Internal(_) => ApiError::internal().into_response(),
        }
    }
}
