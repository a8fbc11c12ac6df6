//! Consultations, events and knowledge-base entries as stored. State changes are conditional
//! updates (`… WHERE status = …`), so two agents acting at once cannot both succeed; the caller
//! reads the row again to explain a refusal.

use super::{Db, Tx};
use crate::{on_db, on_tx};
use sqlx::types::Json;
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ConsultationRow {
    pub id: Uuid,
    pub status: String,
    pub caller: String,
    pub phone: String,
    pub customer_id: Option<Uuid>,
    pub question: String,
    pub answer: Option<String>,
    pub answered_by: Option<Uuid>,
    pub answered_at: Option<OffsetDateTime>,
    pub department: Option<String>,
    pub due_at: Option<OffsetDateTime>,
    pub forwarded_by: Option<Uuid>,
    pub forwarded_at: Option<OffsetDateTime>,
    pub reply: Option<String>,
    pub replier: Option<String>,
    pub reply_recorded_by: Option<Uuid>,
    pub replied_at: Option<OffsetDateTime>,
    pub closed_by: Option<Uuid>,
    pub closed_at: Option<OffsetDateTime>,
    pub created_by: Option<Uuid>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

const CONSULTATION_COLUMNS: &str = "id, status, caller, phone, customer_id, question, answer,
    answered_by, answered_at, department, due_at, forwarded_by, forwarded_at, reply, replier,
    reply_recorded_by, replied_at, closed_by, closed_at, created_by, created_at, updated_at";

pub async fn insert_consultation(tx: &mut Tx, c: &ConsultationRow) -> Result<(), sqlx::Error> {
    let sql = format!(
        "INSERT INTO consultations ({CONSULTATION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7,
         $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)"
    );
    on_tx!(tx, conn => sqlx::query(sqlx::AssertSqlSafe(&*sql))
        .bind(c.id)
        .bind(&c.status)
        .bind(&c.caller)
        .bind(&c.phone)
        .bind(c.customer_id)
        .bind(&c.question)
        .bind(&c.answer)
        .bind(c.answered_by)
        .bind(c.answered_at)
        .bind(&c.department)
        .bind(c.due_at)
        .bind(c.forwarded_by)
        .bind(c.forwarded_at)
        .bind(&c.reply)
        .bind(&c.replier)
        .bind(c.reply_recorded_by)
        .bind(c.replied_at)
        .bind(c.closed_by)
        .bind(c.closed_at)
        .bind(c.created_by)
        .bind(c.created_at)
        .bind(c.updated_at)
        .execute(conn)
        .await
        .map(|_| ()))
}

pub async fn consultation(db: &Db, id: Uuid) -> Result<Option<ConsultationRow>, sqlx::Error> {
    let sql = format!("SELECT {CONSULTATION_COLUMNS} FROM consultations WHERE id = $1");
    on_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(&*sql)).bind(id).fetch_optional(pool).await)
}

/// The status of a consultation, read inside the transaction that was refused a change.
pub async fn consultation_status(tx: &mut Tx, id: Uuid) -> Result<Option<String>, sqlx::Error> {
    on_tx!(tx, conn => sqlx::query_scalar("SELECT status FROM consultations WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await)
}

/// A change of a consultation's state: only applied while it is in one of `from`.
pub enum ConsultationChange<'a> {
    Answer {
        answer: &'a str,
    },
    Forward {
        department: &'a str,
        due_at: OffsetDateTime,
    },
    Reply {
        reply: &'a str,
        replier: Option<&'a str>,
    },
    Close,
}

impl ConsultationChange<'_> {
    /// The SQL of the change: `$1` id, `$2` who, `$3` when, then its own values.
    fn sql(&self) -> &'static str {
        match self {
            ConsultationChange::Answer { .. } => {
                "UPDATE consultations SET status = 'answered', answered_by = $2, answered_at = $3,
                 updated_at = $3, answer = $4 WHERE id = $1 AND status = 'open'"
            }
            ConsultationChange::Forward { .. } => {
                "UPDATE consultations SET status = 'forwarded', forwarded_by = $2, forwarded_at = $3,
                 updated_at = $3, department = $4, due_at = $5 WHERE id = $1 AND status = 'open'"
            }
            ConsultationChange::Reply { .. } => {
                "UPDATE consultations SET status = 'replied', reply_recorded_by = $2, replied_at = $3,
                 updated_at = $3, reply = $4, replier = $5 WHERE id = $1 AND status = 'forwarded'"
            }
            ConsultationChange::Close => {
                "UPDATE consultations SET status = 'closed', closed_by = $2, closed_at = $3,
                 updated_at = $3 WHERE id = $1 AND status IN ('answered', 'replied')"
            }
        }
    }
}

/// Applies `change` if the consultation is in a state that allows it; false otherwise.
pub async fn change_consultation(
    tx: &mut Tx,
    id: Uuid,
    by: Uuid,
    at: OffsetDateTime,
    change: &ConsultationChange<'_>,
) -> Result<bool, sqlx::Error> {
    on_tx!(tx, conn => {
        let q = sqlx::query(change.sql()).bind(id).bind(by).bind(at);
        let q = match change {
            ConsultationChange::Answer { answer } => q.bind(*answer),
            ConsultationChange::Forward { department, due_at } => q.bind(*department).bind(*due_at),
            ConsultationChange::Reply { reply, replier } => q.bind(*reply).bind(*replier),
            ConsultationChange::Close => q,
        };
        q.execute(conn).await.map(|r| r.rows_affected() > 0)
    })
}

pub struct ConsultationFilter<'a> {
    pub status: Option<&'a str>,
    /// Forwarded ones due before this instant.
    pub overdue_at: Option<OffsetDateTime>,
    /// A LIKE pattern (see [`super::like_pattern`]).
    pub text: Option<String>,
    pub customer_id: Option<Uuid>,
    /// Oldest due date first, for the list of replies to chase.
    pub by_due_date: bool,
    pub limit: i64,
    pub offset: i64,
}

pub async fn search_consultations(
    db: &Db,
    f: &ConsultationFilter<'_>,
) -> Result<(Vec<ConsultationRow>, i64), sqlx::Error> {
    const WHERE: &str = r"WHERE ($1 IS NULL OR status = $1)
        AND ($2 IS NULL OR (status = 'forwarded' AND due_at < $2))
        AND ($3 IS NULL OR caller LIKE $3 ESCAPE '\' OR phone LIKE $3 ESCAPE '\'
             OR question LIKE $3 ESCAPE '\' OR department LIKE $3 ESCAPE '\')
        AND ($4 IS NULL OR customer_id = $4)";
    let order = if f.by_due_date {
        "due_at ASC, id ASC"
    } else {
        "created_at DESC, id DESC"
    };
    let rows_sql = format!(
        "SELECT {CONSULTATION_COLUMNS} FROM consultations {WHERE} ORDER BY {order} LIMIT $5 OFFSET $6"
    );
    let count_sql = format!("SELECT COUNT(*) FROM consultations {WHERE}");
    on_db!(db, pool => {
        let rows = sqlx::query_as(sqlx::AssertSqlSafe(&*rows_sql))
            .bind(f.status)
            .bind(f.overdue_at)
            .bind(&f.text)
            .bind(f.customer_id)
            .bind(f.limit)
            .bind(f.offset)
            .fetch_all(pool)
            .await?;
        let total: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(&*count_sql))
            .bind(f.status)
            .bind(f.overdue_at)
            .bind(&f.text)
            .bind(f.customer_id)
            .fetch_one(pool)
            .await?;
        Ok((rows, total))
    })
}

pub async fn customer_exists(tx: &mut Tx, id: Uuid) -> Result<bool, sqlx::Error> {
    on_tx!(tx, conn => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM customers WHERE id = $1")
        .bind(id)
        .fetch_one(conn)
        .await
        .map(|n| n > 0))
}

pub async fn ticket_exists(tx: &mut Tx, id: Uuid) -> Result<bool, sqlx::Error> {
    on_tx!(tx, conn => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM repair_tickets WHERE id = $1")
        .bind(id)
        .fetch_one(conn)
        .await
        .map(|n| n > 0))
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EventRow {
    pub id: Uuid,
    pub kind: String,
    pub status: String,
    pub content: String,
    pub reporter: Option<String>,
    pub phone: Option<String>,
    pub ticket_id: Option<Uuid>,
    pub needs_reply: bool,
    pub reply: Option<String>,
    pub replied_by: Option<Uuid>,
    pub replied_by_name: Option<String>,
    pub replied_at: Option<OffsetDateTime>,
    pub closed_by: Option<Uuid>,
    pub closed_at: Option<OffsetDateTime>,
    pub created_by: Option<Uuid>,
    pub created_at: OffsetDateTime,
}

const EVENT_SELECT: &str = "SELECT e.id, e.kind, e.status, e.content, e.reporter, e.phone,
    e.ticket_id, e.needs_reply, e.reply, e.replied_by, u.display_name AS replied_by_name,
    e.replied_at, e.closed_by, e.closed_at, e.created_by, e.created_at
    FROM call_events e LEFT JOIN users u ON u.id = e.replied_by";

pub struct NewEventRow<'a> {
    pub id: Uuid,
    pub kind: &'a str,
    pub content: &'a str,
    pub reporter: Option<&'a str>,
    pub phone: Option<&'a str>,
    pub ticket_id: Option<Uuid>,
    pub needs_reply: bool,
    pub created_by: Option<Uuid>,
    pub created_at: OffsetDateTime,
}

pub async fn insert_event(tx: &mut Tx, e: &NewEventRow<'_>) -> Result<(), sqlx::Error> {
    on_tx!(tx, conn => sqlx::query(
        "INSERT INTO call_events (id, kind, status, content, reporter, phone, ticket_id,
         needs_reply, created_by, created_at, updated_at)
         VALUES ($1, $2, 'open', $3, $4, $5, $6, $7, $8, $9, $9)",
    )
    .bind(e.id)
    .bind(e.kind)
    .bind(e.content)
    .bind(e.reporter)
    .bind(e.phone)
    .bind(e.ticket_id)
    .bind(e.needs_reply)
    .bind(e.created_by)
    .bind(e.created_at)
    .execute(conn)
    .await
    .map(|_| ()))
}

pub async fn event(db: &Db, id: Uuid) -> Result<Option<EventRow>, sqlx::Error> {
    let sql = format!("{EVENT_SELECT} WHERE e.id = $1");
    on_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(&*sql)).bind(id).fetch_optional(pool).await)
}

/// An event read inside the transaction that was refused a change, to say why.
pub async fn event_in(tx: &mut Tx, id: Uuid) -> Result<Option<EventRow>, sqlx::Error> {
    let sql = format!("{EVENT_SELECT} WHERE e.id = $1");
    on_tx!(tx, conn => sqlx::query_as(sqlx::AssertSqlSafe(&*sql)).bind(id).fetch_optional(conn).await)
}

/// Records the one reply of an open event; false when it is closed or already replied to.
pub async fn reply_event(
    tx: &mut Tx,
    id: Uuid,
    reply: &str,
    by: Uuid,
    at: OffsetDateTime,
) -> Result<bool, sqlx::Error> {
    on_tx!(tx, conn => sqlx::query(
        "UPDATE call_events SET status = 'replied', reply = $2, replied_by = $3, replied_at = $4,
         updated_at = $4 WHERE id = $1 AND status = 'open' AND reply IS NULL",
    )
    .bind(id)
    .bind(reply)
    .bind(by)
    .bind(at)
    .execute(conn)
    .await
    .map(|r| r.rows_affected() > 0))
}

/// Closes an event that is not closed and has its reply if it needs one; false otherwise.
pub async fn close_event(
    tx: &mut Tx,
    id: Uuid,
    by: Uuid,
    at: OffsetDateTime,
) -> Result<bool, sqlx::Error> {
    on_tx!(tx, conn => sqlx::query(
        "UPDATE call_events SET status = 'closed', closed_by = $2, closed_at = $3, updated_at = $3
         WHERE id = $1 AND status <> 'closed' AND (needs_reply = FALSE OR reply IS NOT NULL)",
    )
    .bind(id)
    .bind(by)
    .bind(at)
    .execute(conn)
    .await
    .map(|r| r.rows_affected() > 0))
}

pub struct EventFilter<'a> {
    pub kind: Option<&'a str>,
    pub status: Option<&'a str>,
    pub ticket_id: Option<Uuid>,
    pub awaiting_reply: bool,
    pub limit: i64,
    pub offset: i64,
}

/// Newest first; awaiting replies, oldest first (the longest waiting on top).
pub async fn search_events(
    db: &Db,
    f: &EventFilter<'_>,
) -> Result<(Vec<EventRow>, i64), sqlx::Error> {
    const WHERE: &str = "WHERE ($1 IS NULL OR e.kind = $1) AND ($2 IS NULL OR e.status = $2)
        AND ($3 IS NULL OR e.ticket_id = $3)
        AND ($4 = FALSE OR (e.needs_reply = TRUE AND e.reply IS NULL AND e.status <> 'closed'))";
    let order = if f.awaiting_reply {
        "e.created_at ASC, e.id ASC"
    } else {
        "e.created_at DESC, e.id DESC"
    };
    let rows_sql = format!("{EVENT_SELECT} {WHERE} ORDER BY {order} LIMIT $5 OFFSET $6");
    let count_sql = format!("SELECT COUNT(*) FROM call_events e {WHERE}");
    on_db!(db, pool => {
        let rows = sqlx::query_as(sqlx::AssertSqlSafe(&*rows_sql))
            .bind(f.kind)
            .bind(f.status)
            .bind(f.ticket_id)
            .bind(f.awaiting_reply)
            .bind(f.limit)
            .bind(f.offset)
            .fetch_all(pool)
            .await?;
        let total: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(&*count_sql))
            .bind(f.kind)
            .bind(f.status)
            .bind(f.ticket_id)
            .bind(f.awaiting_reply)
            .fetch_one(pool)
            .await?;
        Ok((rows, total))
    })
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct KnowledgeRow {
    pub id: Uuid,
    pub title: String,
    pub subtitle: Option<String>,
    pub keywords: Json<Vec<String>>,
    pub content: String,
    pub created_by: Option<Uuid>,
    pub created_at: OffsetDateTime,
    pub updated_by: Option<Uuid>,
    pub updated_at: OffsetDateTime,
}

const KNOWLEDGE_COLUMNS: &str =
    "id, title, subtitle, keywords, content, created_by, created_at, updated_by, updated_at";

pub async fn insert_knowledge(tx: &mut Tx, k: &KnowledgeRow) -> Result<(), sqlx::Error> {
    let sql = format!(
        "INSERT INTO knowledge_entries ({KNOWLEDGE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
    );
    on_tx!(tx, conn => sqlx::query(sqlx::AssertSqlSafe(&*sql))
        .bind(k.id)
        .bind(&k.title)
        .bind(&k.subtitle)
        .bind(&k.keywords)
        .bind(&k.content)
        .bind(k.created_by)
        .bind(k.created_at)
        .bind(k.updated_by)
        .bind(k.updated_at)
        .execute(conn)
        .await
        .map(|_| ()))
}

/// Replaces an entry's text; false when there is no such entry.
pub async fn update_knowledge(tx: &mut Tx, k: &KnowledgeRow) -> Result<bool, sqlx::Error> {
    on_tx!(tx, conn => sqlx::query(
        "UPDATE knowledge_entries SET title = $2, subtitle = $3, keywords = $4, content = $5,
         updated_by = $6, updated_at = $7 WHERE id = $1",
    )
    .bind(k.id)
    .bind(&k.title)
    .bind(&k.subtitle)
    .bind(&k.keywords)
    .bind(&k.content)
    .bind(k.updated_by)
    .bind(k.updated_at)
    .execute(conn)
    .await
    .map(|r| r.rows_affected() > 0))
}

pub async fn delete_knowledge(tx: &mut Tx, id: Uuid) -> Result<bool, sqlx::Error> {
    on_tx!(tx, conn => sqlx::query("DELETE FROM knowledge_entries WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await
        .map(|r| r.rows_affected() > 0))
}

pub async fn knowledge(db: &Db, id: Uuid) -> Result<Option<KnowledgeRow>, sqlx::Error> {
    let sql = format!("SELECT {KNOWLEDGE_COLUMNS} FROM knowledge_entries WHERE id = $1");
    on_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(&*sql)).bind(id).fetch_optional(pool).await)
}

/// A page of entries, most recently updated first, and the total.
pub async fn knowledge_page(
    db: &Db,
    limit: i64,
    offset: i64,
) -> Result<(Vec<KnowledgeRow>, i64), sqlx::Error> {
    let sql = format!(
        "SELECT {KNOWLEDGE_COLUMNS} FROM knowledge_entries ORDER BY updated_at DESC, id DESC
         LIMIT $1 OFFSET $2"
    );
    on_db!(db, pool => {
        let rows = sqlx::query_as(sqlx::AssertSqlSafe(&*sql))
            .bind(limit)
            .bind(offset)
            .fetch_all(pool)
            .await?;
        let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM knowledge_entries")
            .fetch_one(pool)
            .await?;
        Ok((rows, total))
    })
}

/// Entries whose text (titles, keywords, content, lower-cased) is LIKE any of `patterns`: the
/// candidates a search then ranks. Lower-casing in SQL folds ASCII only on SQLite; the ranking
/// folds in Rust, so a candidate missed here can only be one with non-ASCII capitals.
pub async fn knowledge_candidates(
    db: &Db,
    patterns: &[String],
) -> Result<Vec<KnowledgeRow>, sqlx::Error> {
    if patterns.is_empty() {
        return Ok(Vec::new());
    }
    let clauses: Vec<String> = (1..=patterns.len())
        .map(|n| format!("haystack LIKE ${n} ESCAPE '\\'"))
        .collect();
    let sql = format!(
        "SELECT {KNOWLEDGE_COLUMNS} FROM (SELECT {KNOWLEDGE_COLUMNS}, lower(title || ' ' ||
         COALESCE(subtitle, '') || ' ' || CAST(keywords AS TEXT) || ' ' || content) AS haystack
         FROM knowledge_entries) k WHERE {}",
        clauses.join(" OR ")
    );
    on_db!(db, pool => {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(&*sql));
        for p in patterns {
            q = q.bind(p);
        }
        q.fetch_all(pool).await
    })
}
