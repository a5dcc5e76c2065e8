//! Top-level pages, one per route.

mod dashboard;
mod landing;
mod not_found;
mod profile;
mod sign_in;

pub use dashboard::Dashboard;
pub use landing::Landing;
pub use not_found::NotFound;
pub use profile::Profile;
pub use sign_in::{SignIn, SignUp};
