//! Offline sync, the server side: devices, pushes applied exactly once and in order, and the
//! dispatcher's view of what was kept but not applied. Pulls are in [`pull`].
//!
//! A push applies its mutations in one write transaction, together with their stored answers
//! and the device's new last sequence number: either all are written or none is, so a repeat
//! (the phone never heard the answer) is recognised and answered again, and a crash between
//! the change and the answer cannot apply anything twice. A mutation the rules refuse is not
//! lost: its writes are undone to a savepoint and it is stored as flagged, with the reason, for
//! the dispatcher, and the ones behind it go on.

pub mod pull;

use crate::attachments;
use crate::auth::CurrentUser;
use crate::db::sync::{self as store, DeviceRow, MutationRow};
use crate::db::tickets::{self as tickets_store, TicketRow};
use crate::db::{self, Db, Tx, audit, users};
use crate::error::{AppError, AppResult};
use crate::on_tx;
use crate::patrol::{self, logs};
use crate::state::AppState;
use crate::tickets::{self, records};
use gasdesk_shared::followup::TrackUpload;
use gasdesk_shared::sync::{
    Change, DeviceRegistration, DeviceView, FlaggedMutation, Mutation, MutationResult, Outcome,
    PushRequest, PushResponse, ResolveFlag, SeqCheck, check_batch, check_seq, step_target,
};
use gasdesk_shared::ticket::{TicketAction, TicketStatus, transition};
use gasdesk_shared::{Permission, validate};
use serde_json::json;
use sqlx::types::Json;
use uuid::Uuid;

fn device_view(d: DeviceRow) -> DeviceView {
    DeviceView {
        device_id: d.id,
        user_id: d.user_id,
        name: d.name,
        platform: d.platform,
        last_seq: u64::try_from(d.last_seq).unwrap_or_default(),
        registered_at: d.registered_at,
        last_seen_at: d.last_seen_at,
    }
}

pub async fn register(
    db: &Db,
    user: &CurrentUser,
    request: DeviceRegistration,
) -> AppResult<DeviceView> {
    user.require(Permission::SyncDevice)?;
    let name = validate::required_text("name", &request.name, 60)?;
    let platform = validate::optional_text("platform", request.platform.as_deref(), 60)?;
    if request.device_id.is_nil() {
        return Err(AppError::validation(
            "device_id",
            "generate a random id for the device",
        ));
    }
    let stored = store::register(
        db,
        &DeviceRow {
            id: request.device_id,
            user_id: user.id,
            name,
            platform,
            last_seq: 0,
            resync_epoch: 0,
            registered_at: db::now(),
            last_seen_at: None,
        },
    )
    .await?;
    if stored.user_id != user.id {
        return Err(AppError::conflict(
            "device_id",
            "this device id is registered to another user; generate a new one",
        ));
    }
    Ok(device_view(stored))
}

pub async fn my_devices(db: &Db, user: &CurrentUser) -> AppResult<Vec<DeviceView>> {
    user.require(Permission::SyncDevice)?;
    Ok(store::devices_of(db, user.id)
        .await?
        .into_iter()
        .map(device_view)
        .collect())
}

/// The caller's own registered device, or a refusal naming why not.
pub async fn own_device(db: &Db, user: &CurrentUser, id: Uuid) -> AppResult<DeviceRow> {
    user.require(Permission::SyncDevice)?;
    let device = store::device(db, id).await?.ok_or_else(|| {
        AppError::not_found(format!(
            "no device {id}: register it first (POST /api/v1/sync/devices)"
        ))
    })?;
    if device.user_id != user.id {
        return Err(AppError::Forbidden(
            "this device is registered to another user".into(),
        ));
    }
    Ok(device)
}

/// A leader or admin makes a device start over with a full snapshot.
pub async fn force_resync(db: &Db, user: &CurrentUser, id: Uuid) -> AppResult<()> {
    user.require(Permission::ManageTeams)?;
    if store::force_resync(db, Some(id), None).await? == 0 {
        return Err(AppError::not_found(format!("no device {id}")));
    }
    let mut tx = db.begin().await?;
    audit::record(
        &mut tx,
        user.actor(),
        "sync.resync",
        "sync_device",
        Some(id.to_string()),
        json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

fn gap(expected: u64, found: u64) -> AppError {
    AppError::Rejected {
        message: format!(
            "sequence gap: the server expects mutation {expected} of this device next, not {found}; \
             send the missing ones first"
        ),
        field: Some("mutations[0].seq".into()),
        details: json!({ "expected_seq": expected }),
    }
}

pub async fn push(
    state: &AppState,
    user: &CurrentUser,
    request: PushRequest,
) -> AppResult<PushResponse> {
    check_batch(&request).map_err(|e| AppError::validation(&e.field(), e.to_string()))?;
    let db = &state.db;
    let device = own_device(db, user, request.device_id).await?;
    // Bounded concurrency: each push holds a pooled connection for its transaction and reads
    // through others; without a gate a reconnect storm could take every connection.
    let _permit = state
        .sync_gate
        .acquire()
        .await
        .map_err(|_| AppError::Unavailable)?;
    let first = request.mutations[0].seq;
    if let SeqCheck::Gap { expected } =
        check_seq(u64::try_from(device.last_seq).unwrap_or_default(), first)
    {
        return Err(gap(expected, first));
    }
    // Reads and checks first, outside the write transaction. Almost every batch is applied
    // whole: it is written without a savepoint per change, and only when the rules refuse a
    // change half-way is it written again with one, so that refusal alone is undone and the
    // change kept and flagged (on SQLite's single writer, the savepoints were a fifth of the
    // statements of a push).
    let mut prepared = prepare_all(state, user, &request, device.last_seq).await?;
    let mut careful = prepared.iter().flatten().any(|p| p.is_err());
    loop {
        match write_batch(state, user, &request, device.id, prepared, careful).await? {
            Some(response) => return Ok(response),
            None => {
                careful = true;
                prepared = prepare_all(state, user, &request, device.last_seq).await?;
            }
        }
    }
}

/// Prepares each mutation the device has not had applied; `None` for repeats.
async fn prepare_all(
    state: &AppState,
    user: &CurrentUser,
    request: &PushRequest,
    last_seq: i64,
) -> AppResult<Vec<Option<AppResult<Prepared>>>> {
    let mut prepared = Vec::with_capacity(request.mutations.len());
    for m in &request.mutations {
        prepared.push(if to_i64(m.seq) > last_seq {
            match prepare(state, user, m).await {
                Err(e) if !is_refusal(&e) => return Err(e),
                other => Some(other),
            }
        } else {
            None
        });
    }
    Ok(prepared)
}

/// Writes a batch in one transaction. `careful`: each change behind its own savepoint, a
/// refused one undone and kept flagged. Otherwise the batch is written straight through and
/// `None` returned (nothing kept) at the first refusal, for the caller to write it carefully.
async fn write_batch(
    state: &AppState,
    user: &CurrentUser,
    request: &PushRequest,
    device_id: Uuid,
    prepared: Vec<Option<AppResult<Prepared>>>,
    careful: bool,
) -> AppResult<Option<PushResponse>> {
    let db = &state.db;
    let first = request.mutations[0].seq;
    let last_in_batch = request.mutations[request.mutations.len() - 1].seq;
    let mut tx = db.begin().await?;
    // The device again, locked: a concurrent push of the same batch may have moved it.
    let device = store::device_for_update(&mut tx, device_id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("no device {device_id}")))?;
    let held = u64::try_from(device.last_seq).unwrap_or_default();
    if let SeqCheck::Gap { expected } = check_seq(held, first) {
        return Err(gap(expected, first));
    }
    let mut results = Vec::with_capacity(request.mutations.len());
    // Already answered: the stored answers, in one read.
    if first <= held {
        let stored = store::answered(
            db,
            device.id,
            to_i64(first),
            to_i64(held.min(last_in_batch)),
        )
        .await?;
        for m in request.mutations.iter().filter(|m| m.seq <= held) {
            let row = stored.iter().find(|r| r.seq == to_i64(m.seq));
            results.push(repeat_answer(m, row)?);
        }
    }
    let mut flagged = 0;
    let mut answers = Vec::new();
    for (m, prepared) in request.mutations.iter().zip(prepared) {
        if m.seq <= held {
            continue;
        }
        let prepared = prepared.unwrap_or(Err(AppError::Internal(
            "a mutation was not prepared".into(),
        )));
        if careful {
            let answer = apply(&mut tx, state, user, m, prepared).await?;
            if !answer.outcome.is_applied() {
                flagged += 1;
            }
            results.push(answer);
            continue;
        }
        let written = match prepared {
            Ok(p) => write(&mut tx, state, user, m, p).await,
            Err(e) => Err(e),
        };
        match written {
            Ok(note) => {
                answers.push(answer_row(user, m, "applied", None, note.clone())?);
                results.push(MutationResult {
                    id: m.id,
                    seq: m.seq,
                    outcome: Outcome::Applied { note },
                    duplicate: false,
                });
            }
            Err(e) if is_refusal(&e) => {
                tx.rollback().await?;
                return Ok(None);
            }
            Err(e) => return Err(e),
        }
    }
    store::insert_mutations(&mut tx, &answers)
        .await
        .map_err(|e| reused_id(e, &answers))?;
    if last_in_batch > held {
        store::advance(&mut tx, device.id, to_i64(last_in_batch), db::now()).await?;
    }
    tx.commit().await?;
    metrics::counter!("gasdesk_sync_mutations_total").increment(results.len() as u64);
    metrics::counter!("gasdesk_sync_flagged_total").increment(flagged);
    Ok(Some(PushResponse {
        results,
        last_seq: last_in_batch.max(held),
    }))
}

/// A mutation id stored before under another sequence number: a forged or corrupted push.
fn reused_id(e: sqlx::Error, rows: &[MutationRow]) -> AppError {
    if db::is_unique_violation(&e) {
        let ids: Vec<String> = rows.iter().map(|r| r.id.to_string()).collect();
        AppError::conflict(
            "mutations.id",
            format!(
                "a mutation of this batch ({}) was already received under another number",
                ids.join(", ")
            ),
        )
    } else {
        e.into()
    }
}

fn to_i64(seq: u64) -> i64 {
    i64::try_from(seq).unwrap_or(i64::MAX)
}

/// The stored answer to a repeated mutation; a different mutation under a used number is
/// refused (a second install sharing a device id, or a forged push).
fn repeat_answer(m: &Mutation, row: Option<&MutationRow>) -> AppResult<MutationResult> {
    let row = row.ok_or_else(|| {
        AppError::Internal(format!(
            "device {} has no stored answer for sequence number {}",
            m.device_id, m.seq
        ))
    })?;
    if row.id != m.id {
        return Err(AppError::conflict(
            "mutations.seq",
            format!(
                "sequence number {} of this device was already used by mutation {}; \
                 is the device id shared by two installs?",
                m.seq, row.id
            ),
        ));
    }
    Ok(MutationResult {
        id: m.id,
        seq: m.seq,
        outcome: stored_outcome(row),
        duplicate: true,
    })
}

fn stored_outcome(row: &MutationRow) -> Outcome {
    if row.outcome == "applied" {
        Outcome::Applied {
            note: row.reason.clone(),
        }
    } else {
        Outcome::Flagged {
            code: row.code.clone().unwrap_or_default(),
            reason: row.reason.clone().unwrap_or_default(),
        }
    }
}

/// Refusals by the rules (the field fact is kept and flagged) as opposed to failures of the
/// server (the phone retries later).
fn is_refusal(e: &AppError) -> bool {
    e.status().is_client_error()
}

/// Applies one mutation inside the push's transaction, behind a savepoint: a change the rules
/// refuse is undone to the savepoint and the mutation is kept, flagged, with the reason.
async fn apply(
    tx: &mut Tx,
    state: &AppState,
    user: &CurrentUser,
    m: &Mutation,
    prepared: AppResult<Prepared>,
) -> AppResult<MutationResult> {
    savepoint(tx, "SAVEPOINT sync_mutation").await?;
    let written = match prepared {
        Ok(p) => match write(tx, state, user, m, p).await {
            Ok(note) => answer(tx, user, m, "applied", None, note.clone())
                .await
                .map(|()| Outcome::Applied { note }),
            Err(e) => Err(e),
        },
        Err(e) => Err(e),
    };
    let outcome = match written {
        Ok(outcome) => outcome,
        Err(e) if is_refusal(&e) => {
            // PostgreSQL refuses every statement after a failed one until this rollback.
            savepoint(tx, "ROLLBACK TO SAVEPOINT sync_mutation").await?;
            let (code, reason) = (e.code().as_str().to_owned(), e.to_string());
            answer(
                tx,
                user,
                m,
                "flagged",
                Some(code.clone()),
                Some(reason.clone()),
            )
            .await?;
            Outcome::Flagged { code, reason }
        }
        Err(e) => return Err(e),
    };
    savepoint(tx, "RELEASE SAVEPOINT sync_mutation").await?;
    Ok(MutationResult {
        id: m.id,
        seq: m.seq,
        outcome,
        duplicate: false,
    })
}

async fn savepoint(tx: &mut Tx, statement: &'static str) -> AppResult<()> {
    on_tx!(tx, conn => sqlx::query(statement).execute(conn).await.map(|_| ()))?;
    // The log rows a transaction keeps until commit follow its savepoints.
    match statement.split_whitespace().next() {
        Some("SAVEPOINT") => crate::db::log::mark(tx),
        Some("ROLLBACK") => crate::db::log::undo_to_mark(tx),
        Some("RELEASE") => crate::db::log::release_mark(tx),
        _ => {}
    }
    Ok(())
}

/// The stored form of a mutation and its answer.
fn answer_row(
    user: &CurrentUser,
    m: &Mutation,
    outcome: &str,
    code: Option<String>,
    reason: Option<String>,
) -> AppResult<MutationRow> {
    Ok(MutationRow {
        id: m.id,
        device_id: m.device_id,
        seq: to_i64(m.seq),
        user_id: user.id,
        kind: m.change.kind().into(),
        subject_id: m.change.subject(),
        base_version: m.base_version,
        device_at: db::utc(m.device_at),
        payload: Json(serde_json::to_value(m).map_err(|e| AppError::Internal(e.to_string()))?),
        outcome: outcome.into(),
        code,
        reason,
        received_at: db::now(),
        resolved_by: None,
        resolved_at: None,
        resolution: None,
    })
}

/// Stores the answer, in the change's transaction.
async fn answer(
    tx: &mut Tx,
    user: &CurrentUser,
    m: &Mutation,
    outcome: &str,
    code: Option<String>,
    reason: Option<String>,
) -> AppResult<()> {
    let row = answer_row(user, m, outcome, code, reason)?;
    store::insert_mutations(tx, std::slice::from_ref(&row))
        .await
        .map_err(|e| reused_id(e, std::slice::from_ref(&row)))
}

/// What a mutation needs read and checked before its write transaction.
enum Prepared {
    Nothing,
    Completion(Box<records::Prepared>),
    PatrolResult(Box<patrol::PreparedResult>),
}

async fn prepare(state: &AppState, user: &CurrentUser, m: &Mutation) -> AppResult<Prepared> {
    match &m.change {
        Change::Complete { record, .. } => Ok(Prepared::Completion(Box::new(
            records::prepare(&state.db, user, record.clone()).await?,
        ))),
        Change::PatrolResult { check_id, result } => {
            let mut result = result.clone();
            result.device_at = result.device_at.or(Some(m.device_at));
            let index = state.indexes.current();
            Ok(Prepared::PatrolResult(Box::new(
                patrol::prepare_result(&state.db, &index, user, *check_id, result).await?,
            )))
        }
        _ => Ok(Prepared::Nothing),
    }
}

/// Applies the change inside `tx`; returns a note for the answer (e.g. "already so").
async fn write(
    tx: &mut Tx,
    state: &AppState,
    user: &CurrentUser,
    m: &Mutation,
    prepared: Prepared,
) -> AppResult<Option<String>> {
    let db = &state.db;
    match (&m.change, prepared) {
        (Change::TicketStep { ticket_id, action }, _) => {
            step(tx, db, user, *ticket_id, *action, m).await
        }
        (
            Change::Complete {
                ticket_id,
                attachments,
                ..
            },
            Prepared::Completion(p),
        ) => {
            still_ours(tx, db, user, *ticket_id, "completion").await?;
            records::write(tx, user, *ticket_id, &p, Some(m.device_at)).await?;
            // The photos and signature follow by upload; until they have all arrived the
            // completion is not final (follow-up and closing wait for them).
            for (i, a) in attachments.iter().enumerate() {
                gasdesk_shared::attachments::sha256_hex(
                    &format!("change.attachments[{i}].sha256"),
                    &a.sha256,
                )?;
                attachments::link_to_ticket(tx, *ticket_id, &a.sha256, a.kind, user.id).await?;
            }
            Ok((!attachments.is_empty()).then(|| format!("{} 个附件待上传", attachments.len())))
        }
        (Change::PatrolResult { .. }, Prepared::PatrolResult(p)) => {
            let view = patrol::write_result(tx, user, &p).await?;
            Ok(view
                .repair_ticket_number
                .map(|n| format!("已转为抢修工单 {n}")))
        }
        (Change::StartPatrolLog { log_id }, _) => {
            logs::start_in(tx, user, *log_id, m.device_at).await?;
            Ok(None)
        }
        (Change::PatrolTrack { log_id, points }, _) => {
            let upload = TrackUpload {
                points: points.clone(),
            };
            logs::add_points_in(tx, user, *log_id, &upload).await?;
            Ok(None)
        }
        (Change::ClosePatrolLog { log_id, close }, _) => {
            logs::close_in(tx, user, *log_id, close, m.device_at).await?;
            Ok(None)
        }
        (
            Change::Attach {
                ticket_id,
                check_id,
                attachment,
            },
            _,
        ) => {
            gasdesk_shared::attachments::sha256_hex(
                "change.attachment.sha256",
                &attachment.sha256,
            )?;
            match (ticket_id, check_id) {
                (Some(ticket), None) => {
                    still_ours(tx, db, user, *ticket, "photo").await?;
                    attachments::link_to_ticket(
                        tx,
                        *ticket,
                        &attachment.sha256,
                        attachment.kind,
                        user.id,
                    )
                    .await?;
                }
                (None, Some(check)) => {
                    let row = crate::db::routing::check(db, *check)
                        .await?
                        .filter(|c| crate::routing::checks::may_see(user, c))
                        .ok_or_else(|| AppError::not_found(format!("no patrol check {check}")))?;
                    attachments::link_to_check(
                        tx,
                        row.id,
                        &attachment.sha256,
                        attachment.kind,
                        user.id,
                    )
                    .await?;
                }
                _ => {
                    return Err(AppError::validation(
                        "change.ticket_id",
                        "an attachment belongs to one ticket or one patrol check",
                    ));
                }
            }
            Ok(None)
        }
        _ => Err(AppError::Internal(
            "a mutation was prepared as another kind".into(),
        )),
    }
}

/// Refuses, with a reason a dispatcher can act on, field work on a ticket that was taken away
/// from the worker or cancelled meanwhile. Returns the ticket, locked for the transaction.
async fn still_ours(
    tx: &mut Tx,
    db: &Db,
    user: &CurrentUser,
    id: Uuid,
    what: &str,
) -> AppResult<TicketRow> {
    let ticket = tickets_store::for_update(tx, id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("no ticket {id}")))?;
    let kept = format!("the {what} recorded on the phone is kept for the dispatcher");
    if ticket.status == TicketStatus::Cancelled.as_str() {
        return Err(AppError::conflict(
            "ticket_id",
            format!("ticket {} was cancelled; {kept}", ticket.number),
        ));
    }
    if !tickets::on_ticket_team(user, &ticket) {
        return Err(AppError::conflict(
            "ticket_id",
            format!(
                "ticket {} was reassigned to another team; {kept}",
                ticket.number
            ),
        ));
    }
    if let Some(other) = ticket.assignee_id.filter(|a| *a != user.id) {
        let name = users::by_id(db, other).await?.map(|u| u.display_name);
        return Err(AppError::conflict(
            "ticket_id",
            format!(
                "ticket {} was reassigned to {}; {kept}",
                ticket.number,
                name.unwrap_or_else(|| "someone else".into())
            ),
        ));
    }
    Ok(ticket)
}

/// Accept, depart or arrive, by the phone's time. Doing what is already done is not a
/// conflict (two phones of one worker, or a step the dispatcher recorded for them).
async fn step(
    tx: &mut Tx,
    db: &Db,
    user: &CurrentUser,
    id: Uuid,
    action: TicketAction,
    m: &Mutation,
) -> AppResult<Option<String>> {
    if !matches!(
        action,
        TicketAction::Accept | TicketAction::Depart | TicketAction::Arrive
    ) {
        return Err(AppError::validation(
            "change.action",
            "the field app syncs accept, depart and arrive; completion is its own change",
        ));
    }
    let ticket = still_ours(tx, db, user, id, action.as_str()).await?;
    let target = step_target(action);
    if ticket.status == target.as_str() && ticket.assignee_id == Some(user.id) {
        return Ok(Some(format!("already {}", target.label_zh())));
    }
    let from = tickets::parse_status(&ticket.status)?;
    let to = transition(from, action, user.role, true).map_err(tickets::transitions::refusal)?;
    let device_at = tickets::transitions::device_time("device_at", Some(m.device_at), &ticket)?;
    let assignee = if action == TicketAction::Accept {
        Some(user.id)
    } else {
        ticket.assignee_id
    };
    tickets::transitions::record_step(
        tx,
        user,
        tickets::transitions::Step {
            ticket: &ticket,
            action,
            from,
            to,
            team_id: ticket.team_id,
            assignee_id: assignee,
            device_at,
            note: None,
        },
    )
    .await?;
    Ok(None)
}

pub async fn flagged(db: &Db, user: &CurrentUser, all: bool) -> AppResult<Vec<FlaggedMutation>> {
    user.require(Permission::DispatchWork)?;
    let rows = store::flagged(db, all, 500).await?;
    let mut names = std::collections::HashMap::new();
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        if let std::collections::hash_map::Entry::Vacant(slot) = names.entry(r.user_id) {
            let name = users::by_id(db, r.user_id)
                .await?
                .map(|u| u.display_name)
                .unwrap_or_default();
            slot.insert(name);
        }
        out.push(FlaggedMutation {
            id: r.id,
            device_id: r.device_id,
            seq: u64::try_from(r.seq).unwrap_or_default(),
            user_id: r.user_id,
            user_name: names[&r.user_id].clone(),
            kind: r.kind,
            subject_id: r.subject_id,
            code: r.code.unwrap_or_default(),
            reason: r.reason.unwrap_or_default(),
            mutation: r.payload.0,
            device_at: r.device_at,
            received_at: r.received_at,
            resolution: r.resolution,
            resolved_at: r.resolved_at,
        });
    }
    Ok(out)
}

/// The dispatcher records what was decided about a flagged change.
pub async fn resolve(db: &Db, user: &CurrentUser, id: Uuid, request: ResolveFlag) -> AppResult<()> {
    user.require(Permission::DispatchWork)?;
    let resolution = validate::required_text("resolution", &request.resolution, 500)?;
    let row = store::mutation(db, id)
        .await?
        .filter(|r| r.outcome == "flagged")
        .ok_or_else(|| AppError::not_found(format!("no flagged change {id}")))?;
    let mut tx = db.begin().await?;
    if store::resolve(&mut tx, id, user.id, &resolution, db::now()).await? == 0 {
        return Err(AppError::conflict(
            "id",
            format!(
                "this change was already resolved: {}",
                row.resolution.unwrap_or_default()
            ),
        ));
    }
    audit::record(
        &mut tx,
        user.actor(),
        "sync.resolve",
        "sync_mutation",
        Some(id.to_string()),
        json!({ "resolution": resolution, "kind": row.kind, "subject_id": row.subject_id }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
