//! Customer accounts (客户) from the billing system: lookup for intake, and keeping them in
//! step with the billing system's exports (see `import`).

pub mod address_index;
pub mod import;
pub mod index;

use crate::auth::CurrentUser;
use crate::db::audit::{self, Actor};
use crate::db::customers::{self as store, CustomerFilter, CustomerRow};
use crate::db::{self, Db};
use crate::error::{AppError, AppResult};
use gasdesk_shared::api::{
    CustomerQuery, CustomerView, DEFAULT_PAGE, MAX_PAGE, MIN_NUMBER_PREFIX, NewCustomer, Page,
};
use gasdesk_shared::{Permission, validate};
use serde_json::json;
use std::collections::HashMap;
use uuid::Uuid;

pub use index::CustomerIndex;

/// Finds customers for intake: by address text (fuzzy, from the address index), card number
/// or phone number (exact, from the database), or the start of either (`number`, as typed).
pub async fn search(
    db: &Db,
    index: &CustomerIndex,
    user: &CurrentUser,
    query: CustomerQuery,
) -> AppResult<Page<CustomerView>> {
    user.require(Permission::ViewCustomers)?;
    let limit = query.limit.unwrap_or(DEFAULT_PAGE);
    if limit == 0 || limit > MAX_PAGE {
        return Err(AppError::validation(
            "limit",
            format!("must be between 1 and {MAX_PAGE}"),
        ));
    }
    let offset = query.offset.unwrap_or(0);
    if let Some(number) = query.number.as_deref() {
        if query.q.is_some() || query.card_no.is_some() || query.phone.is_some() {
            return Err(AppError::validation(
                "number",
                "search by the start of a number alone, not together with q, card_no or phone",
            ));
        }
        return by_number(db, number, limit, offset).await;
    }
    let text = query.q.as_deref().map(str::trim).filter(|t| !t.is_empty());
    let phone = match query
        .phone
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        Some(p) => Some(validate::phone("phone", p)?),
        None => None,
    };
    if let (Some(text), None, None) = (
        text,
        &phone,
        query
            .card_no
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty()),
    ) {
        return by_address(db, index, text, limit, offset).await;
    }
    let filter = CustomerFilter {
        text,
        card_no: query
            .card_no
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty()),
        phone: phone.as_deref(),
        limit: i64::from(limit),
        offset: i64::from(offset),
    };
    let (rows, total) = store::search(db, &filter).await?;
    Ok(Page {
        capped: false,
        items: with_phones(db, rows).await?,
        total: total.max(0) as u64,
        limit,
        offset,
    })
}

pub async fn get(db: &Db, user: &CurrentUser, id: Uuid) -> AppResult<CustomerView> {
    user.require(Permission::ViewCustomers)?;
    let row = store::by_id(db, id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("no customer with id {id}")))?;
    Ok(with_phones(db, vec![row]).await?.remove(0))
}

/// The address index's best matches, fetched and kept in its order. At most `MAX_PAGE` matches
/// are ranked, so `total` counts those.
async fn by_address(
    db: &Db,
    index: &CustomerIndex,
    text: &str,
    limit: u32,
    offset: u32,
) -> AppResult<Page<CustomerView>> {
    let hits = index.search(text, MAX_PAGE as usize);
    let page: Vec<Uuid> = hits
        .iter()
        .skip(offset as usize)
        .take(limit as usize)
        .map(|h| h.id)
        .collect();
    let mut rows = store::by_ids(db, &page).await?;
    rows.sort_by_key(|r| page.iter().position(|id| *id == r.id));
    Ok(Page {
        capped: false,
        items: with_phones(db, rows).await?,
        total: hits.len() as u64,
        limit,
        offset,
    })
}

/// What the agent typed as the start of a number: the card-number prefix (spaces dropped) and,
/// when it is all digits, the phone-number prefix (dashes dropped too, as phones are stored).
fn number_prefixes(number: &str) -> Result<(String, Option<String>), validate::Invalid> {
    let card: String = number.chars().filter(|c| *c != ' ').collect();
    if let Some(bad) = card
        .chars()
        .find(|c| !c.is_ascii_alphanumeric() && *c != '-')
    {
        return Err(validate::invalid(
            "number",
            format!("`{bad}` is not part of a card or phone number"),
        ));
    }
    let phone: String = card.chars().filter(|c| *c != '-').collect();
    if phone.len() < MIN_NUMBER_PREFIX {
        return Err(validate::invalid(
            "number",
            format!("type at least {MIN_NUMBER_PREFIX} digits of the card or phone number"),
        ));
    }
    if card.len() > 32 {
        return Err(validate::invalid(
            "number",
            "is longer than any card or phone number (32 characters at most)",
        ));
    }
    let phone = phone.chars().all(|c| c.is_ascii_digit()).then_some(phone);
    Ok((card, phone))
}

/// Customers whose card number or a phone number starts with what was typed, in card-number
/// order. Up to `MAX_PAGE` matches are counted; `capped` says there are more.
async fn by_number(
    db: &Db,
    number: &str,
    limit: u32,
    offset: u32,
) -> AppResult<Page<CustomerView>> {
    let (card, phone) = number_prefixes(number)?;
    let cap = i64::from(MAX_PAGE) + 1;
    let ids = store::ids_by_number_prefix(db, &card, phone.as_deref(), cap).await?;
    let capped = ids.len() > MAX_PAGE as usize;
    let total = ids.len().min(MAX_PAGE as usize) as u64;
    let page: Vec<Uuid> = ids
        .into_iter()
        .take(MAX_PAGE as usize)
        .skip(offset as usize)
        .take(limit as usize)
        .collect();
    let mut rows = store::by_ids(db, &page).await?;
    rows.sort_by_key(|r| page.iter().position(|id| *id == r.id));
    Ok(Page {
        capped,
        items: with_phones(db, rows).await?,
        total,
        limit,
        offset,
    })
}

async fn with_phones(db: &Db, rows: Vec<CustomerRow>) -> AppResult<Vec<CustomerView>> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let mut phones: HashMap<Uuid, Vec<String>> = HashMap::new();
    for (id, phone) in store::phones_of(db, &ids).await? {
        phones.entry(id).or_default().push(phone);
    }
    Ok(rows
        .into_iter()
        .map(|r| CustomerView {
            phones: phones.remove(&r.id).unwrap_or_default(),
            id: r.id,
            card_no: r.card_no,
            name: r.name,
            address: r.address,
            district: r.district,
            street: r.street,
            community: r.community,
            lon: r.lon,
            lat: r.lat,
            arrears_fen: r.arrears_fen,
        })
        .collect())
}

/// A customer as validated for storage, with normalised phone numbers.
pub struct ValidCustomer {
    pub row: CustomerRow,
    pub phones: Vec<String>,
}

/// Checks every field of a customer and names the first one that is wrong.
pub fn validate_customer(new: NewCustomer) -> Result<ValidCustomer, validate::Invalid> {
    let card_no = validate::required_text("card_no", &new.card_no, 32)?;
    if !card_no
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        return Err(validate::invalid(
            "card_no",
            format!("`{card_no}` may contain only letters, digits and -"),
        ));
    }
    let name = validate::required_text("name", &new.name, 64)?;
    let address = validate::required_text("address", &new.address, 200)?;
    let phones = new
        .phones
        .iter()
        .enumerate()
        .map(|(i, p)| validate::phone(&format!("phones[{i}]"), p))
        .collect::<Result<Vec<_>, _>>()?;
    let location = validate::location(new.lon, new.lat)?;
    let arrears_fen = validate::amount_fen("arrears_fen", new.arrears_fen)?;
    let now = db::now();
    Ok(ValidCustomer {
        row: CustomerRow {
            id: Uuid::now_v7(),
            card_no,
            name,
            address,
            district: validate::optional_text("district", new.district.as_deref(), 32)?,
            street: validate::optional_text("street", new.street.as_deref(), 32)?,
            community: validate::optional_text("community", new.community.as_deref(), 32)?,
            lon: location.map(|l| l.0),
            lat: location.map(|l| l.1),
            arrears_fen,
            created_at: now,
            updated_at: now,
        },
        phones,
    })
}

/// Creates or updates (by card number) one customer.
pub async fn upsert(
    db: &Db,
    index: Option<&CustomerIndex>,
    actor: Actor,
    new: NewCustomer,
) -> AppResult<CustomerView> {
    let valid = validate_customer(new)?;
    let mut tx = db.begin().await?;
    let (id, created) = store::upsert(&mut tx, &valid.row, &valid.phones).await?;
    audit::record(
        &mut tx,
        actor,
        if created {
            "customer.create"
        } else {
            "customer.update"
        },
        "customer",
        Some(id.to_string()),
        json!({ "card_no": valid.row.card_no }),
    )
    .await?;
    tx.commit().await?;
    if let Some(index) = index {
        index.record(id, &valid.row.address);
    }
    let row = store::by_id(db, id)
        .await?
        .ok_or_else(|| AppError::Internal("customer vanished after upsert".into()))?;
    Ok(with_phones(db, vec![row]).await?.remove(0))
}
