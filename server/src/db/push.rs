//! Web Push records: the VAPID key pair, browser subscriptions, and the push outbox whose rows
//! stay as each message's delivery record.

use super::{Db, Tx};
use crate::{on_db, on_tx};
use time::OffsetDateTime;
use uuid::Uuid;

// --- VAPID key ------------------------------------------------------------------------------

/// The stored key pair (private, public), base64url.
pub async fn vapid_keys(db: &Db) -> Result<Option<(String, String)>, sqlx::Error> {
    on_db!(db, pool => sqlx::query_as(
        "SELECT private_key, public_key FROM push_vapid_keys WHERE id = 1",
    )
    .fetch_optional(pool)
    .await)
}

/// Stores a key pair unless one exists: instances starting together keep the first one.
pub async fn insert_vapid_keys(
    db: &Db,
    private_key: &str,
    public_key: &str,
    at: OffsetDateTime,
) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    on_tx!(&mut tx, conn => sqlx::query(
        "INSERT INTO push_vapid_keys (id, private_key, public_key, created_at) VALUES (1, $1, $2, $3)
         ON CONFLICT (id) DO NOTHING",
    )
    .bind(private_key)
    .bind(public_key)
    .bind(at)
    .execute(conn)
    .await
    .map(|_| ()))?;
    tx.commit().await
}

// --- subscriptions --------------------------------------------------------------------------

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SubscriptionRow {
    pub id: Uuid,
    pub user_id: Uuid,
    pub device_id: Option<Uuid>,
    pub endpoint: String,
    pub p256dh: String,
    pub auth: String,
    pub created_at: OffsetDateTime,
}

const SUBSCRIPTION_COLUMNS: &str = "id, user_id, device_id, endpoint, p256dh, auth, created_at";

/// Registers an endpoint, or takes it over: a browser's endpoint belongs to whoever signed in
/// on it last, so a shared phone rings for its current user only.
pub async fn upsert_subscription(
    tx: &mut Tx,
    s: &SubscriptionRow,
) -> Result<SubscriptionRow, sqlx::Error> {
    let sql = format!(
        "INSERT INTO push_subscriptions ({SUBSCRIPTION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (endpoint) DO UPDATE SET user_id = excluded.user_id,
             device_id = excluded.device_id, p256dh = excluded.p256dh, auth = excluded.auth
         RETURNING {SUBSCRIPTION_COLUMNS}"
    );
    on_tx!(tx, conn => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(s.id)
        .bind(s.user_id)
        .bind(s.device_id)
        .bind(&s.endpoint)
        .bind(&s.p256dh)
        .bind(&s.auth)
        .bind(s.created_at)
        .fetch_one(conn)
        .await)
}

pub async fn subscriptions_of(db: &Db, user_id: Uuid) -> Result<Vec<SubscriptionRow>, sqlx::Error> {
    let sql = format!(
        "SELECT {SUBSCRIPTION_COLUMNS} FROM push_subscriptions WHERE user_id = $1 ORDER BY created_at"
    );
    on_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(user_id).fetch_all(pool).await)
}

/// The subscriptions of several users, inside the transaction that queues messages to them.
pub async fn subscriptions_in(
    tx: &mut Tx,
    user_id: Uuid,
) -> Result<Vec<SubscriptionRow>, sqlx::Error> {
    let sql = format!(
        "SELECT {SUBSCRIPTION_COLUMNS} FROM push_subscriptions WHERE user_id = $1 ORDER BY created_at"
    );
    on_tx!(tx, conn => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(user_id).fetch_all(conn).await)
}

/// Removes the user's subscription for `endpoint`; false when there was none.
pub async fn delete_subscription(
    tx: &mut Tx,
    user_id: Uuid,
    endpoint: &str,
) -> Result<bool, sqlx::Error> {
    let id: Option<Uuid> = on_tx!(tx, conn => sqlx::query_scalar(
        "SELECT id FROM push_subscriptions WHERE user_id = $1 AND endpoint = $2",
    )
    .bind(user_id)
    .bind(endpoint)
    .fetch_optional(conn)
    .await)?;
    match id {
        Some(id) => {
            delete_subscription_by_id(tx, id, "the phone unsubscribed").await?;
            Ok(true)
        }
        None => Ok(false),
    }
}

/// Removes a subscription; what was still queued for it will never leave and says why.
pub async fn delete_subscription_by_id(
    tx: &mut Tx,
    id: Uuid,
    why: &str,
) -> Result<(), sqlx::Error> {
    on_tx!(tx, conn => sqlx::query(
        "UPDATE push_messages SET state = 'gone', lease_until = NULL, last_error = $2
         WHERE subscription_id = $1 AND state = 'queued'",
    )
    .bind(id)
    .bind(why)
    .execute(conn)
    .await
    .map(|_| ()))?;
    on_tx!(tx, conn => sqlx::query("DELETE FROM push_subscriptions WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await
        .map(|_| ()))
}

/// Active users of a team with a role: who is rung for a job sent to the team as a whole.
pub async fn team_workers(
    tx: &mut Tx,
    team_id: Uuid,
    role: &str,
) -> Result<Vec<Uuid>, sqlx::Error> {
    on_tx!(tx, conn => sqlx::query_scalar(
        "SELECT u.id FROM team_members m JOIN users u ON u.id = m.user_id
         WHERE m.team_id = $1 AND u.active AND u.role = $2 ORDER BY u.id",
    )
    .bind(team_id)
    .bind(role)
    .fetch_all(conn)
    .await)
}

// --- messages -------------------------------------------------------------------------------

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MessageRow {
    pub id: Uuid,
    pub subscription_id: Option<Uuid>,
    pub user_id: Uuid,
    pub kind: String,
    pub ticket_id: Option<Uuid>,
    pub check_id: Option<Uuid>,
    pub topic: Option<String>,
    pub urgency: String,
    pub ttl_secs: i32,
    pub payload: String,
    pub receipt: String,
    pub state: String,
    pub attempts: i32,
    pub next_attempt_at: OffsetDateTime,
    pub queued_at: OffsetDateTime,
    pub sent_at: Option<OffsetDateTime>,
    pub received_at: Option<OffsetDateTime>,
    pub accepted_at: Option<OffsetDateTime>,
    pub last_error: Option<String>,
}

const MESSAGE_COLUMNS: &str = "id, subscription_id, user_id, kind, ticket_id, check_id, topic, \
    urgency, ttl_secs, payload, receipt, state, attempts, next_attempt_at, queued_at, sent_at, \
    received_at, accepted_at, last_error";

/// Queues a message; an older one with the same topic for the same subscription that has not
/// left yet is superseded (the push service would replace it anyway, RFC 8030 §5.4).
pub async fn insert_message(tx: &mut Tx, m: &MessageRow) -> Result<(), sqlx::Error> {
    if let (Some(subscription), Some(topic)) = (m.subscription_id, &m.topic) {
        on_tx!(tx, conn => sqlx::query(
            "UPDATE push_messages SET state = 'superseded', lease_until = NULL
             WHERE subscription_id = $1 AND topic = $2 AND state = 'queued'",
        )
        .bind(subscription)
        .bind(topic)
        .execute(conn)
        .await
        .map(|_| ()))?;
    }
    let sql = format!(
        "INSERT INTO push_messages ({MESSAGE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, \
         $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)"
    );
    on_tx!(tx, conn => sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(m.id)
        .bind(m.subscription_id)
        .bind(m.user_id)
        .bind(&m.kind)
        .bind(m.ticket_id)
        .bind(m.check_id)
        .bind(&m.topic)
        .bind(&m.urgency)
        .bind(m.ttl_secs)
        .bind(&m.payload)
        .bind(&m.receipt)
        .bind(&m.state)
        .bind(m.attempts)
        .bind(m.next_attempt_at)
        .bind(m.queued_at)
        .bind(m.sent_at)
        .bind(m.received_at)
        .bind(m.accepted_at)
        .bind(&m.last_error)
        .execute(conn)
        .await
        .map(|_| ()))
}

/// A message the sender took, with where to send it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Claimed {
    pub id: Uuid,
    pub kind: String,
    pub subscription_id: Uuid,
    pub ticket_id: Option<Uuid>,
    pub user_id: Uuid,
    pub topic: Option<String>,
    pub urgency: String,
    pub ttl_secs: i32,
    pub payload: String,
    pub attempts: i32,
    pub endpoint: String,
    pub p256dh: String,
    pub auth: String,
}

/// Takes up to `limit` due messages for this sender until `lease_until`. On PostgreSQL rows
/// another instance is taking are skipped; on SQLite the one writer serialises claims. A
/// sender that dies mid-send leaves its lease to expire, and the message is sent again.
pub async fn claim_due(
    db: &Db,
    now: OffsetDateTime,
    lease_until: OffsetDateTime,
    limit: i64,
) -> Result<Vec<Claimed>, sqlx::Error> {
    let mut tx = db.begin().await?;
    let skip_locked = match &tx {
        Tx::Postgres(_) => "FOR UPDATE SKIP LOCKED",
        Tx::Sqlite(_) => "",
    };
    let ids: Vec<Uuid> = on_tx!(&mut tx, conn => sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT id FROM push_messages WHERE state = 'queued' AND next_attempt_at <= $1
           AND (lease_until IS NULL OR lease_until < $1) AND subscription_id IS NOT NULL
         ORDER BY next_attempt_at LIMIT $2 {skip_locked}"
    )))
    .bind(now)
    .bind(limit)
    .fetch_all(conn)
    .await)?;
    if ids.is_empty() {
        tx.commit().await?;
        return Ok(Vec::new());
    }
    let mut claimed = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(200) {
        let list = placeholders(2, chunk.len());
        let sql = format!(
            "UPDATE push_messages SET lease_until = $1, attempts = attempts + 1 WHERE id IN ({list})"
        );
        on_tx!(&mut tx, conn => {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(lease_until);
            for id in chunk {
                q = q.bind(*id);
            }
            q.execute(conn).await.map(|_| ())
        })?;
        let sql = format!(
            "SELECT m.id, m.kind, m.subscription_id, m.ticket_id, m.user_id, m.topic, m.urgency, m.ttl_secs,
                    m.payload, m.attempts, s.endpoint, s.p256dh, s.auth
             FROM push_messages m JOIN push_subscriptions s ON s.id = m.subscription_id
             WHERE m.id IN ({})",
            placeholders(1, chunk.len())
        );
        let rows: Vec<Claimed> = on_tx!(&mut tx, conn => {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql));
            for id in chunk {
                q = q.bind(*id);
            }
            q.fetch_all(conn).await
        })?;
        claimed.extend(rows);
    }
    tx.commit().await?;
    Ok(claimed)
}

/// `$first, $first+1, …` for `n` values.
fn placeholders(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// When the next queued message becomes due (to sleep until then).
pub async fn next_due(db: &Db) -> Result<Option<OffsetDateTime>, sqlx::Error> {
    on_db!(db, pool => sqlx::query_scalar(
        "SELECT MIN(next_attempt_at) FROM push_messages
         WHERE state = 'queued' AND subscription_id IS NOT NULL",
    )
    .fetch_one(pool)
    .await)
}

/// The push service took the message. A receipt or an acceptance that overtook this record
/// is kept (the state only moves forward).
pub async fn mark_sent(tx: &mut Tx, id: Uuid, at: OffsetDateTime) -> Result<bool, sqlx::Error> {
    on_tx!(tx, conn => sqlx::query(
        "UPDATE push_messages SET state = CASE WHEN state = 'queued' THEN 'sent' ELSE state END,
             sent_at = COALESCE(sent_at, $2), lease_until = NULL, last_error = NULL
         WHERE id = $1",
    )
    .bind(id)
    .bind(at)
    .execute(conn)
    .await
    .map(|r| r.rows_affected() > 0))
}

/// Another try later.
pub async fn mark_retry(
    tx: &mut Tx,
    id: Uuid,
    next_attempt_at: OffsetDateTime,
    error: &str,
) -> Result<(), sqlx::Error> {
    on_tx!(tx, conn => sqlx::query(
        "UPDATE push_messages SET next_attempt_at = $2, lease_until = NULL, last_error = $3
         WHERE id = $1 AND state = 'queued'",
    )
    .bind(id)
    .bind(next_attempt_at)
    .bind(error)
    .execute(conn)
    .await
    .map(|_| ()))
}

/// Given up (`failed`) or the subscription is gone (`gone`).
pub async fn mark_final(
    tx: &mut Tx,
    id: Uuid,
    state: &str,
    error: &str,
) -> Result<(), sqlx::Error> {
    on_tx!(tx, conn => sqlx::query(
        "UPDATE push_messages SET state = $2, lease_until = NULL, last_error = $3
         WHERE id = $1 AND state = 'queued'",
    )
    .bind(id)
    .bind(state)
    .bind(error)
    .execute(conn)
    .await
    .map(|_| ()))
}

/// The phone reported the message arrived. Returns the message when the receipt matches (and
/// whether this was news), `None` when there is no such message or the code is wrong.
pub async fn mark_received(
    tx: &mut Tx,
    id: Uuid,
    receipt: &str,
    at: OffsetDateTime,
) -> Result<Option<(MessageRow, bool)>, sqlx::Error> {
    let sql = format!("SELECT {MESSAGE_COLUMNS} FROM push_messages WHERE id = $1 AND receipt = $2");
    let Some(row): Option<MessageRow> = on_tx!(tx, conn => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .bind(receipt)
        .fetch_optional(conn)
        .await)?
    else {
        return Ok(None);
    };
    let news = row.received_at.is_none();
    if news {
        on_tx!(tx, conn => sqlx::query(
            "UPDATE push_messages SET received_at = $2,
                 state = CASE WHEN state IN ('queued', 'sent', 'failed') THEN 'received' ELSE state END,
                 sent_at = COALESCE(sent_at, $2), lease_until = NULL
             WHERE id = $1",
        )
        .bind(id)
        .bind(at)
        .execute(conn)
        .await
        .map(|_| ()))?;
    }
    Ok(Some((row, news)))
}

/// The worker accepted the job: every message that announced it to them is done.
pub async fn mark_accepted(
    tx: &mut Tx,
    ticket_id: Uuid,
    user_id: Uuid,
    at: OffsetDateTime,
) -> Result<u64, sqlx::Error> {
    on_tx!(tx, conn => sqlx::query(
        "UPDATE push_messages SET state = 'accepted', accepted_at = $3, lease_until = NULL
         WHERE ticket_id = $1 AND user_id = $2 AND kind IN ('assigned', 'reminder')
           AND state IN ('queued', 'sent', 'received')",
    )
    .bind(ticket_id)
    .bind(user_id)
    .bind(at)
    .execute(conn)
    .await
    .map(|r| r.rows_affected()))
}

/// A job left a worker (reassigned, cancelled): announcements not yet sent need not ring.
pub async fn supersede_queued(
    tx: &mut Tx,
    ticket_id: Uuid,
    user_id: Uuid,
) -> Result<u64, sqlx::Error> {
    on_tx!(tx, conn => sqlx::query(
        "UPDATE push_messages SET state = 'superseded', lease_until = NULL
         WHERE ticket_id = $1 AND user_id = $2 AND state = 'queued'",
    )
    .bind(ticket_id)
    .bind(user_id)
    .execute(conn)
    .await
    .map(|r| r.rows_affected()))
}

/// Every message about a ticket, oldest first, with the recipient's name.
pub async fn messages_for_ticket(
    db: &Db,
    ticket_id: Uuid,
) -> Result<Vec<(MessageRow, String)>, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Joined {
        #[sqlx(flatten)]
        message: MessageRow,
        display_name: String,
    }
    let cols = MESSAGE_COLUMNS
        .split(", ")
        .map(|c| format!("m.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "SELECT {cols}, u.display_name FROM push_messages m JOIN users u ON u.id = m.user_id
         WHERE m.ticket_id = $1 ORDER BY m.queued_at, m.id"
    );
    let rows: Vec<Joined> = on_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(ticket_id)
        .fetch_all(pool)
        .await)?;
    Ok(rows
        .into_iter()
        .map(|j| (j.message, j.display_name))
        .collect())
}

pub async fn message(db: &Db, id: Uuid) -> Result<Option<MessageRow>, sqlx::Error> {
    let sql = format!("SELECT {MESSAGE_COLUMNS} FROM push_messages WHERE id = $1");
    on_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(pool).await)
}
