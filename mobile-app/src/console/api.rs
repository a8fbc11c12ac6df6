//! The console's calls to `/api/v1`: one function per endpoint it uses, typed with the shared
//! API shapes so the console and the server cannot drift apart.

use super::net::{self, Body, with_query};
use crate::api::ApiError;
use gasdesk_shared::api::{CustomerView, Page, TeamView};
use gasdesk_shared::callcenter::KnowledgeHit;
use gasdesk_shared::intake::{CustomerContext, NewTicket, TicketView, TransitionRequest};
use gasdesk_shared::push::{DeliveryView, StreamTicket};
use gasdesk_shared::routing::{AlertView, NewPatrolCheck, PatrolCheckView, Resolution};
use uuid::Uuid;

/// How many customers the intake search lists.
pub const CUSTOMER_HITS: u32 = 8;
/// Open tickets the board loads at once (the API's largest page).
pub const BOARD_PAGE: u32 = 500;

/// How the intake search reads what the agent typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CustomerSearch {
    /// Part of an address or a name (fuzzy on the server).
    Text(String),
    /// Digits (spaces and dashes allowed): the start of a card or phone number.
    Number(String),
    /// Too little typed to search yet.
    TooShort,
}

/// Fewer characters of address text than this list too many customers to help.
pub const MIN_TEXT_CHARS: usize = 2;

pub fn customer_search(typed: &str) -> CustomerSearch {
    let text = typed.trim();
    let digits = text.chars().filter(|c| !matches!(c, '-' | ' ')).count();
    let numeric = digits > 0
        && text
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '-' | ' '));
    if numeric {
        if digits < gasdesk_shared::api::MIN_NUMBER_PREFIX {
            CustomerSearch::TooShort
        } else {
            CustomerSearch::Number(text.to_string())
        }
    } else if text.chars().count() < MIN_TEXT_CHARS {
        CustomerSearch::TooShort
    } else {
        CustomerSearch::Text(text.to_string())
    }
}

/// Finds customers by what the agent typed: address or name text, or the first digits of a
/// card or phone number; nothing while too little is typed.
pub async fn search_customers(token: &str, typed: &str) -> Result<Page<CustomerView>, ApiError> {
    let (key, value) = match customer_search(typed) {
        CustomerSearch::Text(text) => ("q", text),
        CustomerSearch::Number(number) => ("number", number),
        CustomerSearch::TooShort => {
            return Ok(Page {
                items: Vec::new(),
                total: 0,
                capped: false,
                limit: CUSTOMER_HITS,
                offset: 0,
            });
        }
    };
    let path = with_query(
        "/api/v1/customers",
        &[(key, value), ("limit", CUSTOMER_HITS.to_string())],
    );
    net::get(token, &path).await
}

pub async fn customer_context(token: &str, id: Uuid) -> Result<CustomerContext, ApiError> {
    net::get(token, &format!("/api/v1/customers/{id}/context")).await
}

pub async fn resolve(
    token: &str,
    lon: Option<f64>,
    lat: Option<f64>,
    address: &str,
) -> Result<Resolution, ApiError> {
    let mut pairs = vec![];
    if let (Some(lon), Some(lat)) = (lon, lat) {
        pairs.push(("lon", lon.to_string()));
        pairs.push(("lat", lat.to_string()));
    } else {
        pairs.push(("address", address.to_string()));
    }
    net::get(token, &with_query("/api/v1/routing/resolve", &pairs)).await
}

pub async fn teams(token: &str) -> Result<Vec<TeamView>, ApiError> {
    net::get(token, "/api/v1/teams").await
}

pub async fn search_knowledge(token: &str, text: &str) -> Result<Page<KnowledgeHit>, ApiError> {
    let path = with_query(
        "/api/v1/knowledge",
        &[("q", text.to_string()), ("limit", "10".into())],
    );
    net::get(token, &path).await
}

pub async fn create_ticket(token: &str, ticket: &NewTicket) -> Result<TicketView, ApiError> {
    net::post(token, "/api/v1/tickets", Body::json(ticket)?).await
}

pub async fn get_ticket(token: &str, id: Uuid) -> Result<TicketView, ApiError> {
    net::get(token, &format!("/api/v1/tickets/{id}")).await
}

pub async fn tickets(
    token: &str,
    filters: &[(&str, String)],
) -> Result<Page<TicketView>, ApiError> {
    net::get(token, &with_query("/api/v1/tickets", filters)).await
}

pub async fn transition(
    token: &str,
    id: Uuid,
    request: &TransitionRequest,
) -> Result<TicketView, ApiError> {
    let path = format!("/api/v1/tickets/{id}/transitions");
    net::post(token, &path, Body::json(request)?).await
}

pub async fn deliveries(token: &str, id: Uuid) -> Result<Vec<DeliveryView>, ApiError> {
    net::get(token, &format!("/api/v1/tickets/{id}/deliveries")).await
}

pub async fn alerts(token: &str) -> Result<Vec<AlertView>, ApiError> {
    net::get(token, "/api/v1/alerts").await
}

/// Only the browser build opens the live stream.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
pub async fn stream_ticket(token: &str) -> Result<StreamTicket, ApiError> {
    net::post(token, "/api/v1/live/tickets", Body::json(&())?).await
}

pub async fn report_check(
    token: &str,
    check: &NewPatrolCheck,
) -> Result<PatrolCheckView, ApiError> {
    net::post(token, "/api/v1/patrol-checks", Body::json(check)?).await
}

pub async fn create_consultation(
    token: &str,
    new: &gasdesk_shared::callcenter::NewConsultation,
) -> Result<gasdesk_shared::callcenter::ConsultationView, ApiError> {
    net::post(token, "/api/v1/consultations", Body::json(new)?).await
}

pub async fn create_event(
    token: &str,
    new: &gasdesk_shared::callcenter::NewEvent,
) -> Result<gasdesk_shared::callcenter::EventView, ApiError> {
    net::post(token, "/api/v1/events", Body::json(new)?).await
}

pub async fn pending_followups(
    token: &str,
) -> Result<Vec<gasdesk_shared::followup::FollowupView>, ApiError> {
    net::get(token, "/api/v1/followups").await
}

pub async fn take_followups(
    token: &str,
    size: u32,
) -> Result<gasdesk_shared::followup::FollowupBatch, ApiError> {
    let body = gasdesk_shared::followup::TakeBatch { size };
    net::post(token, "/api/v1/followups/batches", Body::json(&body)?).await
}

pub async fn release_followups(token: &str, batch: Uuid) -> Result<(), ApiError> {
    let path = format!("/api/v1/followups/batches/{batch}/release");
    net::send_no_content(token, "POST", &path, None).await
}

pub async fn record_followup(
    token: &str,
    id: Uuid,
    result: &gasdesk_shared::followup::FollowupResult,
) -> Result<gasdesk_shared::followup::FollowupView, ApiError> {
    let path = format!("/api/v1/followups/{id}/result");
    net::post(token, &path, Body::json(result)?).await
}

pub async fn forwarded_consultations(
    token: &str,
) -> Result<Page<gasdesk_shared::callcenter::ConsultationView>, ApiError> {
    net::get(token, "/api/v1/consultations?status=forwarded&limit=200").await
}

pub async fn reply_consultation(token: &str, id: Uuid, reply: &str) -> Result<(), ApiError> {
    let body = gasdesk_shared::callcenter::DepartmentReply {
        reply: reply.to_string(),
        replier: None,
    };
    let path = format!("/api/v1/consultations/{id}/reply");
    net::send_no_content(token, "POST", &path, Some(Body::json(&body)?)).await
}

pub async fn events_awaiting_reply(
    token: &str,
) -> Result<Page<gasdesk_shared::callcenter::EventView>, ApiError> {
    net::get(token, "/api/v1/events?awaiting_reply=true&limit=200").await
}

pub async fn reply_event(token: &str, id: Uuid, reply: &str) -> Result<(), ApiError> {
    let body = gasdesk_shared::callcenter::EventReply {
        reply: reply.to_string(),
    };
    let path = format!("/api/v1/events/{id}/reply");
    net::send_no_content(token, "POST", &path, Some(Body::json(&body)?)).await
}

pub async fn checks(token: &str) -> Result<Vec<PatrolCheckView>, ApiError> {
    net::get(token, "/api/v1/patrol-checks").await
}

pub async fn flagged(token: &str) -> Result<Vec<gasdesk_shared::sync::FlaggedMutation>, ApiError> {
    net::get(token, "/api/v1/sync/flagged").await
}

pub async fn resolve_flagged(token: &str, id: Uuid, resolution: &str) -> Result<(), ApiError> {
    let body = gasdesk_shared::sync::ResolveFlag {
        resolution: resolution.to_string(),
    };
    let path = format!("/api/v1/sync/flagged/{id}/resolve");
    net::send_no_content(token, "POST", &path, Some(Body::json(&body)?)).await
}

#[cfg(test)]
mod tests {
    use super::{CustomerSearch, customer_search};

    #[test]
    fn typed_digits_are_the_start_of_a_number_and_the_rest_is_address_text() {
        assert_eq!(
            customer_search(" 0800 "),
            CustomerSearch::Number("0800".into())
        );
        assert_eq!(
            customer_search("0512-6523"),
            CustomerSearch::Number("0512-6523".into())
        );
        assert_eq!(customer_search("13"), CustomerSearch::TooShort);
        assert_eq!(customer_search("1-3"), CustomerSearch::TooShort);
        assert_eq!(customer_search("人"), CustomerSearch::TooShort);
        assert_eq!(
            customer_search("人民路12"),
            CustomerSearch::Text("人民路12".into())
        );
        assert_eq!(customer_search("12幢"), CustomerSearch::Text("12幢".into()));
        assert_eq!(customer_search("  "), CustomerSearch::TooShort);
    }
}
