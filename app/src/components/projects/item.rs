//! One project in the list: shown, edited in place, or deleted after a confirmation.

use leptos::{prelude::*, task::spawn_local};

use super::{Row, fields::ProjectFields};
use crate::{
    api::{ApiError, EditProjectRequest, ProjectDto},
    projects::{delete_project, edit_project},
};

/// What an item is doing: showing, editing, or asking to confirm a delete.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Show,
    Edit,
    ConfirmDelete,
}

#[component]
pub(super) fn ProjectItem(
    row: Row,
    rows: RwSignal<Vec<Row>>,
    list_error: RwSignal<Option<ApiError>>,
) -> impl IntoView {
    let id = row.project.id;
    // The item stays mounted while its row changes (keyed by id): read the row live.
    let current = Memo::new(move |_| {
        rows.with(|rows| rows.iter().find(|r| r.project.id == id).cloned())
            .unwrap_or_else(|| row.clone())
    });
    let mode = RwSignal::new(Mode::Show);
    let name = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);

    let set_row = move |project: ProjectDto, saving: bool| {
        rows.update(|rows| {
            if let Some(row) = rows.iter_mut().find(|row| row.project.id == id) {
                *row = Row { project, saving };
            }
        })
    };
    let start_editing = move |_| {
        let project = current.get_untracked().project;
        name.set(project.name);
        description.set(project.description);
        error.set(None);
        mode.set(Mode::Edit);
    };
    let save = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let original = current.get_untracked().project;
        let changes = EditProjectRequest {
            name: Some(name.get_untracked()),
            description: Some(description.get_untracked()),
        };
        // Show the new name at once; put the old one back if the server refuses, and reopen
        // the form with its messages beside the fields.
        set_row(
            ProjectDto {
                name: name.get_untracked().trim().to_owned(),
                description: description.get_untracked(),
                ..original.clone()
            },
            true,
        );
        mode.set(Mode::Show);
        list_error.set(None);
        spawn_local(async move {
            match edit_project(id, changes).await {
                Ok(saved) => set_row(saved, false),
                Err(failure) => {
                    set_row(original, false);
                    let beside_fields = !failure.field("name").is_empty()
                        || !failure.field("description").is_empty();
                    if beside_fields {
                        error.set(Some(failure));
                        mode.set(Mode::Edit);
                    } else {
                        list_error.set(Some(failure));
                    }
                }
            }
        });
    };
    let remove = move |_| {
        let mut removed = None;
        rows.update(|rows| {
            if let Some(index) = rows.iter().position(|row| row.project.id == id) {
                removed = Some((index, rows.remove(index)));
            }
        });
        list_error.set(None);
        spawn_local(async move {
            if let Err(failure) = delete_project(id).await {
                if let Some((index, row)) = removed {
                    rows.update(|rows| rows.insert(index.min(rows.len()), row));
                }
                list_error.set(Some(failure));
            }
        });
    };

    let saving = move || current.with(|row| row.saving);
    view! {
        <li class="project" class:saving=saving data-testid="project" aria-busy=move || saving().to_string()>
            {move || match mode.get() {
                Mode::Show => {
                    let project = current.get().project;
                    view! {
                        <div class="project-show">
                            <div class="project-text">
                                <h3 class="project-name">{project.name.clone()}</h3>
                                {(!project.description.is_empty())
                                    .then(|| view! { <p class="project-description">{project.description.clone()}</p> })}
                                {saving().then(|| view! { <p class="muted small">"Saving…"</p> })}
                            </div>
                            <div class="project-actions">
                                <button
                                    type="button"
                                    class="button"
                                    disabled=saving
                                    aria-label=format!("Rename {}", project.name)
                                    on:click=start_editing
                                >
                                    "Rename"
                                </button>
                                <button
                                    type="button"
                                    class="button danger"
                                    disabled=saving
                                    aria-label=format!("Delete {}", project.name)
                                    on:click=move |_| mode.set(Mode::ConfirmDelete)
                                >
                                    "Delete"
                                </button>
                            </div>
                        </div>
                    }
                        .into_any()
                }
                Mode::Edit => {
                    view! {
                        <form class="project-form inline" on:submit=save novalidate>
                            <ProjectFields prefix=format!("project-{id}") name description error />
                            <div class="project-actions">
                                <button type="submit" class="button primary">
                                    "Save"
                                </button>
                                <button type="button" class="button" on:click=move |_| mode.set(Mode::Show)>
                                    "Cancel"
                                </button>
                            </div>
                        </form>
                    }
                        .into_any()
                }
                Mode::ConfirmDelete => {
                    let project_name = current.get().project.name;
                    view! {
                        <div class="confirm" role="alertdialog" aria-labelledby=format!("project-{id}-confirm")>
                            <p id=format!("project-{id}-confirm")>
                                "Delete “" {project_name} "”? This cannot be undone."
                            </p>
                            <div class="project-actions">
                                <button type="button" class="button danger primary" on:click=remove>
                                    "Delete project"
                                </button>
                                <button type="button" class="button" on:click=move |_| mode.set(Mode::Show)>
                                    "Keep it"
                                </button>
                            </div>
                        </div>
                    }
                        .into_any()
                }
            }}
        </li>
    }
}
