//! Daily patrol logs (巡线记录): a patroller opens the day's log, the app uploads the GPS track
//! while it is open, and closing it records what was checked.

use crate::auth::CurrentUser;
use crate::db::audit;
use crate::db::patrol::{self as store, LogRow};
use crate::db::{self, Db, Tx};
use crate::error::{AppError, AppResult};
use crate::geometry::LocalProjection;
use gasdesk_shared::followup::{CloseLog, MAX_TRACK_POINTS, PatrolLogView, TrackUpload};
use gasdesk_shared::{Permission, Role, validate};
use geo::Coord;
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

async fn view(db: &Db, log: LogRow) -> AppResult<PatrolLogView> {
    let track = store::track(db, log.id).await?;
    let length_m = match track.first() {
        Some(&(lon, lat)) => {
            let projection = LocalProjection::around(lon, lat);
            track
                .windows(2)
                .map(|w| {
                    let a = projection.to_metres(Coord {
                        x: w[0].0,
                        y: w[0].1,
                    });
                    let b = projection.to_metres(Coord {
                        x: w[1].0,
                        y: w[1].1,
                    });
                    ((a.x - b.x).powi(2) + (a.y - b.y).powi(2)).sqrt()
                })
                .sum()
        }
        None => 0.0,
    };
    Ok(PatrolLogView {
        track: (track.len() >= 2).then(|| {
            json!({ "type": "LineString", "coordinates": track.iter().map(|p| [p.0, p.1]).collect::<Vec<_>>() })
        }),
        points: track.len(),
        length_m: (length_m * 10.0).round() / 10.0,
        id: log.id,
        patroller_id: log.patroller_id,
        day: log.day,
        started_at: log.started_at,
        ended_at: log.ended_at,
        checked: log.checked,
        remarks: log.remarks,
    })
}

async fn own_open_log(tx: &mut Tx, user: &CurrentUser, id: Uuid) -> AppResult<LogRow> {
    let log = store::log_in(tx, id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("no patrol log {id}")))?;
    if log.patroller_id != user.id {
        return Err(AppError::Forbidden(
            "only the patroller who keeps a log may write to it".into(),
        ));
    }
    if log.ended_at.is_some() {
        return Err(AppError::conflict("status", "this patrol log is closed"));
    }
    Ok(log)
}

/// Opens today's log for the calling patroller (one open log at a time).
pub async fn start(db: &Db, user: &CurrentUser) -> AppResult<PatrolLogView> {
    let mut tx = db.begin().await?;
    let log = start_in(&mut tx, user, Uuid::now_v7(), db::now()).await?;
    tx.commit().await?;
    view(db, log).await
}

/// Opens a log with the given id (the phone makes one offline) at `at`, inside `tx`.
pub async fn start_in(
    tx: &mut Tx,
    user: &CurrentUser,
    id: Uuid,
    at: OffsetDateTime,
) -> AppResult<LogRow> {
    if user.role != Role::Patroller {
        return Err(AppError::Forbidden(
            "patrol logs are kept by patrollers".into(),
        ));
    }
    if let Some(open) = store::open_log_of_in(tx, user.id).await? {
        return Err(AppError::conflict(
            "status",
            format!(
                "log {} of {} is still open; close it first",
                open.id, open.day
            ),
        ));
    }
    if store::log_in(tx, id).await?.is_some() {
        return Err(AppError::conflict(
            "log_id",
            format!("log {id} already exists"),
        ));
    }
    let at = db::utc(at);
    let day = at
        .to_offset(time::UtcOffset::from_hms(8, 0, 0).unwrap_or(time::UtcOffset::UTC))
        .date();
    let log = LogRow {
        id,
        patroller_id: user.id,
        day: format!(
            "{:04}-{:02}-{:02}",
            day.year(),
            u8::from(day.month()),
            day.day()
        ),
        started_at: at,
        ended_at: None,
        checked: None,
        remarks: None,
    };
    store::insert_log(tx, &log).await?;
    audit::record(
        tx,
        user.actor(),
        "patrol_log.start",
        "patrol_log",
        Some(log.id.to_string()),
        json!({ "day": log.day }),
    )
    .await?;
    Ok(log)
}

/// Appends GPS points (in the order given) to the caller's open log.
pub async fn add_points(
    db: &Db,
    user: &CurrentUser,
    id: Uuid,
    upload: TrackUpload,
) -> AppResult<PatrolLogView> {
    let mut tx = db.begin().await?;
    let log = add_points_in(&mut tx, user, id, &upload).await?;
    tx.commit().await?;
    view(db, log).await
}

pub async fn add_points_in(
    tx: &mut Tx,
    user: &CurrentUser,
    id: Uuid,
    upload: &TrackUpload,
) -> AppResult<LogRow> {
    let log = own_open_log(tx, user, id).await?;
    if upload.points.is_empty() || upload.points.len() > MAX_TRACK_POINTS {
        return Err(AppError::validation(
            "points",
            format!("send 1 to {MAX_TRACK_POINTS} points at a time"),
        ));
    }
    for (i, p) in upload.points.iter().enumerate() {
        validate::location(Some(p.lon), Some(p.lat))
            .map_err(|e| AppError::validation(&format!("points[{i}].{}", e.field), e.message))?;
        if p.at < log.started_at - time::Duration::minutes(10)
            || p.at > db::now() + time::Duration::minutes(10)
        {
            return Err(AppError::validation(
                &format!("points[{i}].at"),
                "is outside the log's time",
            ));
        }
    }
    let mut seq = store::next_seq(tx, id).await?;
    for p in &upload.points {
        store::insert_point(tx, id, seq, p.lon, p.lat, db::utc(p.at)).await?;
        seq += 1;
    }
    // The track's newest point is where the patroller was last seen (the console's map, and
    // the nearest patroller for a leak report), unless they reported a newer position.
    if let Some(last) = upload.points.iter().max_by_key(|p| p.at) {
        crate::db::routing::set_position_in(tx, user.id, last.lon, last.lat, db::utc(last.at))
            .await?;
    }
    Ok(log)
}

pub async fn close(
    db: &Db,
    user: &CurrentUser,
    id: Uuid,
    close: CloseLog,
) -> AppResult<PatrolLogView> {
    let mut tx = db.begin().await?;
    close_in(&mut tx, user, id, &close, db::now()).await?;
    tx.commit().await?;
    let log = store::log(db, id)
        .await?
        .ok_or_else(|| AppError::Internal("patrol log vanished".into()))?;
    view(db, log).await
}

/// Closes the log at `at` (the phone's time when it comes from sync), inside `tx`.
pub async fn close_in(
    tx: &mut Tx,
    user: &CurrentUser,
    id: Uuid,
    close: &CloseLog,
    at: OffsetDateTime,
) -> AppResult<()> {
    let _ = own_open_log(tx, user, id).await?;
    let checked = validate::required_text("checked", &close.checked, 500)?;
    let remarks = validate::optional_text("remarks", close.remarks.as_deref(), 500)?;
    store::close_log(tx, id, db::utc(at), &checked, remarks.as_deref()).await?;
    audit::record(
        tx,
        user.actor(),
        "patrol_log.close",
        "patrol_log",
        Some(id.to_string()),
        json!({ "checked": checked }),
    )
    .await?;
    Ok(())
}

pub async fn get(db: &Db, user: &CurrentUser, id: Uuid) -> AppResult<PatrolLogView> {
    let log = store::log(db, id)
        .await?
        .filter(|l| l.patroller_id == user.id || user.role.can(Permission::ViewAllTeams))
        .ok_or_else(|| AppError::not_found(format!("no patrol log {id}")))?;
    view(db, log).await
}

/// Patrollers list their own logs; the office lists anyone's, optionally by patroller and day.
pub async fn list(
    db: &Db,
    user: &CurrentUser,
    patroller: Option<Uuid>,
    day: Option<&str>,
) -> AppResult<Vec<PatrolLogView>> {
    let patroller = if user.role.can(Permission::ViewAllTeams) {
        patroller
    } else {
        Some(user.id)
    };
    let mut out = Vec::new();
    for log in store::logs(db, patroller, day).await? {
        out.push(view(db, log).await?);
    }
    Ok(out)
}
