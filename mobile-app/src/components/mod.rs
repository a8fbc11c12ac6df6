//! Small render-only pieces shared by the pages.

mod error_banner;
mod lang_toggle;
mod sync_bar;

pub use error_banner::ErrorBanner;
pub use lang_toggle::LangToggle;
pub use sync_bar::{SyncBar, SyncStatus};
