//! The dashboard's projects: list, create, rename and delete, through the typed server
//! functions (so an expired token is refreshed transparently). Changes show at once and roll
//! back when the server says no; the server's validation messages appear beside the fields.

mod create_form;
mod fields;
mod item;

use leptos::{prelude::*, task::spawn_local};
use uuid::Uuid;

use self::{create_form::CreateForm, item::ProjectItem};
use crate::{
    api::{ApiError, ProjectDto},
    clerk::use_clerk,
    components::ErrorNotice,
    projects::list_projects,
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
