//! Pieces shared by several pages.

mod avatar;
mod error_notice;
mod guard;
mod header;
mod projects;

pub use avatar::Avatar;
pub use error_notice::ErrorNotice;
pub use guard::require_sign_in;
pub use header::SiteHeader;
pub use projects::ProjectsPanel;
