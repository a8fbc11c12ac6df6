//! Staff accounts: creating, changing and listing them, each change audited.

use crate::auth::{CurrentUser, password, session::parse_role};
use crate::db::audit::{self, Actor};
use crate::db::{
    self, Db, sessions,
    users::{self, UserRow},
};
use crate::error::{AppError, AppResult};
use gasdesk_shared::api::{NewUser, UserUpdate, UserView};
use gasdesk_shared::{Permission, validate};
use serde_json::json;
use std::collections::HashMap;
use uuid::Uuid;

pub async fn view(db: &Db, row: UserRow) -> AppResult<UserView> {
    let team_ids = users::team_ids(db, row.id).await?;
    to_view(row, team_ids)
}

fn to_view(row: UserRow, team_ids: Vec<Uuid>) -> AppResult<UserView> {
    Ok(UserView {
        role: parse_role(&row.role)?,
        id: row.id,
        username: row.username,
        display_name: row.display_name,
        phone: row.phone,
        active: row.active,
        team_ids,
    })
}

pub async fn list(db: &Db, user: &CurrentUser) -> AppResult<Vec<UserView>> {
    user.require(Permission::ViewUsers)?;
    let mut teams: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for (user_id, team_id) in users::all_memberships(db).await? {
        teams.entry(user_id).or_default().push(team_id);
    }
    users::list(db)
        .await?
        .into_iter()
        .map(|row| {
            let team_ids = teams.remove(&row.id).unwrap_or_default();
            to_view(row, team_ids)
        })
        .collect()
}

pub async fn get(db: &Db, user: &CurrentUser, id: Uuid) -> AppResult<UserView> {
    if id != user.id {
        user.require(Permission::ViewUsers)?;
    }
    let row = users::by_id(db, id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("no user with id {id}")))?;
    view(db, row).await
}

/// Creates a user; used by the API (admins), the CLI and the demo loader (`actor` = system).
pub async fn create(db: &Db, actor: Actor, new: NewUser) -> AppResult<UserView> {
    let username = new.username.trim().to_owned();
    validate::username(&username)?;
    validate::password(&new.password)?;
    let display_name = validate::required_text("display_name", &new.display_name, 64)?;
    let phone = new
        .phone
        .as_deref()
        .filter(|p| !p.trim().is_empty())
        .map(|p| validate::phone("phone", p))
        .transpose()?;
    let password_hash = password::hash(new.password).await?;
    let now = db::now();
    let row = UserRow {
        id: Uuid::now_v7(),
        username,
        display_name,
        password_hash,
        role: new.role.as_str().to_owned(),
        phone,
        active: true,
        created_at: now,
        updated_at: now,
    };
    insert(db, actor, &row).await?;
    to_view(row, Vec::new())
}

/// Stores a prepared user row with its audit entry.
pub async fn insert(db: &Db, actor: Actor, row: &UserRow) -> AppResult<()> {
    let mut tx = db.begin().await?;
    users::insert(&mut tx, row).await.map_err(|e| {
        if db::is_unique_violation(&e) {
            AppError::conflict(
                "username",
                format!("the username `{}` is taken", row.username),
            )
        } else {
            e.into()
        }
    })?;
    audit::record(
        &mut tx,
        actor,
        "user.create",
        "user",
        Some(row.id.to_string()),
        json!({ "username": row.username, "role": row.role, "display_name": row.display_name }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn update(
    db: &Db,
    user: &CurrentUser,
    id: Uuid,
    change: UserUpdate,
) -> AppResult<UserView> {
    user.require(Permission::ManageUsers)?;
    let mut row = users::by_id(db, id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("no user with id {id}")))?;
    let mut changed = serde_json::Map::new();
    if let Some(name) = change.display_name {
        row.display_name = validate::required_text("display_name", &name, 64)?;
        changed.insert("display_name".into(), json!(row.display_name));
    }
    if let Some(phone) = change.phone {
        row.phone = match phone.trim() {
            "" => None,
            p => Some(validate::phone("phone", p)?),
        };
        changed.insert("phone".into(), json!(row.phone));
    }
    if let Some(role) = change.role {
        if id == user.id && role != user.role {
            return Err(AppError::validation(
                "role",
                "you cannot change your own role",
            ));
        }
        row.role = role.as_str().to_owned();
        changed.insert("role".into(), json!(row.role));
    }
    if let Some(active) = change.active {
        if id == user.id && !active {
            return Err(AppError::validation(
                "active",
                "you cannot deactivate yourself",
            ));
        }
        row.active = active;
        changed.insert("active".into(), json!(active));
    }
    let new_password = change.password.is_some();
    if let Some(password) = change.password {
        validate::password(&password)?;
        row.password_hash = password::hash(password).await?;
        changed.insert("password".into(), json!("changed"));
    }
    row.updated_at = db::now();
    let mut tx = db.begin().await?;
    users::update(&mut tx, &row).await?;
    if new_password || !row.active {
        // Whoever held a session under the old password or before deactivation is out.
        sessions::revoke_all_of(&mut tx, id, row.updated_at).await?;
    }
    audit::record(
        &mut tx,
        user.actor(),
        "user.update",
        "user",
        Some(id.to_string()),
        changed.into(),
    )
    .await?;
    tx.commit().await?;
    view(db, row).await
}
