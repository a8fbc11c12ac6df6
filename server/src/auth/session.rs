//! Sessions: signing in and out, and the `CurrentUser` extractor every protected route takes.

use super::{LoginLimiter, new_token, password, token_hash};
use crate::db::audit::{self, Actor};
use crate::db::{self, Db, sessions, users};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::{header, request::Parts};
use gasdesk_shared::api::{LoginRequest, LoginResponse};
use gasdesk_shared::{Permission, Role};
use serde_json::json;
use std::net::IpAddr;
use std::time::{Duration, Instant};
use uuid::Uuid;

/// The signed-in user of a request, with their role and teams.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub team_ids: Vec<Uuid>,
    token_hash: String,
}

impl CurrentUser {
    /// `user.require(Permission::ManageUsers)?`
    pub fn require(&self, permission: Permission) -> AppResult<()> {
        if self.role.can(permission) {
            Ok(())
        } else {
            Err(AppError::Forbidden(format!(
                "the role {} ({}) may not do this",
                self.role.as_str(),
                self.role.label_zh()
            )))
        }
    }

    pub fn actor(&self) -> Actor {
        Actor(Some(self.id))
    }

    /// The hash of the session's token: what a live-stream ticket stands for.
    pub(crate) fn session_hash(&self) -> &str {
        &self.token_hash
    }
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> AppResult<CurrentUser> {
        let token = bearer_token(parts)?;
        authenticate(&state.db, token).await
    }
}

fn bearer_token(parts: &Parts) -> AppResult<&str> {
    let value = parts
        .headers
        .get(header::AUTHORIZATION)
        .ok_or(AppError::Unauthenticated(
            "sign in first: no `Authorization: Bearer` token",
        ))?;
    let value = value
        .to_str()
        .map_err(|_| AppError::Unauthenticated("the Authorization header is not valid text"))?;
    match value.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            Ok(token.trim())
        }
        _ => Err(AppError::Unauthenticated(
            "the Authorization header must be `Bearer <token>`",
        )),
    }
}

pub async fn authenticate(db: &Db, token: &str) -> AppResult<CurrentUser> {
    authenticate_session(db, token_hash(token)).await
}

/// The user of a session known by its token's hash, if it is still valid.
pub async fn authenticate_session(db: &Db, hash: String) -> AppResult<CurrentUser> {
    // Read on every request, never kept: a sign-out, a deactivation or a change of teams on
    // any instance counts from the next request.
    let (session, user, team_ids) =
        users::signed_in(db, &hash)
            .await?
            .ok_or(AppError::Unauthenticated(
                "the token is not valid; sign in again",
            ))?;
    if session.revoked_at.is_some() {
        return Err(AppError::Unauthenticated(
            "the session was signed out; sign in again",
        ));
    }
    if session.expires_at <= db::now() {
        return Err(AppError::Unauthenticated(
            "the session has expired; sign in again",
        ));
    }
    if !user.active {
        return Err(AppError::Unauthenticated("the account is deactivated"));
    }
    let role = parse_role(&user.role)?;
    Ok(CurrentUser {
        team_ids,
        id: user.id,
        username: user.username,
        display_name: user.display_name,
        role,
        token_hash: hash,
    })
}

pub fn parse_role(stored: &str) -> AppResult<Role> {
    stored
        .parse()
        .map_err(|e| AppError::Internal(format!("stored role is invalid: {e}")))
}

pub async fn login(
    db: &Db,
    limiter: &LoginLimiter,
    session_ttl: Duration,
    request: LoginRequest,
    address: IpAddr,
) -> AppResult<LoginResponse> {
    let username = request.username.trim().to_lowercase();
    let started = Instant::now();
    limiter
        .check(&username, address, started)
        .map_err(|wait| AppError::RateLimited {
            retry_after_secs: wait.as_secs().max(1),
        })?;
    let user = users::by_username(db, &username).await?;
    let hash = user
        .as_ref()
        .map(|u| u.password_hash.clone())
        .unwrap_or_else(|| password::decoy_hash().to_owned());
    let password_ok = password::verify(request.password, hash).await;
    let user = match user {
        Some(user) if password_ok => user,
        _ => {
            limiter.record_failure(&username, address, Instant::now());
            tracing::info!(%username, %address, "failed sign-in");
            return Err(AppError::InvalidCredentials);
        }
    };
    if !user.active {
        return Err(AppError::Forbidden("this account is deactivated".into()));
    }
    limiter.clear_account(&username);

    let token = new_token();
    let now = db::now();
    let expires_at = now + session_ttl;
    let mut tx = db.begin().await?;
    sessions::insert(
        &mut tx,
        &sessions::SessionRow {
            token_hash: token_hash(&token),
            user_id: user.id,
            created_at: now,
            expires_at,
            revoked_at: None,
        },
    )
    .await?;
    audit::record(
        &mut tx,
        Actor(Some(user.id)),
        "auth.login",
        "user",
        Some(user.id.to_string()),
        json!({ "address": address.to_string() }),
    )
    .await?;
    tx.commit().await?;
    let view = crate::users::view(db, user).await?;
    Ok(LoginResponse {
        token,
        expires_at,
        user: view,
    })
}

pub async fn logout(db: &Db, user: &CurrentUser) -> AppResult<()> {
    let mut tx = db.begin().await?;
    sessions::revoke(&mut tx, &user.token_hash, db::now()).await?;
    audit::record(
        &mut tx,
        user.actor(),
        "auth.logout",
        "user",
        Some(user.id.to_string()),
        json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
