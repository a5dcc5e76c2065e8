use std::{collections::HashSet, sync::atomic::Ordering};

use futures::executor::block_on;
use time::macros::datetime;
use uuid::Uuid;

use super::*;
use crate::{RepositoryError, testing::InMemoryProjects};

fn ada() -> UserId {
    UserId::from_uuid(Uuid::from_u128(1))
}

fn bob() -> UserId {
    UserId::from_uuid(Uuid::from_u128(2))
}

fn create(
    projects: &InMemoryProjects,
    owner: UserId,
    name: &str,
    description: Option<&str>,
) -> Result<Project, ProjectError> {
    block_on(CreateProject::new(projects).execute(owner, name, description))
}

fn edit(
    projects: &InMemoryProjects,
    owner: UserId,
    id: ProjectId,
    name: Option<&str>,
    description: Option<&str>,
) -> Result<Project, ProjectError> {
    block_on(EditProject::new(projects).execute(owner, id, name, description))
}

fn get(projects: &InMemoryProjects, owner: UserId, id: ProjectId) -> Result<Project, ProjectError> {
    block_on(GetProject::new(projects).execute(owner, id))
}

fn delete(projects: &InMemoryProjects, owner: UserId, id: ProjectId) -> Result<(), ProjectError> {
    block_on(DeleteProject::new(projects).execute(owner, id))
}

fn page(
    projects: &InMemoryProjects,
    owner: UserId,
    after: Option<ProjectCursor>,
    size: Option<u32>,
) -> ProjectPage {
    block_on(ListProjects::new(projects).execute(owner, after, PageSize::new(size))).unwrap()
}

/// Every project of `owner`, page by page; panics if the walk does not end.
fn walk(projects: &InMemoryProjects, owner: UserId, size: u32) -> Vec<Vec<Project>> {
    let mut pages = Vec::new();
    let mut after = None;
    loop {
        let page = page(projects, owner, after, Some(size));
        pages.push(page.items);
        match page.next {
            Some(next) => after = Some(next),
            None => return pages,
        }
        assert!(pages.len() < 1000, "the walk does not end");
    }
}

fn invalid(fields: &[(&str, &str)]) -> ProjectError {
    ProjectError::Validation(
        fields
            .iter()
            .map(|(field, message)| ((*field).to_owned(), vec![(*message).to_owned()]))
            .collect(),
    )
}

const NAME_LENGTH: &str = "Name must be 1–100 characters.";
const DESCRIPTION_LENGTH: &str = "Description must be at most 2,000 characters.";

#[test]
fn a_created_project_belongs_to_its_owner_with_trimmed_fields() {
    let projects = InMemoryProjects::default();
    let project = create(&projects, ada(), "  Garden  ", Some("  Beds and paths \n")).unwrap();
    assert_eq!(project.owner, ada());
    assert_eq!(project.name.as_str(), "Garden");
    assert_eq!(project.description.as_str(), "Beds and paths");
    assert_eq!(project.created_at, project.updated_at);
    assert_eq!(get(&projects, ada(), project.id), Ok(project));
}

#[test]
fn a_missing_description_is_empty() {
    let projects = InMemoryProjects::default();
    let project = create(&projects, ada(), "Garden", None).unwrap();
    assert_eq!(project.description.as_str(), "");
}

#[test]
fn every_invalid_field_is_reported_at_once_and_nothing_is_stored() {
    let projects = InMemoryProjects::default();
    let result = create(&projects, ada(), "   ", Some(&"d".repeat(2001)));
    assert_eq!(
        result,
        Err(invalid(&[
            ("name", NAME_LENGTH),
            ("description", DESCRIPTION_LENGTH)
        ]))
    );
    assert!(projects.rows().is_empty());
}

#[test]
fn names_are_checked_in_characters_at_the_100_boundary() {
    let projects = InMemoryProjects::default();
    assert!(create(&projects, ada(), &"n".repeat(100), None).is_ok());
    assert_eq!(
        create(&projects, ada(), &"n".repeat(101), None),
        Err(invalid(&[("name", NAME_LENGTH)]))
    );
    // 100 four-byte characters fit; a byte count would have said 400.
    assert!(create(&projects, ada(), &"🌱".repeat(100), None).is_ok());
    assert_eq!(
        create(&projects, ada(), &"🌱".repeat(101), None),
        Err(invalid(&[("name", NAME_LENGTH)]))
    );
}

#[test]
fn descriptions_are_checked_at_the_2000_boundary() {
    let projects = InMemoryProjects::default();
    assert!(create(&projects, ada(), "a", Some(&"ü".repeat(2000))).is_ok());
    assert_eq!(
        create(&projects, ada(), "b", Some(&"ü".repeat(2001))),
        Err(invalid(&[("description", DESCRIPTION_LENGTH)]))
    );
}

#[test]
fn duplicate_names_conflict_per_owner_case_insensitively() {
    let projects = InMemoryProjects::default();
    create(&projects, ada(), "Garden", None).unwrap();
    assert_eq!(
        create(&projects, ada(), "gARDEN", None),
        Err(ProjectError::DuplicateName)
    );
    // Trimming happens before the comparison.
    assert_eq!(
        create(&projects, ada(), " Garden ", None),
        Err(ProjectError::DuplicateName)
    );
    assert_eq!(projects.rows().len(), 1);
}

#[test]
fn two_owners_may_use_the_same_name() {
    let projects = InMemoryProjects::default();
    create(&projects, ada(), "Garden", None).unwrap();
    let bobs = create(&projects, bob(), "Garden", None).unwrap();
    assert_eq!(bobs.owner, bob());
    assert_eq!(projects.rows().len(), 2);
}

#[test]
fn another_owners_project_is_not_found_for_get_edit_and_delete() {
    let projects = InMemoryProjects::default();
    let adas = create(&projects, ada(), "Garden", Some("secret")).unwrap();
    assert_eq!(get(&projects, bob(), adas.id), Err(ProjectError::NotFound));
    assert_eq!(
        edit(&projects, bob(), adas.id, Some("Mine now"), Some("")),
        Err(ProjectError::NotFound)
    );
    assert_eq!(
        edit(&projects, bob(), adas.id, None, None),
        Err(ProjectError::NotFound),
        "an empty edit is a read, and is scoped too"
    );
    assert_eq!(
        delete(&projects, bob(), adas.id),
        Err(ProjectError::NotFound)
    );
    assert_eq!(get(&projects, ada(), adas.id), Ok(adas), "untouched");
}

#[test]
fn another_owners_name_does_not_make_a_rename_conflict() {
    let projects = InMemoryProjects::default();
    create(&projects, bob(), "Orchard", None).unwrap();
    let adas = create(&projects, ada(), "Garden", None).unwrap();
    let renamed = edit(&projects, ada(), adas.id, Some("Orchard"), None).unwrap();
    assert_eq!(renamed.name.as_str(), "Orchard");
}

#[test]
fn another_owners_projects_are_never_listed() {
    let projects = InMemoryProjects::default();
    for i in 0..5 {
        create(&projects, ada(), &format!("Ada {i}"), None).unwrap();
        create(&projects, bob(), &format!("Bob {i}"), None).unwrap();
    }
    let adas: Vec<Project> = walk(&projects, ada(), 2).concat();
    assert_eq!(adas.len(), 5);
    assert!(adas.iter().all(|p| p.owner == ada()));
    assert!(
        page(&projects, UserId::from_uuid(Uuid::from_u128(3)), None, None)
            .items
            .is_empty()
    );
}

#[test]
fn a_rename_keeps_the_description_and_moves_updated_at() {
    let projects = InMemoryProjects::default();
    projects.freeze_clock(datetime!(2026-11-26 10:00 UTC));
    let project = create(&projects, ada(), "Garden", Some("Beds")).unwrap();
    projects.freeze_clock(datetime!(2026-11-26 11:00 UTC));
    let renamed = edit(&projects, ada(), project.id, Some(" Allotment "), None).unwrap();
    assert_eq!(renamed.name.as_str(), "Allotment");
    assert_eq!(renamed.description.as_str(), "Beds");
    assert_eq!(renamed.created_at, project.created_at);
    assert_eq!(renamed.updated_at, datetime!(2026-11-26 11:00 UTC));
    let described = edit(&projects, ada(), project.id, None, Some("")).unwrap();
    assert_eq!(described.name.as_str(), "Allotment");
    assert_eq!(described.description.as_str(), "");
}

#[test]
fn an_edit_that_changes_nothing_keeps_updated_at() {
    let projects = InMemoryProjects::default();
    projects.freeze_clock(datetime!(2026-11-26 10:00 UTC));
    let project = create(&projects, ada(), "Garden", None).unwrap();
    projects.freeze_clock(datetime!(2026-11-26 11:00 UTC));
    assert_eq!(
        edit(&projects, ada(), project.id, Some("Garden"), Some("")),
        Ok(project.clone())
    );
    assert_eq!(edit(&projects, ada(), project.id, None, None), Ok(project));
}

#[test]
fn a_rename_to_its_own_name_in_another_case_is_allowed() {
    let projects = InMemoryProjects::default();
    let project = create(&projects, ada(), "garden", None).unwrap();
    let renamed = edit(&projects, ada(), project.id, Some("Garden"), None).unwrap();
    assert_eq!(renamed.name.as_str(), "Garden");
}

#[test]
fn a_rename_to_another_projects_name_conflicts() {
    let projects = InMemoryProjects::default();
    create(&projects, ada(), "Garden", None).unwrap();
    let orchard = create(&projects, ada(), "Orchard", None).unwrap();
    assert_eq!(
        edit(&projects, ada(), orchard.id, Some("GARDEN"), None),
        Err(ProjectError::DuplicateName)
    );
    assert_eq!(get(&projects, ada(), orchard.id), Ok(orchard));
}

#[test]
fn an_invalid_edit_changes_nothing() {
    let projects = InMemoryProjects::default();
    let project = create(&projects, ada(), "Garden", None).unwrap();
    assert_eq!(
        edit(&projects, ada(), project.id, Some(""), Some("fine")),
        Err(invalid(&[("name", NAME_LENGTH)]))
    );
    assert_eq!(get(&projects, ada(), project.id), Ok(project));
}

#[test]
fn validation_comes_before_the_lookup_so_it_reveals_nothing() {
    let projects = InMemoryProjects::default();
    let adas = create(&projects, ada(), "Garden", None).unwrap();
    let missing = ProjectId::from_uuid(Uuid::from_u128(99));
    // The same answer whether the id is someone else's or nobody's.
    for id in [adas.id, missing] {
        assert_eq!(
            edit(&projects, bob(), id, Some(""), None),
            Err(invalid(&[("name", NAME_LENGTH)]))
        );
    }
}

#[test]
fn a_deleted_project_is_gone_and_a_second_delete_is_not_found() {
    let projects = InMemoryProjects::default();
    let project = create(&projects, ada(), "Garden", None).unwrap();
    assert_eq!(delete(&projects, ada(), project.id), Ok(()));
    assert_eq!(
        get(&projects, ada(), project.id),
        Err(ProjectError::NotFound)
    );
    assert_eq!(
        delete(&projects, ada(), project.id),
        Err(ProjectError::NotFound)
    );
    // The name is free again.
    assert!(create(&projects, ada(), "Garden", None).is_ok());
}

#[test]
fn pages_walk_every_project_exactly_once_newest_first() {
    let projects = InMemoryProjects::default();
    let mut created = Vec::new();
    for i in 0..45 {
        projects.freeze_clock(datetime!(2026-11-26 10:00 UTC) + time::Duration::seconds(i));
        created.push(create(&projects, ada(), &format!("Project {i}"), None).unwrap());
    }
    let pages = walk(&projects, ada(), 20);
    let sizes: Vec<usize> = pages.iter().map(Vec::len).collect();
    assert_eq!(sizes, [20, 20, 5]);
    let walked: Vec<ProjectId> = pages.concat().iter().map(|p| p.id).collect();
    let newest_first: Vec<ProjectId> = created.iter().rev().map(|p| p.id).collect();
    assert_eq!(walked, newest_first);
}

#[test]
fn a_full_last_page_says_it_is_the_last() {
    let projects = InMemoryProjects::default();
    for i in 0..40 {
        create(&projects, ada(), &format!("Project {i}"), None).unwrap();
    }
    let sizes: Vec<usize> = walk(&projects, ada(), 20).iter().map(Vec::len).collect();
    assert_eq!(sizes, [20, 20], "no empty third page");
}

#[test]
fn projects_created_in_the_same_instant_are_neither_repeated_nor_skipped() {
    let projects = InMemoryProjects::default();
    projects.freeze_clock(datetime!(2026-11-26 10:00 UTC));
    for i in 0..25 {
        create(&projects, ada(), &format!("Project {i}"), None).unwrap();
    }
    let walked: Vec<ProjectId> = walk(&projects, ada(), 3)
        .concat()
        .iter()
        .map(|p| p.id)
        .collect();
    let distinct: HashSet<ProjectId> = walked.iter().copied().collect();
    assert_eq!(walked.len(), 25);
    assert_eq!(distinct.len(), 25);
}

#[test]
fn renames_and_new_projects_during_a_walk_do_not_disturb_it() {
    let projects = InMemoryProjects::default();
    let mut before = HashSet::new();
    for i in 0..30 {
        projects.freeze_clock(datetime!(2026-11-26 10:00 UTC) + time::Duration::seconds(i));
        before.insert(create(&projects, ada(), &format!("P{i}"), None).unwrap().id);
    }
    let first = page(&projects, ada(), None, Some(10));
    // Meanwhile: a new project, and every project renamed.
    projects.freeze_clock(datetime!(2026-11-26 12:00 UTC));
    create(&projects, ada(), "Brand new", None).unwrap();
    for (i, project) in projects.rows().iter().enumerate() {
        edit(
            &projects,
            ada(),
            project.id,
            Some(&format!("Renamed {i}")),
            None,
        )
        .unwrap();
    }
    let mut seen: Vec<ProjectId> = first.items.iter().map(|p| p.id).collect();
    let mut after = first.next;
    while let Some(cursor) = after {
        let next = page(&projects, ada(), Some(cursor), Some(10));
        seen.extend(next.items.iter().map(|p| p.id));
        after = next.next;
    }
    assert_eq!(seen.len(), 30, "nothing repeated");
    assert_eq!(
        seen.into_iter().collect::<HashSet<_>>(),
        before,
        "nothing skipped"
    );
}

#[test]
fn a_page_holds_20_by_default_and_never_more_than_100() {
    let projects = InMemoryProjects::default();
    for i in 0..150 {
        create(&projects, ada(), &format!("Project {i}"), None).unwrap();
    }
    assert_eq!(page(&projects, ada(), None, None).items.len(), 20);
    let huge = page(&projects, ada(), None, Some(500));
    assert_eq!(huge.items.len(), 100);
    assert!(huge.next.is_some());
}

#[test]
fn a_deleted_owner_gets_no_new_project() {
    let projects = InMemoryProjects::default();
    create(&projects, ada(), "Garden", None).unwrap();
    projects.delete_owner(ada());
    assert_eq!(
        create(&projects, ada(), "Orchard", None),
        Err(ProjectError::OwnerDeleted)
    );
    assert!(projects.rows().is_empty());
}

#[test]
fn an_unavailable_store_is_reported_as_such() {
    let projects = InMemoryProjects::default();
    projects.unavailable.store(true, Ordering::SeqCst);
    assert!(matches!(
        create(&projects, ada(), "Garden", None),
        Err(ProjectError::Repository(RepositoryError::Unavailable(_)))
    ));
    assert!(matches!(
        block_on(ListProjects::new(&projects).execute(ada(), None, PageSize::default())),
        Err(ProjectError::Repository(RepositoryError::Unavailable(_)))
    ));
}
