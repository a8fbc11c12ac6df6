//! Ticket search with every filter the call center's old system had (contact, address, phone,
//! content, reported period, appointment, team, category, status, source), paged and sorted.
//! Field workers search within their own teams' tickets only.

use super::view;
use crate::auth::CurrentUser;
use crate::db::filter::{Filter, Value};
use crate::db::tickets as store;
use crate::db::{self, Db, like_pattern};
use crate::error::{AppError, AppResult};
use gasdesk_shared::api::{DEFAULT_PAGE, MAX_PAGE, Page};
use gasdesk_shared::intake::{TicketQuery, TicketView};
use gasdesk_shared::ticket::TicketStatus;
use gasdesk_shared::{Permission, validate};

fn text(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// The ORDER BY for a `sort` parameter; only these columns, so the clause is never user text.
fn order(sort: Option<&str>) -> AppResult<&'static str> {
    Ok(match sort.unwrap_or("-created_at") {
        "created_at" => "created_at ASC, id ASC",
        "-created_at" => "created_at DESC, id DESC",
        "deadline_at" => "deadline_at ASC, id ASC",
        "-deadline_at" => "deadline_at DESC, id DESC",
        "number" => "number ASC",
        "-number" => "number DESC",
        other => {
            return Err(AppError::validation(
                "sort",
                format!(
                    "cannot sort by `{other}`; use created_at, deadline_at or number (prefix - for descending)"
                ),
            ));
        }
    })
}

pub async fn search(
    db: &Db,
    user: &CurrentUser,
    query: TicketQuery,
) -> AppResult<Page<TicketView>> {
    let limit = query.limit.unwrap_or(DEFAULT_PAGE);
    if limit == 0 || limit > MAX_PAGE {
        return Err(AppError::validation(
            "limit",
            format!("must be between 1 and {MAX_PAGE}"),
        ));
    }
    let offset = query.offset.unwrap_or(0);
    let order = order(text(&query.sort))?;
    let mut filter = Filter::default();
    if !user.role.can(Permission::ViewTickets) {
        // Field workers: their teams' tickets, or those assigned to them.
        let mut scope: Vec<(&str, Value)> = user
            .team_ids
            .iter()
            .map(|t| ("team_id = ?", Value::Id(*t)))
            .collect();
        scope.push(("assignee_id = ?", Value::Id(user.id)));
        filter.push_any(scope);
    }
    if let Some(n) = text(&query.number) {
        filter.push("number = ?", Value::Text(n.to_owned()));
    }
    if let Some(c) = text(&query.contact) {
        filter.push("reporter LIKE ? ESCAPE '\\'", Value::Text(like_pattern(c)));
    }
    if let Some(p) = text(&query.phone) {
        filter.push("phone = ?", Value::Text(validate::phone("phone", p)?));
    }
    if let Some(a) = text(&query.address) {
        filter.push("address LIKE ? ESCAPE '\\'", Value::Text(like_pattern(a)));
    }
    if let Some(c) = text(&query.content) {
        filter.push("content LIKE ? ESCAPE '\\'", Value::Text(like_pattern(c)));
    }
    if let Some(c) = text(&query.category) {
        filter.push("category = ?", Value::Text(c.to_owned()));
    }
    if let Some(s) = text(&query.status) {
        let status = TicketStatus::parse(s)
            .ok_or_else(|| AppError::validation("status", format!("unknown status `{s}`")))?;
        filter.push("status = ?", Value::Text(status.as_str().to_owned()));
    }
    if let Some(s) = text(&query.source) {
        filter.push("source = ?", Value::Text(s.to_owned()));
    }
    if let Some(team) = query.team_id {
        filter.push("team_id = ?", Value::Id(team));
    }
    let (reported_from, reported_to) = (
        query.reported_from.map(db::utc),
        query.reported_to.map(db::utc),
    );
    let (appointment_from, appointment_to) = (
        query.appointment_from.map(db::utc),
        query.appointment_to.map(db::utc),
    );
    if let (Some(from), Some(to)) = (reported_from, reported_to)
        && to <= from
    {
        return Err(AppError::validation(
            "reported_to",
            "the period ends before it starts",
        ));
    }
    if let Some(from) = reported_from {
        filter.push("created_at >= ?", Value::Time(from));
    }
    if let Some(to) = reported_to {
        filter.push("created_at < ?", Value::Time(to));
    }
    // Appointments overlapping the asked window.
    if let Some(from) = appointment_from {
        filter.push("appointment_to >= ?", Value::Time(from));
    }
    if let Some(to) = appointment_to {
        filter.push("appointment_from < ?", Value::Time(to));
    }
    let (rows, total) =
        store::search(db, &filter, order, i64::from(limit), i64::from(offset)).await?;
    let mut items = Vec::with_capacity(rows.len());
    for row in rows {
        items.push(view(db, row).await?);
    }
    Ok(Page {
        capped: total >= store::COUNT_CAP,
        items,
        total: total.clamp(0, store::COUNT_CAP - 1) as u64,
        limit,
        offset,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_known_sort_keys() {
        assert!(super::order(Some("-deadline_at")).is_ok());
        assert_eq!(super::order(None).unwrap(), "created_at DESC, id DESC");
        assert!(super::order(Some("1; DROP TABLE users")).is_err());
    }
}
