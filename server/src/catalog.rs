//! Catalogs: repair items (维修内容, with workload points and on-site fee) and materials
//! (维修材料, with unit and price). Everyone signed in reads them (the field app keeps them
//! offline); team leaders and admins add to them.

use crate::db::audit::{self, Actor};
use crate::db::catalog::{self as store, MaterialRow, RepairItemRow};
use crate::db::{self, Db};
use crate::error::{AppError, AppResult};
use gasdesk_shared::api::{MaterialView, NewMaterial, NewRepairItem, RepairItemView};
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
    if !new.workload_points.is_finite() || !(0.0..=1000.0).contains(&new.workload_points) {
        return Err(AppError::validation(
            "workload_points",
            "must be between 0 and 1000",
        ));
    }
    let now = db::now();
    let row = RepairItemRow {
        id: Uuid::now_v7(),
        code: code(&new.code)?,
        name: validate::required_text("name", &new.name, 64)?,
        category: validate::required_text("category", &new.category, 32)?,
        workload_points: new.workload_points,
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

fn duplicate_code(err: sqlx::Error, code: &str) -> AppError {
    if db::is_unique_violation(&err) {
        AppError::conflict("code", format!("the code `{code}` is taken"))
    } else {
        err.into()
    }
}
