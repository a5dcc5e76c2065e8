//! The form that creates a project, shown at once and confirmed (or rolled back) by the server.

use leptos::{prelude::*, task::spawn_local};

use super::{Row, fields::ProjectFields, placeholder_id};
use crate::{
    api::{ApiError, CreateProjectRequest, ProjectDto},
    components::ErrorNotice,
    projects::create_project,
};

#[component]
pub(super) fn CreateForm(rows: RwSignal<Vec<Row>>) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let saving = RwSignal::new(false);

    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        if saving.get_untracked() {
            return;
        }
        let input = CreateProjectRequest {
            name: name.get_untracked(),
            description: Some(description.get_untracked()),
        };
        // Shown at once, marked as saving; replaced by the server's copy or taken back out.
        let placeholder = placeholder_id();
        rows.update(|rows| {
            rows.insert(
                0,
                Row {
                    project: ProjectDto {
                        id: placeholder,
                        name: input.name.trim().to_owned(),
                        description: input.description.clone().unwrap_or_default(),
                        created_at: String::new(),
                        updated_at: String::new(),
                    },
                    saving: true,
                },
            )
        });
        saving.set(true);
        error.set(None);
        // What was sent, so that success clears only that: whatever the person typed while
        // the project was saving stays in the form.
        let sent = (
            input.name.clone(),
            input.description.clone().unwrap_or_default(),
        );
        spawn_local(async move {
            let result = create_project(input).await;
            rows.update(|rows| rows.retain(|row| row.project.id != placeholder));
            match result {
                Ok(project) => {
                    rows.update(|rows| {
                        rows.insert(
                            0,
                            Row {
                                project,
                                saving: false,
                            },
                        )
                    });
                    if name.get_untracked() == sent.0 {
                        name.set(String::new());
                    }
                    if description.get_untracked() == sent.1 {
                        description.set(String::new());
                    }
                }
                Err(failure) => error.set(Some(failure)),
            }
            saving.set(false);
        });
    };

    view! {
        <form class="project-form" on:submit=submit novalidate>
            <ProjectFields prefix="new-project".into() name description error optional_description=true />
            {move || {
                error
                    .get()
                    .filter(|e| e.field("name").is_empty() && e.field("description").is_empty())
                    .map(|error| view! { <ErrorNotice error /> })
            }}
            <button type="submit" class="button primary" disabled=move || saving.get()>
                {move || if saving.get() { "Creating…" } else { "Create project" }}
            </button>
        </form>
    }
}
