//! The score rule table (维修分值规则表): points and on-site fee per repair item, versioned so
//! that a record keeps the numbers it was computed with. The first version is taken from the
//! catalog; team leaders publish new ones.

use crate::auth::CurrentUser;
use crate::db::audit;
use crate::db::records::{self as store, RuleSetRow};
use crate::db::{self, Db, catalog};
use crate::error::{AppError, AppResult};
use gasdesk_shared::Permission;
use gasdesk_shared::scoring::{ItemRule, ScoreRules};
use serde_json::json;
use sqlx::types::Json;

fn parse(row: RuleSetRow) -> AppResult<ScoreRules> {
    let items: Vec<ItemRule> = serde_json::from_value(row.rules.0).map_err(|e| {
        AppError::Internal(format!(
            "stored score rules v{} unreadable: {e}",
            row.version
        ))
    })?;
    Ok(ScoreRules {
        version: row.version,
        items,
    })
}

/// The rules in force; on first use, version 1 is taken from the catalog.
pub async fn current(db: &Db) -> AppResult<ScoreRules> {
    if let Some(row) = store::latest_rules(db).await? {
        return parse(row);
    }
    let items: Vec<ItemRule> = catalog::repair_items(db)
        .await?
        .into_iter()
        .filter(|i| i.active)
        .map(|i| ItemRule {
            item_code: i.code,
            points: i.workload_points,
            onsite_fee_fen: i.onsite_fee_fen,
        })
        .collect();
    let mut tx = db.begin().await?;
    let row = RuleSetRow {
        version: 1,
        rules: Json(json!(items)),
        created_at: db::now(),
        created_by: None,
    };
    match store::insert_rules(&mut tx, &row).await {
        Ok(()) => tx.commit().await?,
        // Another request made version 1 first: use theirs.
        Err(e) if db::is_unique_violation(&e) => {}
        Err(e) => return Err(e.into()),
    }
    let row = store::latest_rules(db)
        .await?
        .ok_or_else(|| AppError::Internal("score rules vanished".into()))?;
    parse(row)
}

pub async fn version(db: &Db, version: i64) -> AppResult<ScoreRules> {
    let row = store::rules_version(db, version)
        .await?
        .ok_or_else(|| AppError::not_found(format!("no score rules version {version}")))?;
    parse(row)
}

/// Publishes a new version of the whole table.
pub async fn publish(db: &Db, user: &CurrentUser, items: Vec<ItemRule>) -> AppResult<ScoreRules> {
    user.require(Permission::ManageCatalogs)?;
    let known: std::collections::HashSet<String> = catalog::repair_items(db)
        .await?
        .into_iter()
        .map(|i| i.code)
        .collect();
    let mut seen = std::collections::HashSet::new();
    for (i, item) in items.iter().enumerate() {
        if !known.contains(&item.item_code) {
            return Err(AppError::validation(
                &format!("items[{i}].item_code"),
                format!("unknown repair item `{}`", item.item_code),
            ));
        }
        if !seen.insert(item.item_code.clone()) {
            return Err(AppError::validation(
                &format!("items[{i}].item_code"),
                "listed twice",
            ));
        }
        if !item.points.is_finite() || !(0.0..=1000.0).contains(&item.points) {
            return Err(AppError::validation(
                &format!("items[{i}].points"),
                "must be between 0 and 1000",
            ));
        }
        if !(0..=100_000_000).contains(&item.onsite_fee_fen) {
            return Err(AppError::validation(
                &format!("items[{i}].onsite_fee_fen"),
                "must be between 0 and 1000000 yuan",
            ));
        }
    }
    let previous = current(db).await?;
    let row = RuleSetRow {
        version: previous.version + 1,
        rules: Json(json!(items)),
        created_at: db::now(),
        created_by: Some(user.id),
    };
    let mut tx = db.begin().await?;
    store::insert_rules(&mut tx, &row).await.map_err(|e| {
        if db::is_unique_violation(&e) {
            AppError::conflict(
                "version",
                "someone published new rules at the same time; reload and try again",
            )
        } else {
            e.into()
        }
    })?;
    audit::record(
        &mut tx,
        user.actor(),
        "score_rules.publish",
        "score_rules",
        Some(row.version.to_string()),
        json!({ "version": row.version, "items": items.len() }),
    )
    .await?;
    tx.commit().await?;
    parse(row)
}
