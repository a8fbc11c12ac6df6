//! Catalogs: repair items (维修内容, with workload points and on-site fee) and materials
//! (维修材料, with unit and price). Everyone signed in reads them (the field app keeps them
//! offline); team leaders and admins add to them and change them. An entry is never deleted,
//! since old records name it: it is retired (`active = false`) and no longer offered.

use crate::db::audit::{self, Actor};
use crate::db::catalog::{self as store, MaterialRow, RepairItemRow};
use crate::db::{self, Db};
use crate::error::{AppError, AppResult};
use gasdesk_shared::api::{
    MaterialUpdate, MaterialView, NewMaterial, NewRepairItem, RepairItemUpdate, RepairItemView,
};
use gasdesk_shared::validate;
use serde_json::json;
use uuid::Uuid;

fn code(value: &str) -> Result<String, validate::Invalid> {
    let code = validate::required_text("code", value, 32)?;
    if !code
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(validate::invalid(
            "code",
            "may contain only letters, digits, - and _",
        ));
    }
    Ok(code)
}

fn workload_points(value: f64) -> Result<f64, validate::Invalid> {
    if !value.is_finite() || !(0.0..=1000.0).contains(&value) {
        return Err(validate::invalid(
            "workload_points",
            "must be between 0 and 1000",
        ));
    }
    Ok(value)
}

fn item_view(r: RepairItemRow) -> RepairItemView {
    RepairItemView {
        id: r.id,
        code: r.code,
        name: r.name,
        category: r.category,
        workload_points: r.workload_points,
        onsite_fee_fen: r.onsite_fee_fen,
        active: r.active,
    }
}

fn material_view(r: MaterialRow) -> MaterialView {
    MaterialView {
        id: r.id,
        code: r.code,
        name: r.name,
        spec: r.spec,
        unit: r.unit,
        price_fen: r.price_fen,
        active: r.active,
    }
}

pub async fn repair_items(db: &Db) -> AppResult<Vec<RepairItemView>> {
    Ok(store::repair_items(db)
        .await?
        .into_iter()
        .map(item_view)
        .collect())
}

pub async fn materials(db: &Db) -> AppResult<Vec<MaterialView>> {
    Ok(store::materials(db)
        .await?
        .into_iter()
        .map(material_view)
        .collect())
}

pub async fn add_repair_item(
    db: &Db,
    actor: Actor,
    new: NewRepairItem,
) -> AppResult<RepairItemView> {
    let workload_points = workload_points(new.workload_points)?;
    let now = db::now();
    let row = RepairItemRow {
        id: Uuid::now_v7(),
        code: code(&new.code)?,
        name: validate::required_text("name", &new.name, 64)?,
        category: validate::required_text("category", &new.category, 32)?,
        workload_points,
        onsite_fee_fen: validate::amount_fen("onsite_fee_fen", new.onsite_fee_fen)?,
        active: true,
        created_at: now,
        updated_at: now,
    };
    let mut tx = db.begin().await?;
    store::insert_repair_item(&mut tx, &row)
        .await
        .map_err(|e| duplicate_code(e, &row.code))?;
    audit::record(
        &mut tx,
        actor,
        "repair_item.create",
        "repair_item",
        Some(row.id.to_string()),
        json!({ "code": row.code, "name": row.name, "workload_points": row.workload_points,
                "onsite_fee_fen": row.onsite_fee_fen }),
    )
    .await?;
    tx.commit().await?;
    Ok(item_view(row))
}

pub async fn add_material(db: &Db, actor: Actor, new: NewMaterial) -> AppResult<MaterialView> {
    let now = db::now();
    let row = MaterialRow {
        id: Uuid::now_v7(),
        code: code(&new.code)?,
        name: validate::required_text("name", &new.name, 64)?,
        spec: validate::optional_text("spec", new.spec.as_deref(), 64)?,
        unit: validate::required_text("unit", &new.unit, 8)?,
        price_fen: validate::amount_fen("price_fen", new.price_fen)?,
        active: true,
        created_at: now,
        updated_at: now,
    };
    let mut tx = db.begin().await?;
    store::insert_material(&mut tx, &row)
        .await
        .map_err(|e| duplicate_code(e, &row.code))?;
    audit::record(
        &mut tx,
        actor,
        "material.create",
        "material",
        Some(row.id.to_string()),
        json!({ "code": row.code, "name": row.name, "unit": row.unit, "price_fen": row.price_fen }),
    )
    .await?;
    tx.commit().await?;
    Ok(material_view(row))
}

/// Sets `slot` to `value` when they differ, noting both under `field` in `changed`.
fn set<T: PartialEq + serde::Serialize>(
    changed: &mut serde_json::Map<String, serde_json::Value>,
    field: &str,
    slot: &mut T,
    value: T,
) {
    if *slot != value {
        changed.insert(field.into(), json!({ "old": slot, "new": value }));
        *slot = value;
    }
}

/// Applies a change to the repair item `code`. Nothing is written (and the phones' reference
/// data keeps its version) when the change leaves the item as it was.
pub async fn update_repair_item(
    db: &Db,
    actor: Actor,
    code: &str,
    change: RepairItemUpdate,
) -> AppResult<RepairItemView> {
    let mut row = store::repair_item_by_code(db, code)
        .await?
        .ok_or_else(|| AppError::not_found(format!("no repair item with code `{code}`")))?;
    let mut changed = serde_json::Map::new();
    if let Some(name) = change.name {
        let name = validate::required_text("name", &name, 64)?;
        set(&mut changed, "name", &mut row.name, name);
    }
    if let Some(category) = change.category {
        let category = validate::required_text("category", &category, 32)?;
        set(&mut changed, "category", &mut row.category, category);
    }
    if let Some(points) = change.workload_points {
        let points = workload_points(points)?;
        set(
            &mut changed,
            "workload_points",
            &mut row.workload_points,
            points,
        );
    }
    if let Some(fee) = change.onsite_fee_fen {
        let fee = validate::amount_fen("onsite_fee_fen", fee)?;
        set(&mut changed, "onsite_fee_fen", &mut row.onsite_fee_fen, fee);
    }
    if let Some(active) = change.active {
        set(&mut changed, "active", &mut row.active, active);
    }
    if changed.is_empty() {
        return Ok(item_view(row));
    }
    row.updated_at = db::now();
    changed.insert("code".into(), json!(row.code));
    let mut tx = db.begin().await?;
    store::update_repair_item(&mut tx, &row).await?;
    audit::record(
        &mut tx,
        actor,
        "repair_item.update",
        "repair_item",
        Some(row.id.to_string()),
        changed.into(),
    )
    .await?;
    tx.commit().await?;
    Ok(item_view(row))
}

/// Applies a change to the material `code`, like [`update_repair_item`].
pub async fn update_material(
    db: &Db,
    actor: Actor,
    code: &str,
    change: MaterialUpdate,
) -> AppResult<MaterialView> {
    let mut row = store::material_by_code(db, code)
        .await?
        .ok_or_else(|| AppError::not_found(format!("no material with code `{code}`")))?;
    let mut changed = serde_json::Map::new();
    if let Some(name) = change.name {
        let name = validate::required_text("name", &name, 64)?;
        set(&mut changed, "name", &mut row.name, name);
    }
    if let Some(spec) = change.spec {
        let spec = validate::optional_text("spec", Some(&spec), 64)?;
        set(&mut changed, "spec", &mut row.spec, spec);
    }
    if let Some(unit) = change.unit {
        let unit = validate::required_text("unit", &unit, 8)?;
        set(&mut changed, "unit", &mut row.unit, unit);
    }
    if let Some(price) = change.price_fen {
        let price = validate::amount_fen("price_fen", price)?;
        set(&mut changed, "price_fen", &mut row.price_fen, price);
    }
    if let Some(active) = change.active {
        set(&mut changed, "active", &mut row.active, active);
    }
    if changed.is_empty() {
        return Ok(material_view(row));
    }
    row.updated_at = db::now();
    changed.insert("code".into(), json!(row.code));
    let mut tx = db.begin().await?;
    store::update_material(&mut tx, &row).await?;
    audit::record(
        &mut tx,
        actor,
        "material.update",
        "material",
        Some(row.id.to_string()),
        changed.into(),
    )
    .await?;
    tx.commit().await?;
    Ok(material_view(row))
}

fn duplicate_code(err: sqlx::Error, code: &str) -> AppError {
    if db::is_unique_violation(&err) {
        AppError::conflict("code", format!("the code `{code}` is taken"))
    } else {
        err.into()
    }
}
