//! Types and rules shared by the gasdesk server and the field app: the API's request and response
//! shapes, roles and permissions, and input validation. Pure Rust, builds for the host and wasm32.

pub mod api;
pub mod attachments;
pub mod basemap;
pub mod callcenter;
pub mod datum;
pub mod error;
pub mod followup;
pub mod intake;
pub mod push;
pub mod roles;
pub mod routing;
pub mod scoring;
pub mod sync;
mod tagged;
pub mod ticket;
pub mod validate;

pub use error::{ErrorBody, ErrorCode, ErrorDetail};
pub use roles::{Permission, Role, TeamKind};
