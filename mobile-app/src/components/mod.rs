//! Small render-only pieces shared by the pages.

mod error_banner;
mod lang_toggle;

pub use error_banner::ErrorBanner;
pub use lang_toggle::LangToggle;
