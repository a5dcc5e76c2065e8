//! `GET /api/me`: the local user behind the request's session token.

use app::{api::UserProfile, auth::CurrentUser};
use axum::Json;

pub async fn me(user: CurrentUser) -> Json<UserProfile> {
    Json(UserProfile::from(&user.0))
}
