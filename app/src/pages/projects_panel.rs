//! The dashboard's projects: list, create, rename and delete, through the typed server
//! functions (so an expired token is refreshed transparently). Changes show at once and roll
//! back when the server says no; the server's validation messages appear beside the fields.

use leptos::{prelude::*, task::spawn_local};
use uuid::Uuid;

use super::dashboard::ErrorNotice;
use crate::{
    api::{ApiError, CreateProject, EditProject, ProjectDto},
    clerk::use_clerk,
    projects::{create_project, delete_project, edit_project, list_projects},
};

const PAGE_SIZE: u32 = 20;

/// An id for a project that exists only on screen until the server answers. Version-0 UUIDs
/// never collide with the server's (random, version 4) ones.
fn placeholder_id() -> Uuid {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(1);
    Uuid::from_u128(u128::from(NEXT.fetch_add(1, Ordering::Relaxed)))
}

/// A project as the list shows it: `saving` while the server has not confirmed it yet.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Row {
    project: ProjectDto,
    saving: bool,
}

/// Where the list stands.
#[derive(Debug, Clone, PartialEq)]
enum Load {
    NotStarted,
    Loading,
    Loaded,
    Failed(ApiError),
}

#[component]
pub fn ProjectsPanel() -> impl IntoView {
    let clerk = use_clerk();
    let rows = RwSignal::new(Vec::<Row>::new());
    let next_cursor = RwSignal::new(None::<String>);
    let load = RwSignal::new(Load::NotStarted);
    // A failure of a rename or delete, shown above the list after the rollback.
    let list_error = RwSignal::new(None::<ApiError>);

    let fetch_page = move |cursor: Option<String>| {
        load.set(Load::Loading);
        spawn_local(async move {
            match list_projects(cursor.clone(), Some(PAGE_SIZE)).await {
                Ok(page) => {
                    let fresh = page.items.into_iter().map(|project| Row {
                        project,
                        saving: false,
                    });
                    rows.update(|rows| {
                        if cursor.is_none() {
                            rows.clear();
                        }
                        rows.extend(fresh);
                    });
                    next_cursor.set(page.next_cursor);
                    load.set(Load::Loaded);
                }
                Err(error) => load.set(Load::Failed(error)),
            }
        });
    };
    // In the browser, as soon as someone is signed in.
    Effect::new(move |_| {
        if clerk.is_signed_in() && load.get_untracked() == Load::NotStarted {
            fetch_page(None);
        }
    });

    view! {
        <article class="card projects" aria-labelledby="projects-heading">
            <header class="card-header">
                <h2 id="projects-heading">"Your projects"</h2>
            </header>
            <CreateForm rows />
            {move || list_error.get().map(|error| view! { <ErrorNotice error /> })}
            {move || match load.get() {
                Load::NotStarted | Load::Loading if rows.with(Vec::is_empty) => {
                    view! { <p class="muted" aria-busy="true">"Loading your projects…"</p> }.into_any()
                }
                Load::Failed(error) => {
                    view! {
                        <div>
                            <ErrorNotice error />
                            <button type="button" class="button" on:click=move |_| fetch_page(None)>
                                "Try again"
                            </button>
                        </div>
                    }
                        .into_any()
                }
                _ if rows.with(Vec::is_empty) => {
                    view! {
                        <p class="empty" data-testid="projects-empty">
                            "No projects yet. Create your first one above."
                        </p>
                    }
                        .into_any()
                }
                _ => ().into_any(),
            }}
            <ul class="project-list" aria-label="Projects">
                <For
                    each=move || rows.get()
                    key=|row| row.project.id
                    children=move |row| view! { <ProjectItem row rows list_error /> }
                />
            </ul>
            <Show when=move || next_cursor.with(Option::is_some)>
                <button
                    type="button"
                    class="button"
                    disabled=move || load.get() == Load::Loading
                    on:click=move |_| fetch_page(next_cursor.get_untracked())
                >
                    "Show more"
                </button>
            </Show>
        </article>
    }
}

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
fn ProjectFields(
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

#[component]
fn CreateForm(rows: RwSignal<Vec<Row>>) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let saving = RwSignal::new(false);

    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        if saving.get_untracked() {
            return;
        }
        let input = CreateProject {
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
                    name.set(String::new());
                    description.set(String::new());
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

/// What an item is doing: showing, editing, or asking to confirm a delete.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Show,
    Edit,
    ConfirmDelete,
}

#[component]
fn ProjectItem(
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
        let changes = EditProject {
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
