//! Business parameters (业务参数): what each one means, its default and its allowed range
//! (whole numbers), or the check its text must pass (text, such as the map's tile address).
//! Stored values live in `business_params`; defaults are written at start-up when missing, so a
//! new parameter added here appears in existing databases without a migration.

use crate::auth::CurrentUser;
use crate::db::audit::{self, Actor};
use crate::db::{Db, cache::Recent, params as store};
use crate::error::{AppError, AppResult};
use gasdesk_shared::Permission;
use gasdesk_shared::api::BusinessParam;
use gasdesk_shared::basemap::TileTemplate;
use gasdesk_shared::datum::Datum;
use serde_json::{Value, json};
use std::collections::HashMap;

/// A whole-number parameter with its default and allowed range.
pub struct ParamSpec {
    pub key: &'static str,
    pub description: &'static str,
    pub default: i64,
    pub min: i64,
    pub max: i64,
}

pub const PARAMS: &[ParamSpec] = &[
    ParamSpec {
        key: "followup_sample_percent",
        description: "每日回访抽样比例（%）: share of completed tickets sampled for a follow-up call",
        default: 30,
        min: 0,
        max: 100,
    },
    ParamSpec {
        key: "followup_lock_minutes",
        description: "回访锁定时长（分钟）: a batch an agent took is released to others after this long",
        default: 30,
        min: 1,
        max: 480,
    },
    ParamSpec {
        key: "arrears_warning_fen",
        description: "欠费提醒阈值（分）: arrears above this warn the agent at intake",
        default: 10_000,
        min: 0,
        max: 100_000_000,
    },
    ParamSpec {
        key: "default_deadline_hours",
        description: "默认时限（小时）: deadline of a repair ticket when its category sets none",
        default: 24,
        min: 1,
        max: 720,
    },
    ParamSpec {
        key: "ack_escalation_minutes",
        description: "未签收升级（分钟）: a pushed job not acknowledged this long is pushed again",
        default: 10,
        min: 1,
        max: 1440,
    },
    ParamSpec {
        key: "accept_escalation_minutes",
        description: "未接单升级（分钟）: a job not accepted this long alerts the team leader",
        default: 30,
        min: 1,
        max: 1440,
    },
    ParamSpec {
        key: "ack_escalation_minutes_urgent",
        description: "紧急单未签收升级（分钟）: the same for urgent jobs (leaks, alarms)",
        default: 3,
        min: 1,
        max: 1440,
    },
    ParamSpec {
        key: "accept_escalation_minutes_urgent",
        description: "紧急单未接单升级（分钟）: the same for urgent jobs",
        default: 10,
        min: 1,
        max: 1440,
    },
    ParamSpec {
        key: "deadline_warning_minutes",
        description: "时限预警（分钟）: an open ticket this close to its deadline alerts the dispatcher",
        default: 60,
        min: 1,
        max: 1440,
    },
];

/// A text parameter: stored as a JSON string. With an empty default, empty means "not set";
/// otherwise the check is applied to every value, the empty one included.
pub struct TextParamSpec {
    pub key: &'static str,
    pub description: &'static str,
    pub default: &'static str,
    /// Checks a non-empty value; the message names what is wrong.
    pub check: fn(&str) -> Result<(), &'static str>,
}

pub const TEXT_PARAMS: &[TextParamSpec] = &[
    TextParamSpec {
        key: "map_tile_url",
        description: "地图底图瓦片地址: an XYZ tile URL drawn under the console map, e.g. \
                      https://tile.openstreetmap.org/{z}/{x}/{y}.png (Web Mercator tiles); mirror \
                      hosts as {s} (a, b, c) or a range such as webrd0{1-4}; empty for none",
        default: "",
        check: tile_url,
    },
    TextParamSpec {
        key: "map_tile_datum",
        description: "底图坐标系: the datum the tile service draws in: wgs84 (OpenStreetMap and most \
                      others) or gcj02 (高德、腾讯 and other Chinese services), which the map then \
                      shifts what it draws over the tiles to",
        default: "wgs84",
        check: tile_datum,
    },
];

/// `wgs84` or `gcj02`, as [`Datum`] names them.
pub fn tile_datum(value: &str) -> Result<(), &'static str> {
    Datum::parse(value)
        .map(|_| ())
        .ok_or("must be wgs84 or gcj02")
}

/// An `http(s)://` address of an XYZ tile service, as [`TileTemplate`] reads it.
pub fn tile_url(value: &str) -> Result<(), &'static str> {
    TileTemplate::parse(value).map(|_| ())
}

fn spec(key: &str) -> Option<&'static ParamSpec> {
    PARAMS.iter().find(|p| p.key == key)
}

fn text_spec(key: &str) -> Option<&'static TextParamSpec> {
    TEXT_PARAMS.iter().find(|p| p.key == key)
}

/// Writes the default of every parameter that has no stored value.
pub async fn ensure_defaults(db: &Db) -> AppResult<()> {
    let mut tx = db.begin().await?;
    for param in PARAMS {
        store::insert_default(&mut tx, param.key, &json!(param.default)).await?;
    }
    for param in TEXT_PARAMS {
        store::insert_default(&mut tx, param.key, &json!(param.default)).await?;
    }
    tx.commit().await?;
    STORED.changed(db);
    Ok(())
}

pub async fn list(db: &Db) -> AppResult<Vec<BusinessParam>> {
    let stored: std::collections::HashMap<String, Value> = store::all(db)
        .await?
        .into_iter()
        .map(|(k, v)| (k, v.0))
        .collect();
    let integers = PARAMS.iter().map(|p| BusinessParam {
        key: p.key.to_owned(),
        value: stored.get(p.key).cloned().unwrap_or(json!(p.default)),
        description: p.description.to_owned(),
    });
    let texts = TEXT_PARAMS.iter().map(|p| BusinessParam {
        key: p.key.to_owned(),
        value: stored.get(p.key).cloned().unwrap_or(json!(p.default)),
        description: p.description.to_owned(),
    });
    Ok(integers.chain(texts).collect())
}

/// The stored values as read at most a second ago: intake reads the arrears threshold for
/// every ticket of a known customer. A value set through another instance takes effect here up
/// to a second later, as if it had been set a second later; one set here, at once.
static STORED: Recent<HashMap<String, Value>> = Recent::new(std::time::Duration::from_secs(1));

/// The current integer value of a parameter, for code that acts on it.
pub async fn integer(db: &Db, key: &str) -> AppResult<i64> {
    let spec = spec(key).ok_or_else(|| AppError::Internal(format!("unknown parameter {key}")))?;
    let stored = STORED
        .get(db, || async {
            Ok::<_, AppError>(
                store::all(db)
                    .await?
                    .into_iter()
                    .map(|(k, v)| (k, v.0))
                    .collect(),
            )
        })
        .await?;
    Ok(stored
        .get(key)
        .and_then(Value::as_i64)
        .unwrap_or(spec.default))
}

/// The value a parameter may be set to, checked against its spec.
fn checked(key: &str, value: &Value) -> AppResult<(Value, &'static str)> {
    if let Some(spec) = spec(key) {
        let number = value
            .as_i64()
            .ok_or_else(|| AppError::validation("value", "must be a whole number"))?;
        if !(spec.min..=spec.max).contains(&number) {
            return Err(AppError::validation(
                "value",
                format!("must be between {} and {}", spec.min, spec.max),
            ));
        }
        return Ok((json!(number), spec.description));
    }
    let spec = text_spec(key)
        .ok_or_else(|| AppError::not_found(format!("no business parameter `{key}`")))?;
    let text = value
        .as_str()
        .ok_or_else(|| AppError::validation("value", "must be text"))?
        .trim();
    if !text.is_empty() || !spec.default.is_empty() {
        (spec.check)(text).map_err(|message| AppError::validation("value", message))?;
    }
    Ok((json!(text), spec.description))
}

pub async fn set(db: &Db, user: &CurrentUser, key: &str, value: Value) -> AppResult<BusinessParam> {
    user.require(Permission::ManageParams)?;
    let (value, description) = checked(key, &value)?;
    let old = store::get(db, key).await?.map(|v| v.0);
    let mut tx = db.begin().await?;
    store::set(&mut tx, key, &value, Some(user.id)).await?;
    audit::record(
        &mut tx,
        Actor(Some(user.id)),
        "param.set",
        "business_param",
        Some(key.to_owned()),
        json!({ "old": old, "new": value }),
    )
    .await?;
    tx.commit().await?;
    STORED.changed(db);
    Ok(BusinessParam {
        key: key.to_owned(),
        value,
        description: description.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::tile_datum;

    #[test]
    fn a_tile_datum_is_one_of_the_two_known() {
        assert_eq!(tile_datum("wgs84"), Ok(()));
        assert_eq!(tile_datum("gcj02"), Ok(()));
        for bad in ["", "GCJ02", "bd09", "wgs-84"] {
            assert!(tile_datum(bad).is_err(), "{bad}");
        }
    }
}
