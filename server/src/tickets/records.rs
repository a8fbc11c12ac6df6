//! Completing a ticket with its repair record (维修单/回单): who did it, which repair items,
//! which materials and how many, and the fees; scores and fees computed by the shared rules
//! and stored with the rule version used. Everything is written in one transaction.

use super::transitions::{Step, begin_step, device_time, record_step};
use crate::auth::CurrentUser;
use crate::db::filter::{Filter, Value};
use crate::db::records::{self as store, RecordLines, RecordRow};
use crate::db::tickets as tickets_store;
use crate::db::{self, Db, Tx, catalog, users};
use crate::error::{AppError, AppResult};
use gasdesk_shared::api::{DEFAULT_PAGE, MAX_PAGE, Page};
use gasdesk_shared::intake::{
    CompletionRequest, RecordItemView, RecordMaterialView, RecordQuery, RecordView, RepairerShare,
};
use gasdesk_shared::scoring::{self, FeeLine, ItemLine, MaterialLine};
use gasdesk_shared::ticket::TicketAction;
use gasdesk_shared::{Permission, Role, validate};
use std::collections::HashMap;
use uuid::Uuid;

pub async fn complete(
    db: &Db,
    user: &CurrentUser,
    id: Uuid,
    request: CompletionRequest,
) -> AppResult<RecordView> {
    let prepared = prepare(db, user, request).await?;
    let mut tx = db.begin().await?;
    let (record, number) = write(&mut tx, user, id, &prepared, None).await?;
    tx.commit().await?;
    record_view(db, record, number).await
}

/// A repair record checked against the catalogs and scored, ready to be written.
pub struct Prepared {
    request: CompletionRequest,
    item_ids: Vec<(Uuid, i64)>,
    material_rows: Vec<(Uuid, f64, i64)>,
    remarks: Option<String>,
    computed: scoring::Computation,
}

/// Everything that only reads: who, which items and materials, the score and the fees.
pub async fn prepare(
    db: &Db,
    user: &CurrentUser,
    request: CompletionRequest,
) -> AppResult<Prepared> {
    let repairers = if request.repairers.is_empty() {
        vec![user.id]
    } else {
        request.repairers.clone()
    };
    for (i, r) in repairers.iter().enumerate() {
        let ok = users::by_id(db, *r).await?.is_some_and(|u| {
            u.active && (u.role == Role::Repairer.as_str() || u.role == Role::TeamLeader.as_str())
        });
        if !ok {
            return Err(AppError::validation(
                &format!("repairers[{i}]"),
                format!("{r} is not an active repairer"),
            ));
        }
    }
    let items_by_code: HashMap<String, catalog::RepairItemRow> = catalog::repair_items(db)
        .await?
        .into_iter()
        .filter(|i| i.active)
        .map(|i| (i.code.clone(), i))
        .collect();
    let materials_by_code: HashMap<String, catalog::MaterialRow> = catalog::materials(db)
        .await?
        .into_iter()
        .filter(|m| m.active)
        .map(|m| (m.code.clone(), m))
        .collect();
    if request.items.is_empty() {
        return Err(AppError::validation(
            "items",
            "record at least one repair item",
        ));
    }
    let mut item_ids = Vec::new();
    for (i, line) in request.items.iter().enumerate() {
        let item = items_by_code.get(line.code.trim()).ok_or_else(|| {
            AppError::validation(
                &format!("items[{i}].code"),
                format!("unknown repair item `{}`", line.code),
            )
        })?;
        item_ids.push((item.id, i64::from(line.quantity)));
    }
    let mut material_lines = Vec::new();
    let mut material_rows = Vec::new();
    for (i, line) in request.materials.iter().enumerate() {
        let material = materials_by_code.get(line.code.trim()).ok_or_else(|| {
            AppError::validation(
                &format!("materials[{i}].code"),
                format!("unknown material `{}`", line.code),
            )
        })?;
        material_lines.push(MaterialLine {
            code: material.code.clone(),
            quantity: line.quantity,
            unit_price_fen: material.price_fen,
        });
        material_rows.push((material.id, line.quantity, material.price_fen));
    }
    let remarks = validate::optional_text("remarks", request.remarks.as_deref(), 1000)?;
    let rules = super::rules::current(db).await?;
    let item_lines: Vec<ItemLine> = request
        .items
        .iter()
        .map(|l| ItemLine {
            code: l.code.trim().to_owned(),
            quantity: l.quantity,
        })
        .collect();
    let computed = scoring::compute(
        &rules,
        &repairers,
        &item_lines,
        &material_lines,
        &request.extra_fees,
    )?;
    Ok(Prepared {
        request,
        item_ids,
        material_rows,
        remarks,
        computed,
    })
}

/// Writes the record and completes the ticket inside `tx`. `device_at` is when the phone
/// recorded it, used when the request does not say `completed_at`.
pub async fn write(
    tx: &mut Tx,
    user: &CurrentUser,
    id: Uuid,
    prepared: &Prepared,
    device_at: Option<time::OffsetDateTime>,
) -> AppResult<(RecordRow, String)> {
    let Prepared {
        request,
        item_ids,
        material_rows,
        remarks,
        computed,
    } = prepared;
    let (ticket, from, to) = begin_step(tx, user, id, TicketAction::Complete).await?;
    let completed_at = device_time("completed_at", request.completed_at.or(device_at), &ticket)?
        .unwrap_or_else(db::now);
    let record = RecordRow {
        id: Uuid::now_v7(),
        ticket_id: id,
        completed_at,
        rule_version: computed.rule_version,
        total_centipoints: computed.total_centipoints,
        onsite_fee_fen: computed.onsite_fee_fen,
        material_fee_fen: computed.material_fee_fen,
        total_fee_fen: computed.total_fee_fen,
        remarks: remarks.clone(),
        created_by: Some(user.id),
        created_at: db::now(),
    };
    store::insert_record(tx, &record).await.map_err(|e| {
        if db::is_unique_violation(&e) {
            AppError::conflict("ticket_id", "this ticket already has a repair record")
        } else {
            e.into()
        }
    })?;
    let fees: Vec<(String, i64)> = computed
        .fees
        .iter()
        .map(|f| (f.label.clone(), f.amount_fen))
        .collect();
    store::insert_lines(
        tx,
        record.id,
        &RecordLines {
            repairers: &computed.shares,
            items: item_ids,
            materials: material_rows,
            fees: &fees,
        },
    )
    .await?;
    let assignee = ticket.assignee_id.or(Some(user.id));
    record_step(
        tx,
        user,
        Step {
            ticket: &ticket,
            action: TicketAction::Complete,
            from,
            to,
            team_id: ticket.team_id,
            assignee_id: assignee,
            device_at: Some(completed_at),
            note: None,
        },
    )
    .await?;
    Ok((record, ticket.number))
}

async fn record_view(db: &Db, r: RecordRow, ticket_number: String) -> AppResult<RecordView> {
    Ok(RecordView {
        repairers: store::repairers_of(db, r.id)
            .await?
            .into_iter()
            .map(|(user_id, name, centipoints)| RepairerShare {
                user_id,
                name,
                centipoints,
            })
            .collect(),
        items: store::items_of(db, r.id)
            .await?
            .into_iter()
            .map(|(code, name, quantity)| RecordItemView {
                code,
                name,
                quantity,
            })
            .collect(),
        materials: store::materials_of(db, r.id)
            .await?
            .into_iter()
            .map(
                |(code, name, unit, quantity, unit_price_fen)| RecordMaterialView {
                    code,
                    name,
                    unit,
                    quantity,
                    unit_price_fen,
                },
            )
            .collect(),
        fees: store::fees_of(db, r.id)
            .await?
            .into_iter()
            .map(|(label, amount_fen)| FeeLine { label, amount_fen })
            .collect(),
        id: r.id,
        ticket_id: r.ticket_id,
        ticket_number,
        completed_at: r.completed_at,
        rule_version: r.rule_version,
        total_centipoints: r.total_centipoints,
        total_fee_fen: r.total_fee_fen,
        remarks: r.remarks,
    })
}

pub async fn of_ticket(db: &Db, user: &CurrentUser, ticket_id: Uuid) -> AppResult<RecordView> {
    let ticket = super::get(db, user, ticket_id).await?;
    let record = store::record_of_ticket(db, ticket_id)
        .await?
        .ok_or_else(|| {
            AppError::not_found(format!("ticket {} has no repair record yet", ticket.number))
        })?;
    record_view(db, record, ticket.number).await
}

/// Repair-record search: by ticket number, repair item, material, repairer or team.
pub async fn search(
    db: &Db,
    user: &CurrentUser,
    query: RecordQuery,
) -> AppResult<Page<RecordView>> {
    user.require(Permission::ViewTickets)?;
    let limit = query.limit.unwrap_or(DEFAULT_PAGE);
    if limit == 0 || limit > MAX_PAGE {
        return Err(AppError::validation(
            "limit",
            format!("must be between 1 and {MAX_PAGE}"),
        ));
    }
    let offset = query.offset.unwrap_or(0);
    let mut filter = Filter::default();
    if let Some(n) = query
        .number
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
    {
        filter.push("t.number = ?", Value::Text(n.to_owned()));
    }
    if let Some(code) = query
        .item
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        filter.push(
            "EXISTS (SELECT 1 FROM record_items ri JOIN repair_items i ON i.id = ri.repair_item_id
                     WHERE ri.record_id = r.id AND i.code = ?)",
            Value::Text(code.to_owned()),
        );
    }
    if let Some(code) = query
        .material
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        filter.push(
            "EXISTS (SELECT 1 FROM record_materials rm JOIN materials m ON m.id = rm.material_id
                     WHERE rm.record_id = r.id AND m.code = ?)",
            Value::Text(code.to_owned()),
        );
    }
    if let Some(user_id) = query.repairer_id {
        filter.push("EXISTS (SELECT 1 FROM record_repairers rr WHERE rr.record_id = r.id AND rr.user_id = ?)", Value::Id(user_id));
    }
    if let Some(team) = query.team_id {
        filter.push("t.team_id = ?", Value::Id(team));
    }
    let (rows, total) = store::search(db, &filter, i64::from(limit), i64::from(offset)).await?;
    let mut items = Vec::with_capacity(rows.len());
    for row in rows {
        let number = tickets_store::by_id(db, row.ticket_id)
            .await?
            .map(|t| t.number)
            .unwrap_or_default();
        items.push(record_view(db, row, number).await?);
    }
    Ok(Page {
        capped: false,
        items,
        total: total.max(0) as u64,
        limit,
        offset,
    })
}
