//! A failed request, told in words a person can act on.

use leptos::prelude::*;

use crate::api::ApiError;

/// One sentence per kind of failure, in words a person can act on ([`ApiError::user_message`]).
#[component]
pub fn ErrorNotice(error: ApiError) -> impl IntoView {
    view! {
        <p class="notice error" role="alert" data-reason=error.reason().map(str::to_owned)>
            {error.user_message()}
        </p>
    }
}
