//! Offline sync: devices and their applied sequence numbers, received mutations with their
//! answers, and the change log pulls read.

use super::routing::CheckRow;
use super::tickets::TicketRow;
use super::{Db, Tx};
use crate::{on_db, on_tx};
use sqlx::types::Json;
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DeviceRow {
    pub id: Uuid,
    pub user_id: Uuid,
    pub name: String,
    pub platform: Option<String>,
    pub last_seq: i64,
    pub resync_epoch: i64,
    pub registered_at: OffsetDateTime,
    pub last_seen_at: Option<OffsetDateTime>,
}

const DEVICE_COLUMNS: &str =
    "id, user_id, name, platform, last_seq, resync_epoch, registered_at, last_seen_at";

/// Registers the device, or renames it when it is already this user's. Returns the stored row,
/// which belongs to someone else when the id was registered by another user.
pub async fn register(db: &Db, d: &DeviceRow) -> Result<DeviceRow, sqlx::Error> {
    let sql = format!(
        "INSERT INTO sync_devices ({DEVICE_COLUMNS}) VALUES ($1, $2, $3, $4, 0, 0, $5, NULL)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, platform = excluded.platform
             WHERE sync_devices.user_id = excluded.user_id"
    );
    on_db!(db, pool => sqlx::query(sqlx::AssertSqlSafe(&*sql))
        .bind(d.id)
        .bind(d.user_id)
        .bind(&d.name)
        .bind(&d.platform)
        .bind(d.registered_at)
        .execute(pool)
        .await
        .map(|_| ()))?;
    device(db, d.id).await?.ok_or(sqlx::Error::RowNotFound)
}

pub async fn device(db: &Db, id: Uuid) -> Result<Option<DeviceRow>, sqlx::Error> {
    let sql = format!("SELECT {DEVICE_COLUMNS} FROM sync_devices WHERE id = $1");
    on_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(&*sql)).bind(id).fetch_optional(pool).await)
}

pub async fn devices_of(db: &Db, user_id: Uuid) -> Result<Vec<DeviceRow>, sqlx::Error> {
    let sql = format!(
        "SELECT {DEVICE_COLUMNS} FROM sync_devices WHERE user_id = $1 ORDER BY registered_at"
    );
    on_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(&*sql)).bind(user_id).fetch_all(pool).await)
}

/// The device inside a write transaction, locked so two pushes from one device apply in turn
/// (PostgreSQL `FOR UPDATE`; SQLite's write transactions are already one at a time).
pub async fn device_for_update(tx: &mut Tx, id: Uuid) -> Result<Option<DeviceRow>, sqlx::Error> {
    let base = format!("SELECT {DEVICE_COLUMNS} FROM sync_devices WHERE id = $1");
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

pub async fn advance(
    tx: &mut Tx,
    id: Uuid,
    seq: i64,
    at: OffsetDateTime,
) -> Result<(), sqlx::Error> {
    on_tx!(tx, conn => sqlx::query("UPDATE sync_devices SET last_seq = $2, last_seen_at = $3 WHERE id = $1")
        .bind(id)
        .bind(seq)
        .bind(at)
        .execute(conn)
        .await
        .map(|_| ()))
}

/// Every write goes through [`Db::begin`] (on SQLite, the file's one write connection): an
/// autocommit write on a pooled connection would sleep-poll for the write lock while holding
/// its pool slot, and under a reconnect storm starve the reads.
pub async fn touch(db: &Db, id: Uuid, at: OffsetDateTime) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    on_tx!(&mut tx, conn => sqlx::query("UPDATE sync_devices SET last_seen_at = $2 WHERE id = $1")
        .bind(id)
        .bind(at)
        .execute(conn)
        .await
        .map(|_| ()))?;
    tx.commit().await
}

/// Makes the device (or every device of a user) start over with a full snapshot.
pub async fn force_resync(
    db: &Db,
    device: Option<Uuid>,
    user: Option<Uuid>,
) -> Result<u64, sqlx::Error> {
    let mut tx = db.begin().await?;
    let changed = on_tx!(&mut tx, conn => sqlx::query(
        "UPDATE sync_devices SET resync_epoch = resync_epoch + 1 WHERE id = $1 OR user_id = $2",
    )
    .bind(device)
    .bind(user)
    .execute(conn)
    .await
    .map(|r| r.rows_affected()))?;
    tx.commit().await?;
    Ok(changed)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MutationRow {
    pub id: Uuid,
    pub device_id: Uuid,
    pub seq: i64,
    pub user_id: Uuid,
    pub kind: String,
    pub subject_id: Option<Uuid>,
    pub base_version: Option<i64>,
    pub device_at: OffsetDateTime,
    pub payload: Json<serde_json::Value>,
    pub outcome: String,
    pub code: Option<String>,
    pub reason: Option<String>,
    pub received_at: OffsetDateTime,
    pub resolved_by: Option<Uuid>,
    pub resolved_at: Option<OffsetDateTime>,
    pub resolution: Option<String>,
}

const MUTATION_COLUMNS: &str = "id, device_id, seq, user_id, kind, subject_id, base_version, device_at, payload, \
     outcome, code, reason, received_at, resolved_by, resolved_at, resolution";

/// Stores answers, up to 100 rows a statement.
pub async fn insert_mutations(tx: &mut Tx, rows: &[MutationRow]) -> Result<(), sqlx::Error> {
    for chunk in rows.chunks(100) {
        on_tx!(tx, conn => {
            let mut q = sqlx::QueryBuilder::new(format!(
                "INSERT INTO sync_mutations ({MUTATION_COLUMNS}) "
            ));
            q.push_values(chunk, |mut b, m| {
                b.push_bind(m.id)
                    .push_bind(m.device_id)
                    .push_bind(m.seq)
                    .push_bind(m.user_id)
                    .push_bind(&m.kind)
                    .push_bind(m.subject_id)
                    .push_bind(m.base_version)
                    .push_bind(m.device_at)
                    .push_bind(&m.payload)
                    .push_bind(&m.outcome)
                    .push_bind(&m.code)
                    .push_bind(&m.reason)
                    .push_bind(m.received_at)
                    .push_bind(m.resolved_by)
                    .push_bind(m.resolved_at)
                    .push_bind(&m.resolution);
            });
            q.build().execute(conn).await.map(|_| ())
        })?;
    }
    Ok(())
}

/// The stored answers for a device's sequence numbers `from..=to`.
pub async fn answered(
    db: &Db,
    device_id: Uuid,
    from: i64,
    to: i64,
) -> Result<Vec<MutationRow>, sqlx::Error> {
    let sql = format!(
        "SELECT {MUTATION_COLUMNS} FROM sync_mutations WHERE device_id = $1 AND seq BETWEEN $2 AND $3 ORDER BY seq"
    );
    on_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(&*sql))
        .bind(device_id)
        .bind(from)
        .bind(to)
        .fetch_all(pool)
        .await)
}

pub async fn mutation(db: &Db, id: Uuid) -> Result<Option<MutationRow>, sqlx::Error> {
    let sql = format!("SELECT {MUTATION_COLUMNS} FROM sync_mutations WHERE id = $1");
    on_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(&*sql)).bind(id).fetch_optional(pool).await)
}

/// Flagged mutations, oldest first; only the undecided ones unless `all`.
pub async fn flagged(db: &Db, all: bool, limit: i64) -> Result<Vec<MutationRow>, sqlx::Error> {
    let sql = format!(
        "SELECT {MUTATION_COLUMNS} FROM sync_mutations
         WHERE outcome = 'flagged' AND ($1 OR resolved_at IS NULL) ORDER BY received_at, seq LIMIT $2"
    );
    on_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(&*sql)).bind(all).bind(limit).fetch_all(pool).await)
}

pub async fn resolve(
    tx: &mut Tx,
    id: Uuid,
    by: Uuid,
    resolution: &str,
    at: OffsetDateTime,
) -> Result<u64, sqlx::Error> {
    on_tx!(tx, conn => sqlx::query(
        "UPDATE sync_mutations SET resolved_by = $2, resolution = $3, resolved_at = $4
         WHERE id = $1 AND outcome = 'flagged' AND resolved_at IS NULL",
    )
    .bind(id)
    .bind(by)
    .bind(resolution)
    .bind(at)
    .execute(conn)
    .await
    .map(|r| r.rows_affected()))
}

/// What a change log entry is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entity {
    Ticket,
    Check,
}

impl Entity {
    pub fn as_str(self) -> &'static str {
        match self {
            Entity::Ticket => "ticket",
            Entity::Check => "check",
        }
    }
}

/// Appends to the change log; call it *before* the row is written, so the team and person it
/// had come from the row as it was. Rows become visible in sequence order ([`super::log`]).
pub async fn log_change(
    tx: &mut Tx,
    entity: Entity,
    id: Uuid,
    team_id: Option<Uuid>,
    user_id: Option<Uuid>,
    at: OffsetDateTime,
) -> Result<(), sqlx::Error> {
    let (prev_team_id, prev_user_id) = current_holder(tx, entity, id).await?.unwrap_or_default();
    super::log::append_change(
        tx,
        super::log::ChangeRow {
            kind: entity.as_str(),
            entity_id: id,
            team_id,
            user_id,
            prev_team_id,
            prev_user_id,
            at,
        },
    )
    .await
}

/// A change that keeps the team and person (e.g. a check closed by its result).
pub async fn log_touch(
    tx: &mut Tx,
    entity: Entity,
    id: Uuid,
    at: OffsetDateTime,
) -> Result<(), sqlx::Error> {
    let Some((team_id, user_id)) = current_holder(tx, entity, id).await? else {
        return Ok(());
    };
    super::log::append_change(
        tx,
        super::log::ChangeRow {
            kind: entity.as_str(),
            entity_id: id,
            team_id,
            user_id,
            prev_team_id: team_id,
            prev_user_id: user_id,
            at,
        },
    )
    .await
}

/// The team and person a ticket or check has now; `None` when it does not exist (yet).
async fn current_holder(
    tx: &mut Tx,
    entity: Entity,
    id: Uuid,
) -> Result<Option<(Option<Uuid>, Option<Uuid>)>, sqlx::Error> {
    let sql = match entity {
        Entity::Ticket => "SELECT team_id, assignee_id FROM repair_tickets WHERE id = $1",
        Entity::Check => "SELECT team_id, assigned_to FROM patrol_checks WHERE id = $1",
    };
    on_tx!(tx, conn => sqlx::query_as(sql).bind(id).fetch_optional(conn).await)
}

pub async fn last_change(db: &Db) -> Result<i64, sqlx::Error> {
    on_db!(db, pool => sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM sync_changes").fetch_one(pool).await)
}

/// Change log entries after `after` that may concern the user's scope, oldest first: the
/// scope is what is assigned to them or, with nobody named, to one of their teams, so an entry
/// matters when either side of it (before or after the change) was such.
pub async fn changes_after(
    db: &Db,
    after: i64,
    user_id: Uuid,
    team_ids: &[Uuid],
    limit: i64,
) -> Result<Vec<(i64, String, Uuid)>, sqlx::Error> {
    let teams = in_list(4, team_ids.len());
    // One index range per way an entry can concern the user (see migration 0011), merged;
    // an OR over one scan would read every change after the cursor.
    let sql = format!(
        "SELECT seq, kind, entity_id FROM sync_changes WHERE user_id = $2 AND seq > $1
         UNION SELECT seq, kind, entity_id FROM sync_changes WHERE prev_user_id = $2 AND seq > $1
         UNION SELECT seq, kind, entity_id FROM sync_changes
               WHERE user_id IS NULL AND team_id IN ({teams}) AND seq > $1
         UNION SELECT seq, kind, entity_id FROM sync_changes
               WHERE prev_user_id IS NULL AND prev_team_id IN ({teams}) AND seq > $1
         ORDER BY seq LIMIT $3"
    );
    on_db!(db, pool => {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(&*sql)).bind(after).bind(user_id).bind(limit);
        for t in team_ids {
            q = q.bind(*t);
        }
        if team_ids.is_empty() {
            q = q.bind(Uuid::nil());
        }
        q.fetch_all(pool).await
    })
}

/// `$first, $first+1, …` for an `IN (…)` list; one never-matching placeholder when empty.
fn in_list(first: usize, n: usize) -> String {
    (first..first + n.max(1))
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct VersionedTicket {
    #[sqlx(flatten)]
    pub row: TicketRow,
    pub version: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct VersionedCheck {
    #[sqlx(flatten)]
    pub row: CheckRow,
    pub version: i64,
}

/// Field statuses: what a repairer's phone holds.
pub const FIELD_STATUSES: &str = "('assigned', 'accepted', 'on_the_way', 'on_site')";

/// Tickets in a field worker's scope (assigned to them, or to one of their teams with nobody
/// named yet), by id after `after`, at most `limit`; or the ones among `ids` when given.
pub async fn scope_tickets(
    db: &Db,
    user_id: Uuid,
    team_ids: &[Uuid],
    after: Option<Uuid>,
    ids: Option<&[Uuid]>,
    limit: i64,
) -> Result<Vec<VersionedTicket>, sqlx::Error> {
    let scope = Scope {
        select: format!(
            "SELECT {}, version FROM repair_tickets",
            super::tickets::COLUMNS
        ),
        open: format!("status IN {FIELD_STATUSES}"),
        person: "assignee_id",
    };
    scope.rows(db, user_id, team_ids, after, ids, limit).await
}

/// Open leak checks in a patroller's scope, like [`scope_tickets`].
pub async fn scope_checks(
    db: &Db,
    user_id: Uuid,
    team_ids: &[Uuid],
    after: Option<Uuid>,
    ids: Option<&[Uuid]>,
    limit: i64,
) -> Result<Vec<VersionedCheck>, sqlx::Error> {
    let scope = Scope {
        select: format!(
            "SELECT {}, version FROM patrol_checks",
            super::routing::CHECK_COLUMNS
        ),
        open: "status = 'open'".into(),
        person: "assigned_to",
    };
    scope.rows(db, user_id, team_ids, after, ids, limit).await
}

/// The scope query tickets and checks share: open, and the person's or (with nobody named)
/// one of their teams'.
struct Scope {
    select: String,
    open: String,
    person: &'static str,
}

impl Scope {
    async fn rows<T>(
        &self,
        db: &Db,
        user_id: Uuid,
        team_ids: &[Uuid],
        after: Option<Uuid>,
        ids: Option<&[Uuid]>,
        limit: i64,
    ) -> Result<Vec<T>, sqlx::Error>
    where
        T: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
            + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>
            + Send
            + Unpin,
    {
        let teams = in_list(4, team_ids.len());
        let only = ids
            .map(|ids| {
                format!(
                    "AND id IN ({})",
                    in_list(4 + team_ids.len().max(1), ids.len())
                )
            })
            .unwrap_or_default();
        let (select, open, person) = (&self.select, &self.open, self.person);
        let sql = format!(
            "{select}
             WHERE {open} AND ({person} = $1 OR ({person} IS NULL AND team_id IN ({teams})))
               AND ($2 IS NULL OR id > $2) {only}
             ORDER BY id LIMIT $3"
        );
        on_db!(db, pool => {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(&*sql)).bind(user_id).bind(after).bind(limit);
            for t in team_ids {
                q = q.bind(*t);
            }
            if team_ids.is_empty() {
                q = q.bind(Uuid::nil());
            }
            for id in ids.unwrap_or_default() {
                q = q.bind(*id);
            }
            q.fetch_all(pool).await
        })
    }
}

pub async fn ticket_version(db: &Db, id: Uuid) -> Result<Option<i64>, sqlx::Error> {
    on_db!(db, pool => sqlx::query_scalar("SELECT version FROM repair_tickets WHERE id = $1").bind(id).fetch_optional(pool).await)
}

/// What the field app's reference data is built from, in one read: counts and last changes of
/// the catalogs and the knowledge base, and the score rules' version. When it is unchanged, so
/// is the data.
pub async fn reference_fingerprint(db: &Db) -> Result<String, sqlx::Error> {
    // SQLite keeps timestamps as RFC 3339 text with the trailing zeros of the fraction dropped,
    // where `…05.1Z` sorts after `…05.12Z` ('Z' is above the digits): within one second a later
    // change could leave the text MAX as it was. Sorting on the text with 'Z' lowered below
    // '.' and the digits orders it as time does. PostgreSQL compares real timestamps.
    let last = |table: &str| match db {
        Db::Sqlite(_) => format!("(SELECT MAX(REPLACE(updated_at, 'Z', ' ')) FROM {table})"),
        Db::Postgres(_) => format!("(SELECT CAST(MAX(updated_at) AS TEXT) FROM {table})"),
    };
    let sql = format!(
        "SELECT (SELECT COUNT(*) FROM repair_items) || '|' || COALESCE({}, '') || '|' ||
                (SELECT COUNT(*) FROM materials) || '|' || COALESCE({}, '') || '|' ||
                COALESCE((SELECT CAST(MAX(version) AS TEXT) FROM score_rule_sets), '') || '|' ||
                (SELECT COUNT(*) FROM knowledge_entries) || '|' || COALESCE({}, '')",
        last("repair_items"),
        last("materials"),
        last("knowledge_entries"),
    );
    on_db!(db, pool => sqlx::query_scalar(sqlx::AssertSqlSafe(&*sql)).fetch_one(pool).await)
}
