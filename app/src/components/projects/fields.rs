//! The inputs of a project form, with the server's validation messages beside each field.

use leptos::prelude::*;

use crate::api::ApiError;

/// Messages for one field of a failed request, or an empty list.
fn field_messages(error: &Option<ApiError>, field: &str) -> Vec<String> {
    error
        .as_ref()
        .map(|error| error.field(field).to_vec())
        .unwrap_or_default()
}

/// The name and description inputs of a project, each with the server's messages under it
/// (tied to the input with `aria-describedby`). Ids are `{prefix}-name`, `{prefix}-description`
/// and, for the messages, the same with `-errors`.
#[component]
pub(super) fn ProjectFields(
    prefix: String,
    name: RwSignal<String>,
    description: RwSignal<String>,
    error: RwSignal<Option<ApiError>>,
    /// Marks the description as optional (creating) rather than editable (renaming).
    #[prop(optional)]
    optional_description: bool,
) -> impl IntoView {
    view! {
        <TextField id=format!("{prefix}-name") label="Name" value=name field="name" error />
        <TextField
            id=format!("{prefix}-description")
            label="Description"
            hint=optional_description.then_some("(optional)")
            value=description
            field="description"
            error
            multiline=true
        />
    }
}

#[component]
fn TextField(
    id: String,
    label: &'static str,
    #[prop(default = None)] hint: Option<&'static str>,
    value: RwSignal<String>,
    /// The field name in the server's validation messages.
    field: &'static str,
    error: RwSignal<Option<ApiError>>,
    #[prop(optional)] multiline: bool,
) -> impl IntoView {
    let messages = Signal::derive(move || error.with(|e| field_messages(e, field)));
    let invalid = move || (!messages.get().is_empty()).to_string();
    let errors_id = format!("{id}-errors");
    let input = if multiline {
        view! {
            <textarea
                id=id.clone()
                name=field
                rows="2"
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
                aria-invalid=invalid
                aria-describedby=errors_id.clone()
            ></textarea>
        }
        .into_any()
    } else {
        view! {
            <input
                id=id.clone()
                name=field
                autocomplete="off"
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
                aria-invalid=invalid
                aria-describedby=errors_id.clone()
            />
        }
        .into_any()
    };
    view! {
        <div class="field">
            <label for=id>{label} {hint.map(|hint| view! { " " <span class="muted">{hint}</span> })}</label>
            {input}
            <ul class="field-errors" id=errors_id aria-live="polite">
                {move || {
                    messages.get().into_iter().map(|message| view! { <li>{message}</li> }).collect_view()
                }}
            </ul>
        </div>
    }
}
