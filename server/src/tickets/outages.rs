//! Outage notices (停气通知): a supply interruption for an area (a polygon, or named streets and
//! communities) and a time window, with its reason. Intake shows the ones covering the caller's
//! address; the affected customers can be exported for the call-out list.

use crate::auth::CurrentUser;
use crate::db::audit;
use crate::db::customers as customer_store;
use crate::db::records::{self as store, OutageRow};
use crate::db::{self, Db, cache::Recent};
use crate::error::{AppError, AppResult};
use crate::routing::{geojson, multipolygon_from_geojson};
use gasdesk_shared::intake::{NewOutageNotice, OutageNoticeView};
use gasdesk_shared::{Permission, validate};
use geo::{BoundingRect, Intersects, MultiPolygon, Point};
use serde_json::json;
use sqlx::types::Json;
use std::sync::Arc;
use time::OffsetDateTime;
use uuid::Uuid;

/// Where a caller is: what the notice may name or contain.
pub struct Place<'a> {
    pub address: &'a str,
    pub street: Option<&'a str>,
    pub community: Option<&'a str>,
    pub location: Option<(f64, f64)>,
}

fn view(o: OutageRow) -> OutageNoticeView {
    OutageNoticeView {
        id: o.id,
        reason: o.reason,
        starts_at: o.starts_at,
        ends_at: o.ends_at,
        geometry: o.geometry.map(|g| g.0),
        streets: o.streets.0,
        communities: o.communities.0,
    }
}

pub fn describe(notice: &OutageNoticeView) -> String {
    let local = |t: OffsetDateTime| {
        let t = t.to_offset(time::UtcOffset::from_hms(8, 0, 0).unwrap_or(time::UtcOffset::UTC));
        format!(
            "{}-{:02}-{:02} {:02}:{:02}",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute()
        )
    };
    format!(
        "停气通知：{}（{} 至 {}）",
        notice.reason,
        local(notice.starts_at),
        local(notice.ends_at)
    )
}

fn names(field: &str, list: &[String]) -> AppResult<Vec<String>> {
    let mut out = Vec::new();
    for (i, name) in list.iter().enumerate() {
        let name = validate::required_text(&format!("{field}[{i}]"), name, 32)?;
        if !out.contains(&name) {
            out.push(name);
        }
    }
    Ok(out)
}

pub async fn create(
    db: &Db,
    user: &CurrentUser,
    new: NewOutageNotice,
) -> AppResult<OutageNoticeView> {
    user.require(Permission::DispatchWork)?;
    let reason = validate::required_text("reason", &new.reason, 200)?;
    if new.ends_at <= new.starts_at {
        return Err(AppError::validation(
            "ends_at",
            "the outage window ends before it starts",
        ));
    }
    if new.ends_at <= db::now() {
        return Err(AppError::validation(
            "ends_at",
            "the outage window is already over",
        ));
    }
    let streets = names("streets", &new.streets)?;
    let communities = names("communities", &new.communities)?;
    let geometry = match &new.geometry {
        Some(g) => {
            let shape = geojson::read_polygon_geometry(g)
                .map_err(|reason| AppError::validation("geometry", reason))?;
            Some(crate::geometry::multipolygon_geojson(&shape))
        }
        None => None,
    };
    if geometry.is_none() && streets.is_empty() && communities.is_empty() {
        return Err(AppError::validation(
            "geometry",
            "say where: a polygon, streets or communities",
        ));
    }
    let row = OutageRow {
        id: Uuid::now_v7(),
        reason,
        starts_at: db::utc(new.starts_at),
        ends_at: db::utc(new.ends_at),
        geometry: geometry.map(Json),
        streets: Json(streets),
        communities: Json(communities),
        created_by: Some(user.id),
        created_at: db::now(),
        cancelled_at: None,
    };
    let mut tx = db.begin().await?;
    store::insert_outage(&mut tx, &row).await?;
    audit::record(
        &mut tx,
        user.actor(),
        "outage.create",
        "outage_notice",
        Some(row.id.to_string()),
        json!({ "reason": row.reason, "streets": row.streets.0, "communities": row.communities.0 }),
    )
    .await?;
    tx.commit().await?;
    NOTICES.changed(db);
    Ok(view(row))
}

/// Notices not yet over (current and planned), newest first.
pub async fn list(db: &Db) -> AppResult<Vec<OutageNoticeView>> {
    let now = db::now();
    Ok(store::outages(db)
        .await?
        .into_iter()
        .filter(|o| o.ends_at > now)
        .map(view)
        .collect())
}

fn shape(notice: &OutageNoticeView) -> Option<MultiPolygon<f64>> {
    notice.geometry.as_ref().and_then(multipolygon_from_geojson)
}

fn covers(notice: &OutageNoticeView, shape: Option<&MultiPolygon<f64>>, place: &Place<'_>) -> bool {
    let named = |names: &[String], value: Option<&str>| {
        names
            .iter()
            .any(|n| value == Some(n.as_str()) || place.address.contains(n.as_str()))
    };
    named(&notice.streets, place.street)
        || named(&notice.communities, place.community)
        || match (shape, place.location) {
            (Some(shape), Some((lon, lat))) => shape.intersects(&Point::new(lon, lat)),
            _ => false,
        }
}

/// Notices not yet over at `now`, each with its area: for checking many places at once.
pub async fn active(
    db: &Db,
    now: OffsetDateTime,
) -> AppResult<Vec<(OutageNoticeView, Option<MultiPolygon<f64>>)>> {
    Ok(store::outages(db)
        .await?
        .into_iter()
        .filter(|o| o.ends_at > now)
        .map(|o| {
            let notice = view(o);
            let area = shape(&notice);
            (notice, area)
        })
        .collect())
}

/// The notices among `active` that cover the place.
pub fn covering_of<'a>(
    active: &'a [(OutageNoticeView, Option<MultiPolygon<f64>>)],
    place: &Place<'_>,
) -> impl Iterator<Item = &'a OutageNoticeView> {
    active
        .iter()
        .filter(move |(n, area)| covers(n, area.as_ref(), place))
        .map(|(n, _)| n)
}

/// Every notice not cancelled, with its area, as read at most a second ago: each ticket's
/// intake checks them, and they are few and seldom written. A notice published through another
/// instance may show up to a second late at this one's intake, which an agent cannot tell from
/// it having been published a second later; this instance's own notices show at once.
static NOTICES: Recent<Vec<(OutageNoticeView, Option<MultiPolygon<f64>>)>> =
    Recent::new(std::time::Duration::from_secs(1));

async fn notices(db: &Db) -> AppResult<Arc<Vec<(OutageNoticeView, Option<MultiPolygon<f64>>)>>> {
    NOTICES
        .get(db, || async {
            Ok::<_, AppError>(
                store::outages(db)
                    .await?
                    .into_iter()
                    .map(|o| {
                        let notice = view(o);
                        let area = shape(&notice);
                        (notice, area)
                    })
                    .collect(),
            )
        })
        .await
}

/// Notices not yet over at `now` that cover the place.
pub async fn covering(
    db: &Db,
    place: &Place<'_>,
    now: OffsetDateTime,
) -> AppResult<Vec<OutageNoticeView>> {
    Ok(notices(db)
        .await?
        .iter()
        .filter(|(n, area)| n.ends_at > now && covers(n, area.as_ref(), place))
        .map(|(n, _)| n.clone())
        .collect())
}

/// The customers a notice affects, as CSV (card number, name, phones, address) for calling out.
pub async fn affected_customers_csv(db: &Db, user: &CurrentUser, id: Uuid) -> AppResult<String> {
    user.require(Permission::ViewCustomers)?;
    let notice = store::outage(db, id)
        .await?
        .map(view)
        .ok_or_else(|| AppError::not_found(format!("no outage notice {id}")))?;
    let shape = shape(&notice);
    let bbox = shape
        .as_ref()
        .and_then(|s| s.bounding_rect())
        .map(|r| (r.min().x, r.min().y, r.max().x, r.max().y));
    let candidates =
        customer_store::candidates_for_area(db, &notice.streets, &notice.communities, bbox).await?;
    let affected: Vec<_> = candidates
        .into_iter()
        .filter(|c| {
            covers(
                &notice,
                shape.as_ref(),
                &Place {
                    address: &c.address,
                    street: c.street.as_deref(),
                    community: c.community.as_deref(),
                    location: c.lon.zip(c.lat),
                },
            )
        })
        .collect();
    let ids: Vec<Uuid> = affected.iter().map(|c| c.id).collect();
    let mut phones: std::collections::HashMap<Uuid, Vec<String>> = std::collections::HashMap::new();
    for chunk in ids.chunks(500) {
        for (id, phone) in customer_store::phones_of(db, chunk).await? {
            phones.entry(id).or_default().push(phone);
        }
    }
    let mut out = csv::Writer::from_writer(Vec::new());
    let write_err = |e: csv::Error| AppError::Internal(format!("CSV export failed: {e}"));
    out.write_record(["交费卡号", "户名", "联系电话", "地址"])
        .map_err(write_err)?;
    for c in &affected {
        let phone_list = phones.get(&c.id).map(|p| p.join("/")).unwrap_or_default();
        out.write_record([
            c.card_no.as_str(),
            c.name.as_str(),
            phone_list.as_str(),
            c.address.as_str(),
        ])
        .map_err(write_err)?;
    }
    let bytes = out
        .into_inner()
        .map_err(|e| AppError::Internal(format!("CSV export failed: {e}")))?;
    String::from_utf8(bytes).map_err(|e| AppError::Internal(e.to_string()))
}
