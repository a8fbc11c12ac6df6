//! Whole screens. They render what they are given and report what the user did; the app
//! shell (`app.rs`) and the field frame (`field.rs`) connect them to the store.

mod checks;
mod complete;
mod field;
mod home;
mod job;
mod jobs;
mod patrol_log;
mod sign_in;
mod sync_details;

pub use checks::{CheckList, CheckRow, assignment_warning, recorded_finding};
pub use complete::{CompletionForm, FeePreview};
pub use field::{FieldShell, UserStrip};
pub use home::HomePage;
pub use job::{JobDetail, StepEntry, amap_link, geo_link};
pub use jobs::JobList;
pub use patrol_log::PatrolLogPage;
pub use sign_in::SignInPage;
pub use sync_details::SyncDetails;

#[cfg(test)]
mod tests;
