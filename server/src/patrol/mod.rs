//! Patrol work in the field (巡线): the patroller's result on a leak check, and daily patrol logs.
//! A found leak becomes an emergency repair ticket linked to the check; no leak closes it; a
//! hazard closes it and alerts the dispatcher.

pub mod logs;

use crate::auth::CurrentUser;
use crate::db::audit;
use crate::db::patrol::{self as store, ResultRow};
use crate::db::routing::{self as routing_store, AlertRow};
use crate::db::{self, Db, Tx};
use crate::error::{AppError, AppResult};
use crate::routing::index::SpatialIndex;
use gasdesk_shared::followup::{PatrolFinding, PatrolResultRequest, PatrolResultView};
use gasdesk_shared::intake::NewTicket;
use gasdesk_shared::ticket::TicketSource;
use gasdesk_shared::{Role, validate};
use serde_json::json;
use uuid::Uuid;

pub async fn record_result(
    db: &Db,
    index: &SpatialIndex,
    user: &CurrentUser,
    check_id: Uuid,
    request: PatrolResultRequest,
) -> AppResult<PatrolResultView> {
    let prepared = prepare_result(db, index, user, check_id, request).await?;
    let mut tx = db.begin().await?;
    let view = write_result(&mut tx, user, &prepared).await?;
    tx.commit().await?;
    Ok(view)
}

/// A result checked, and for a found leak its emergency ticket routed, ready to be written.
pub struct PreparedResult {
    check_id: Uuid,
    description: String,
    request: PatrolResultRequest,
    location: Option<(f64, f64)>,
    remarks: Option<String>,
    ticket: Option<crate::tickets::Prepared>,
}

/// The reads: who may, whether the finding is complete, where the emergency ticket goes.
pub async fn prepare_result(
    db: &Db,
    index: &SpatialIndex,
    user: &CurrentUser,
    check_id: Uuid,
    request: PatrolResultRequest,
) -> AppResult<PreparedResult> {
    let check = crate::db::routing::check(db, check_id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("no patrol check {check_id}")))?;
    if user.role != Role::Patroller || check.assigned_to != Some(user.id) {
        return Err(AppError::Forbidden(
            "only the patroller this check is assigned to may record its result".into(),
        ));
    }
    if let Some(reading) = request.gas_reading
        && (!reading.is_finite() || !(0.0..=100.0).contains(&reading))
    {
        return Err(AppError::validation(
            "gas_reading",
            "a reading is a percentage of LEL between 0 and 100",
        ));
    }
    let location = validate::location(request.lon, request.lat)?;
    let remarks = validate::optional_text("remarks", request.remarks.as_deref(), 500)?;
    if request.finding == PatrolFinding::LeakFound && request.gas_reading.is_none() {
        return Err(AppError::validation(
            "gas_reading",
            "a found leak needs the gas reading",
        ));
    }
    // The emergency ticket is checked and routed first (reads only); then the ticket and the
    // check's result are written in one transaction: both or neither.
    let prepared = if request.finding == PatrolFinding::LeakFound {
        let (lon, lat) = location.unwrap_or((check.lon, check.lat));
        let content = format!(
            "巡线确认漏气（读数 {:.1}% LEL）：{}{}",
            request.gas_reading.unwrap_or_default(),
            check.description,
            remarks
                .as_deref()
                .map(|r| format!("；{r}"))
                .unwrap_or_default()
        );
        let new = NewTicket {
            customer_id: None,
            reporter: check
                .caller
                .clone()
                .unwrap_or_else(|| user.display_name.clone()),
            phone: check.phone.clone().unwrap_or_else(|| "96777".into()),
            address: Some(format!("室外漏气点（{lon:.5}, {lat:.5}）")),
            lon: Some(lon),
            lat: Some(lat),
            category: "leak".into(),
            content,
            source: TicketSource::Patrol,
            deadline_at: None,
            appointment_from: None,
            appointment_to: None,
            team_id: None,
            reason: None,
        };
        Some(
            crate::tickets::prepare(
                db,
                index,
                user.actor(),
                Some(&user.display_name),
                new,
                Some(check_id),
            )
            .await?,
        )
    } else {
        None
    };
    Ok(PreparedResult {
        check_id,
        description: check.description,
        request,
        location,
        remarks,
        ticket: prepared,
    })
}

/// Writes the result (and the emergency ticket of a found leak) inside `tx`.
pub async fn write_result(
    tx: &mut Tx,
    user: &CurrentUser,
    prepared: &PreparedResult,
) -> AppResult<PatrolResultView> {
    let PreparedResult {
        check_id,
        description,
        request,
        location,
        remarks,
        ticket: prepared,
    } = prepared;
    let check_id = *check_id;
    // Checked inside the write, so two results racing cannot both convert.
    match store::result_of(tx, check_id).await? {
        Some((Some(_), Some(_))) => {
            return Err(AppError::conflict(
                "status",
                "this check was already converted into a repair ticket",
            ));
        }
        Some((Some(done), None)) => {
            return Err(AppError::conflict(
                "status",
                format!("this check already has its result ({done})"),
            ));
        }
        _ => {}
    }
    let ticket = match &prepared {
        Some(p) => Some(crate::tickets::insert_prepared(tx, p).await?.0),
        None => None,
    };
    let now = db::now();
    store::record_result(
        tx,
        &ResultRow {
            check_id,
            finding: request.finding.as_str().into(),
            gas_reading: request.gas_reading,
            remarks: remarks.clone(),
            location: *location,
            at: request.device_at.map(db::utc).unwrap_or(now),
            by: user.id,
            repair_ticket_id: ticket.as_ref().map(|t| t.id),
        },
    )
    .await?;
    if request.finding == PatrolFinding::Hazard {
        routing_store::insert_alert(
            tx,
            &AlertRow::for_dispatcher(
                "patrol_hazard",
                format!(
                    "巡线发现安全隐患：{}",
                    remarks.as_deref().unwrap_or(description)
                ),
                "patrol_check",
                check_id,
                now,
            ),
        )
        .await?;
    }
    audit::record(
        tx,
        user.actor(),
        "patrol_check.result",
        "patrol_check",
        Some(check_id.to_string()),
        json!({ "finding": request.finding.as_str(), "gas_reading": request.gas_reading, "repair_ticket_id": ticket.as_ref().map(|t| t.id) }),
    )
    .await?;
    Ok(PatrolResultView {
        check_id,
        finding: request.finding,
        status: "closed".into(),
        repair_ticket_id: ticket.as_ref().map(|t| t.id),
        repair_ticket_number: ticket.map(|t| t.number),
    })
}
