//! Top-level pages, one per route.

mod dashboard;
mod landing;
mod not_found;
mod paths;
mod sign_in;

pub use dashboard::Dashboard;
pub use landing::Landing;
pub use not_found::NotFound;
pub use sign_in::SignIn;
