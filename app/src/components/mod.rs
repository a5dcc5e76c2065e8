//! Pieces shared by several pages.

mod avatar;
mod header;

pub use avatar::Avatar;
pub use header::SiteHeader;
