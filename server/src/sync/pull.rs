//! Pulls: a device's scope (the open jobs assigned to the worker or to their team with nobody
//! named yet, the team's open leak checks) and the reference data it needs offline.
//!
//! The first pull, and any pull after the server asked for a full resync, pages through a
//! snapshot of the scope taken at change-log position N; from then on pulls read the change log
//! after the cursor and send each touched ticket or check again, or its removal when it has
//! left the scope. A change made while a snapshot is being paged has a number above N, so it
//! comes with the next incremental pull. Cursors carry the device's resync epoch: raising it
//! turns every older cursor into a fresh snapshot.

use super::own_device;
use crate::auth::CurrentUser;
use crate::db::sync::{self as store, VersionedCheck, VersionedTicket};
use crate::db::{self, Db, customers, routing as routing_store, teams, tickets as tickets_store};
use crate::error::{AppError, AppResult};
use crate::routing::checks;
use crate::state::AppState;
use crate::tickets::outages;
use crate::{catalog, tickets};
use gasdesk_shared::sync::{
    DEFAULT_PULL_LIMIT, EntityKind, FieldCheck, FieldCustomer, FieldTicket, MAX_PULL_LIMIT,
    PastRepair, PullQuery, PullResponse, ReferenceData, Removal,
};
use sha2::{Digest, Sha256};
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use uuid::Uuid;

/// Where a device is in its pulls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cursor {
    /// Paging a snapshot taken at change-log position `at`: `kind`, ids after `after`.
    Snapshot {
        epoch: i64,
        at: i64,
        kind: EntityKind,
        after: Option<Uuid>,
    },
    /// Reading the change log after `seq`.
    Changes { epoch: i64, seq: i64 },
}

impl Cursor {
    fn encode(self) -> String {
        match self {
            Cursor::Snapshot {
                epoch,
                at,
                kind,
                after,
            } => format!(
                "{epoch}.s.{at}.{}.{}",
                match kind {
                    EntityKind::Ticket => "t",
                    EntityKind::Check => "c",
                },
                after.map(|a| a.simple().to_string()).unwrap_or_default()
            ),
            Cursor::Changes { epoch, seq } => format!("{epoch}.c.{seq}"),
        }
    }

    fn decode(text: &str) -> Option<Cursor> {
        let parts: Vec<&str> = text.split('.').collect();
        let epoch = parts.first()?.parse().ok()?;
        match parts.as_slice() {
            [_, "c", seq] => Some(Cursor::Changes {
                epoch,
                seq: seq.parse().ok()?,
            }),
            [_, "s", at, kind, after] => Some(Cursor::Snapshot {
                epoch,
                at: at.parse().ok()?,
                kind: match *kind {
                    "t" => EntityKind::Ticket,
                    "c" => EntityKind::Check,
                    _ => return None,
                },
                after: if after.is_empty() {
                    None
                } else {
                    Some(Uuid::parse_str(after).ok()?)
                },
            }),
            _ => None,
        }
    }

    fn epoch(self) -> i64 {
        match self {
            Cursor::Snapshot { epoch, .. } | Cursor::Changes { epoch, .. } => epoch,
        }
    }
}

pub async fn pull(
    state: &AppState,
    user: &CurrentUser,
    query: PullQuery,
) -> AppResult<PullResponse> {
    let db = &state.db;
    let device = own_device(db, user, query.device_id).await?;
    let limit = i64::from(query.limit.unwrap_or(DEFAULT_PULL_LIMIT));
    if !(1..=i64::from(MAX_PULL_LIMIT)).contains(&limit) {
        return Err(AppError::validation(
            "limit",
            format!("ask for 1 to {MAX_PULL_LIMIT} changes per page"),
        ));
    }
    let cursor = match query.cursor.as_deref().filter(|c| !c.is_empty()) {
        None => None,
        Some(text) => Some(Cursor::decode(text).ok_or_else(|| {
            AppError::validation("cursor", "is not a cursor this server gave out")
        })?),
    };
    // When the phone was last heard of, to the minute: a write per pull would queue every
    // pull behind the pushes on SQLite's one writer.
    let now = db::now();
    if device
        .last_seen_at
        .is_none_or(|seen| now - seen > time::Duration::minutes(1))
    {
        store::touch(db, device.id, now).await?;
    }
    // No cursor, or one from before a forced resync: a new snapshot.
    let (cursor, reset) = match cursor {
        Some(c) if c.epoch() == device.resync_epoch => (c, false),
        _ => (
            Cursor::Snapshot {
                epoch: device.resync_epoch,
                at: store::last_change(db).await?,
                kind: EntityKind::Ticket,
                after: None,
            },
            true,
        ),
    };
    let mut page = PullResponse {
        reset,
        tickets: Vec::new(),
        checks: Vec::new(),
        removed: Vec::new(),
        cursor: String::new(),
        more: false,
        reference: None,
    };
    let next = match cursor {
        Cursor::Snapshot {
            epoch,
            at,
            kind: EntityKind::Ticket,
            after,
        } => {
            let rows =
                store::scope_tickets(db, user.id, &user.team_ids, after, None, limit).await?;
            let full = rows.len() as i64 == limit;
            let last = rows.last().map(|r| r.row.id);
            page.tickets = field_tickets(db, rows).await?;
            page.more = true;
            if full {
                Cursor::Snapshot {
                    epoch,
                    at,
                    kind: EntityKind::Ticket,
                    after: last,
                }
            } else {
                Cursor::Snapshot {
                    epoch,
                    at,
                    kind: EntityKind::Check,
                    after: None,
                }
            }
        }
        Cursor::Snapshot {
            epoch,
            at,
            kind: EntityKind::Check,
            after,
        } => {
            let rows = store::scope_checks(db, user.id, &user.team_ids, after, None, limit).await?;
            let full = rows.len() as i64 == limit;
            let last = rows.last().map(|r| r.row.id);
            page.checks = field_checks(db, rows).await?;
            page.more = full || store::last_change(db).await? > at;
            if full {
                Cursor::Snapshot {
                    epoch,
                    at,
                    kind: EntityKind::Check,
                    after: last,
                }
            } else {
                Cursor::Changes { epoch, seq: at }
            }
        }
        Cursor::Changes { epoch, seq } => {
            let changes = store::changes_after(db, seq, user.id, &user.team_ids, limit).await?;
            page.more = changes.len() as i64 == limit;
            let last = changes.last().map(|c| c.0).unwrap_or(seq);
            let mut ticket_ids = BTreeSet::new();
            let mut check_ids = BTreeSet::new();
            for (_, kind, id) in changes {
                if kind == "ticket" {
                    ticket_ids.insert(id);
                } else {
                    check_ids.insert(id);
                }
            }
            let ticket_ids: Vec<Uuid> = ticket_ids.into_iter().collect();
            let check_ids: Vec<Uuid> = check_ids.into_iter().collect();
            if !ticket_ids.is_empty() {
                let rows = store::scope_tickets(
                    db,
                    user.id,
                    &user.team_ids,
                    None,
                    Some(&ticket_ids),
                    limit,
                )
                .await?;
                let kept: BTreeSet<Uuid> = rows.iter().map(|r| r.row.id).collect();
                page.removed
                    .extend(
                        ticket_ids
                            .iter()
                            .filter(|id| !kept.contains(id))
                            .map(|id| Removal {
                                kind: EntityKind::Ticket,
                                id: *id,
                            }),
                    );
                page.tickets = field_tickets(db, rows).await?;
            }
            if !check_ids.is_empty() {
                let rows =
                    store::scope_checks(db, user.id, &user.team_ids, None, Some(&check_ids), limit)
                        .await?;
                let kept: BTreeSet<Uuid> = rows.iter().map(|r| r.row.id).collect();
                page.removed
                    .extend(
                        check_ids
                            .iter()
                            .filter(|id| !kept.contains(id))
                            .map(|id| Removal {
                                kind: EntityKind::Check,
                                id: *id,
                            }),
                    );
                page.checks = field_checks(db, rows).await?;
            }
            Cursor::Changes { epoch, seq: last }
        }
    };
    page.cursor = next.encode();
    let reference = reference(db, &state.reference_cache).await?;
    if query.reference_version.as_deref() != Some(reference.version.as_str()) {
        page.reference = Some(ReferenceData::clone(&reference));
    }
    Ok(page)
}

/// The jobs as the phone keeps them, read in a fixed number of queries whatever their count:
/// team names, routing decisions, customers, phones and outage notices in one read each; only
/// each customer's past repairs take one read per customer.
async fn field_tickets(db: &Db, rows: Vec<VersionedTicket>) -> AppResult<Vec<FieldTicket>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let now = db::now();
    let team_names: HashMap<Uuid, String> = teams::list(db)
        .await?
        .into_iter()
        .map(|t| (t.id, t.name))
        .collect();
    let ids: Vec<Uuid> = rows.iter().map(|r| r.row.id).collect();
    let mut decisions: HashMap<Uuid, _> = HashMap::new();
    for d in routing_store::latest_decisions(db, tickets::SUBJECT, &ids).await? {
        decisions.insert(d.subject_id, tickets::decision_view(d)?);
    }
    let customer_ids: Vec<Uuid> = rows
        .iter()
        .filter_map(|r| r.row.customer_id)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut phones: HashMap<Uuid, Vec<String>> = HashMap::new();
    for (id, phone) in customers::phones_of(db, &customer_ids).await? {
        phones.entry(id).or_default().push(phone);
    }
    let customer_rows: HashMap<Uuid, customers::CustomerRow> = customers::by_ids(db, &customer_ids)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    let mut field_customers: HashMap<Uuid, FieldCustomer> = HashMap::new();
    for c in customer_rows.values() {
        let mut past_repairs = Vec::new();
        for t in tickets_store::of_customer(db, c.id, 10).await? {
            past_repairs.push(PastRepair {
                ticket_id: t.id,
                status: tickets::parse_status(&t.status)?,
                number: t.number,
                reported_at: t.created_at,
                category: t.category,
            });
        }
        field_customers.insert(
            c.id,
            FieldCustomer {
                id: c.id,
                name: c.name.clone(),
                card_no: c.card_no.clone(),
                phones: phones.remove(&c.id).unwrap_or_default(),
                address: c.address.clone(),
                arrears_fen: c.arrears_fen,
                past_repairs,
            },
        );
    }
    let notices = outages::active(db, now).await?;
    let threshold = crate::params::integer(db, "arrears_warning_fen").await?;
    let mut out = Vec::with_capacity(rows.len());
    for VersionedTicket { row, version } in rows {
        let customer_row = row.customer_id.and_then(|id| customer_rows.get(&id));
        let mut warnings = Vec::new();
        warnings
            .extend(customer_row.and_then(|c| tickets::arrears_message(threshold, c.arrears_fen)));
        let place = outages::Place {
            address: &row.address,
            street: customer_row.and_then(|c| c.street.as_deref()),
            community: customer_row.and_then(|c| c.community.as_deref()),
            location: row.lon.zip(row.lat),
        };
        warnings.extend(outages::covering_of(&notices, &place).map(outages::describe));
        let customer = row
            .customer_id
            .and_then(|id| field_customers.get(&id).cloned());
        let team_name = row.team_id.and_then(|t| team_names.get(&t).cloned());
        let decision = decisions.remove(&row.id);
        let mut ticket = tickets::assemble(row, team_name, decision)?;
        ticket.warnings = warnings;
        out.push(FieldTicket {
            ticket,
            version,
            customer,
        });
    }
    Ok(out)
}

async fn field_checks(db: &Db, rows: Vec<VersionedCheck>) -> AppResult<Vec<FieldCheck>> {
    let mut out = Vec::with_capacity(rows.len());
    for VersionedCheck { row, version } in rows {
        out.push(FieldCheck {
            check: checks::view(db, row).await?,
            version,
        });
    }
    Ok(out)
}

/// The last reference data built, with the fingerprint it was built from (see
/// [`store::reference_fingerprint`]): a pull costs one small read while nothing changed.
#[derive(Default)]
pub struct ReferenceCache(std::sync::Mutex<Option<(String, Arc<ReferenceData>)>>);

/// Catalogs, score rules and knowledge base, with a version that is the hash of their content:
/// it changes exactly when something a phone holds offline changed.
pub async fn reference(db: &Db, cache: &ReferenceCache) -> AppResult<Arc<ReferenceData>> {
    let fingerprint = store::reference_fingerprint(db).await?;
    if let Some((seen, data)) = cache.0.lock().map_err(poisoned)?.as_ref()
        && *seen == fingerprint
    {
        return Ok(data.clone());
    }
    let mut data = ReferenceData {
        version: String::new(),
        repair_items: catalog::repair_items(db).await?,
        materials: catalog::materials(db).await?,
        rules: tickets::rules::current(db).await?,
        knowledge: crate::callcenter::knowledge::all(db).await?,
    };
    let bytes = serde_json::to_vec(&data).map_err(|e| AppError::Internal(e.to_string()))?;
    let digest = Sha256::digest(&bytes);
    data.version = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
    let data = Arc::new(data);
    *cache.0.lock().map_err(poisoned)? = Some((fingerprint, data.clone()));
    Ok(data)
}

fn poisoned<T>(_: std::sync::PoisonError<T>) -> AppError {
    AppError::Internal("reference data cache poisoned".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_strangers_are_refused() {
        let samples = [
            Cursor::Changes { epoch: 2, seq: 981 },
            Cursor::Snapshot {
                epoch: 0,
                at: 7,
                kind: EntityKind::Ticket,
                after: None,
            },
            Cursor::Snapshot {
                epoch: 1,
                at: 7,
                kind: EntityKind::Check,
                after: Some(Uuid::now_v7()),
            },
        ];
        for c in samples {
            assert_eq!(Cursor::decode(&c.encode()), Some(c));
        }
        for bad in ["", "x", "1.c", "1.c.x", "1.s.3.q.", "1.s.3.t.nope", "1.z.3"] {
            assert_eq!(Cursor::decode(bad), None, "{bad}");
        }
    }
}
