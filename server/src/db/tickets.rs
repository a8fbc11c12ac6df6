//! Repair tickets, their events and their daily numbering.

use super::filter::Filter;
use super::sync::Entity;
use super::{Db, Tx};
use crate::bind_values;
use crate::{on_db, on_tx};
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TicketRow {
    pub id: Uuid,
    pub number: String,
    pub status: String,
    pub customer_id: Option<Uuid>,
    pub reporter: String,
    pub phone: String,
    pub address: String,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    pub category: String,
    pub content: String,
    pub source: String,
    pub urgent: bool,
    pub deadline_at: OffsetDateTime,
    pub appointment_from: Option<OffsetDateTime>,
    pub appointment_to: Option<OffsetDateTime>,
    pub team_id: Option<Uuid>,
    pub assignee_id: Option<Uuid>,
    pub patrol_check_id: Option<Uuid>,
    pub created_by: Option<Uuid>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    /// When a dispatcher last corrected it after intake.
    pub corrected_at: Option<OffsetDateTime>,
}

pub const COLUMNS: &str = "id, number, status, customer_id, reporter, phone, address, lon, lat, category, \
     content, source, urgent, deadline_at, appointment_from, appointment_to, team_id, assignee_id, \
     patrol_check_id, created_by, created_at, updated_at, corrected_at";

/// The next number of the day (1, 2, …), taken inside the ticket's own transaction so numbers
/// are never skipped or shared.
pub async fn next_number(tx: &mut Tx, day: &str) -> Result<i64, sqlx::Error> {
    on_tx!(tx, conn => sqlx::query_scalar(
        "INSERT INTO ticket_counters (day, last) VALUES ($1, 1)
         ON CONFLICT (day) DO UPDATE SET last = ticket_counters.last + 1 RETURNING last",
    )
    .bind(day)
    .fetch_one(conn)
    .await)
}

pub async fn insert(tx: &mut Tx, t: &TicketRow) -> Result<(), sqlx::Error> {
    super::sync::log_change(
        tx,
        Entity::Ticket,
        t.id,
        t.team_id,
        t.assignee_id,
        t.created_at,
    )
    .await?;
    let sql = format!(
        "INSERT INTO repair_tickets ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, \
         $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23)"
    );
    on_tx!(tx, conn => sqlx::query(sqlx::AssertSqlSafe(&*sql))
        .bind(t.id)
        .bind(&t.number)
        .bind(&t.status)
        .bind(t.customer_id)
        .bind(&t.reporter)
        .bind(&t.phone)
        .bind(&t.address)
        .bind(t.lon)
        .bind(t.lat)
        .bind(&t.category)
        .bind(&t.content)
        .bind(&t.source)
        .bind(t.urgent)
        .bind(t.deadline_at)
        .bind(t.appointment_from)
        .bind(t.appointment_to)
        .bind(t.team_id)
        .bind(t.assignee_id)
        .bind(t.patrol_check_id)
        .bind(t.created_by)
        .bind(t.created_at)
        .bind(t.updated_at)
        .bind(t.corrected_at)
        .execute(conn)
        .await
        .map(|_| ()))
}

pub async fn by_id(db: &Db, id: Uuid) -> Result<Option<TicketRow>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM repair_tickets WHERE id = $1");
    on_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(&*sql)).bind(id).fetch_optional(pool).await)
}

/// The ticket as it is inside a transaction, locked against concurrent transitions where the
/// engine can (PostgreSQL `FOR UPDATE`; SQLite transactions already serialise writers).
pub async fn for_update(tx: &mut Tx, id: Uuid) -> Result<Option<TicketRow>, sqlx::Error> {
    let base = format!("SELECT {COLUMNS} FROM repair_tickets WHERE id = $1");
    match tx {
        Tx::Sqlite(t) => {
            sqlx::query_as(sqlx::AssertSqlSafe(base))
                .bind(id)
                .fetch_optional(&mut **t)
                .await
        }
        Tx::Postgres(t) => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!("{base} FOR UPDATE")))
                .bind(id)
                .fetch_optional(&mut **t)
                .await
        }
    }
}

pub async fn update_state(
    tx: &mut Tx,
    id: Uuid,
    status: &str,
    team_id: Option<Uuid>,
    assignee_id: Option<Uuid>,
    at: OffsetDateTime,
) -> Result<(), sqlx::Error> {
    super::sync::log_change(tx, Entity::Ticket, id, team_id, assignee_id, at).await?;
    on_tx!(tx, conn => sqlx::query(
        "UPDATE repair_tickets SET status = $2, team_id = $3, assignee_id = $4, updated_at = $5, \
         version = version + 1 WHERE id = $1",
    )
    .bind(id)
    .bind(status)
    .bind(team_id)
    .bind(assignee_id)
    .bind(at)
    .execute(conn)
    .await
    .map(|_| ()))
}

/// Writes what the dispatcher corrected (caller, phone, address and location, content,
/// deadline, appointment); the team and person stay, and their phones pull the new version.
pub async fn update_details(tx: &mut Tx, t: &TicketRow) -> Result<(), sqlx::Error> {
    super::sync::log_touch(tx, Entity::Ticket, t.id, t.updated_at).await?;
    on_tx!(tx, conn => sqlx::query(
        "UPDATE repair_tickets SET reporter = $2, phone = $3, address = $4, lon = $5, lat = $6, \
         content = $7, deadline_at = $8, appointment_from = $9, appointment_to = $10, \
         updated_at = $11, corrected_at = $12, version = version + 1 WHERE id = $1",
    )
    .bind(t.id)
    .bind(&t.reporter)
    .bind(&t.phone)
    .bind(&t.address)
    .bind(t.lon)
    .bind(t.lat)
    .bind(&t.content)
    .bind(t.deadline_at)
    .bind(t.appointment_from)
    .bind(t.appointment_to)
    .bind(t.updated_at)
    .bind(t.corrected_at)
    .execute(conn)
    .await
    .map(|_| ()))
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EventRow {
    pub id: Uuid,
    pub ticket_id: Uuid,
    pub action: String,
    pub from_status: Option<String>,
    pub to_status: String,
    pub actor_id: Option<Uuid>,
    pub at: OffsetDateTime,
    pub device_at: Option<OffsetDateTime>,
    pub note: Option<String>,
}

pub async fn insert_event(tx: &mut Tx, e: &EventRow) -> Result<(), sqlx::Error> {
    on_tx!(tx, conn => sqlx::query(
        "INSERT INTO ticket_events (id, ticket_id, action, from_status, to_status, actor_id, at, device_at, note)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(e.id)
    .bind(e.ticket_id)
    .bind(&e.action)
    .bind(&e.from_status)
    .bind(&e.to_status)
    .bind(e.actor_id)
    .bind(e.at)
    .bind(e.device_at)
    .bind(&e.note)
    .execute(conn)
    .await
    .map(|_| ()))
}

pub async fn events(db: &Db, ticket_id: Uuid) -> Result<Vec<EventRow>, sqlx::Error> {
    on_db!(db, pool => sqlx::query_as(
        "SELECT id, ticket_id, action, from_status, to_status, actor_id, at, device_at, note
         FROM ticket_events WHERE ticket_id = $1 ORDER BY id",
    )
    .bind(ticket_id)
    .fetch_all(pool)
    .await)
}

/// A customer's past tickets, newest first.
pub async fn of_customer(
    db: &Db,
    customer_id: Uuid,
    limit: i64,
) -> Result<Vec<TicketRow>, sqlx::Error> {
    let sql = format!(
        "SELECT {COLUMNS} FROM repair_tickets WHERE customer_id = $1 ORDER BY id DESC LIMIT $2"
    );
    on_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(&*sql)).bind(customer_id).bind(limit).fetch_all(pool).await)
}

/// Searches count their matches up to this many.
pub const COUNT_CAP: i64 = 1_001;

/// A page of tickets matching `filter`, in `order` (a trusted ORDER BY clause), and the total.
pub async fn search(
    db: &Db,
    filter: &Filter,
    order: &str,
    limit: i64,
    offset: i64,
) -> Result<(Vec<TicketRow>, i64), sqlx::Error> {
    let where_sql = filter.where_sql();
    let n = filter.values.len();
    let rows_sql = format!(
        "SELECT {COLUMNS} FROM repair_tickets {where_sql} ORDER BY {order} LIMIT ${} OFFSET ${}",
        n + 1,
        n + 2
    );
    // Counting every match of a loose filter over millions of tickets would cost more than the
    // page itself; past COUNT_CAP the total is reported as capped.
    let count_sql = format!(
        "SELECT COUNT(*) FROM (SELECT 1 FROM repair_tickets {where_sql} LIMIT {COUNT_CAP}) capped"
    );
    on_db!(db, pool => {
        let rows = bind_values!(sqlx::query_as(sqlx::AssertSqlSafe(&*rows_sql)), &filter.values)
            .bind(limit)
            .bind(offset)
            .fetch_all(pool)
            .await?;
        let total: i64 = bind_values!(sqlx::query_scalar(sqlx::AssertSqlSafe(&*count_sql)), &filter.values)
            .fetch_one(pool)
            .await?;
        Ok((rows, total))
    })
}

/// Urgent tickets a team has not finished yet.
pub async fn open_urgent_of(db: &Db, team_id: Uuid) -> Result<i64, sqlx::Error> {
    on_db!(db, pool => sqlx::query_scalar(
        "SELECT COUNT(*) FROM repair_tickets WHERE team_id = $1 AND urgent = TRUE
         AND status IN ('new', 'assigned', 'accepted', 'on_the_way', 'on_site')",
    )
    .bind(team_id)
    .fetch_one(pool)
    .await)
}

pub async fn count(db: &Db) -> Result<i64, sqlx::Error> {
    on_db!(db, pool => sqlx::query_scalar("SELECT COUNT(*) FROM repair_tickets").fetch_one(pool).await)
}
