//! The call center's other workflows: consultations (咨询单), events (事件) and the knowledge
//! base (知识库).

pub mod consultations;
pub mod events;
pub mod knowledge;
pub mod search;
pub mod slip;

use crate::error::{AppError, AppResult};
use gasdesk_shared::api::{DEFAULT_PAGE, MAX_PAGE};

/// The page size asked for, checked, and the offset.
fn page(limit: Option<u32>, offset: Option<u32>) -> AppResult<(u32, u32)> {
    let limit = limit.unwrap_or(DEFAULT_PAGE);
    if limit == 0 || limit > MAX_PAGE {
        return Err(AppError::validation(
            "limit",
            format!("must be between 1 and {MAX_PAGE}"),
        ));
    }
    Ok((limit, offset.unwrap_or(0)))
}

/// A trimmed, non-empty query parameter.
fn text(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}
