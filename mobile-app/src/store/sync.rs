//! The sync loop: registers the phone, sends the outbox, uploads the photos and signatures of
//! queued changes, and pulls the worker's scope, one request at a time, as the shared engine
//! asks (its backoff decides when to retry). It sleeps until the network comes back, the app
//! becomes visible, a push arrives, the worker records something, or a minute passes.

use super::field::{is_field_role, persist};
use super::{AppState, UiError};
use crate::api::{self, ApiError};
use crate::platform;
use dioxus::prelude::*;
use gasdesk_shared::attachments::{NewAttachment, next_chunk};
use gasdesk_shared::sync::{DeviceRegistration, PullQuery, Replica, SyncFailure};
use time::Duration;
use uuid::Uuid;

/// Longest sleep between checks; also how stale the jobs may get without a push.
const IDLE_MS: u32 = 60_000;
/// Chunk size for uploads: a 1600 px photo goes in two or three requests on a weak link.
const CHUNK_BYTES: u64 = 256 * 1024;
const PULL_LIMIT: u32 = 200;

enum Next {
    Again,
    Wait(u32),
}

/// How a failed request counts for the engine's backoff and status line.
pub fn failure_of(err: &ApiError) -> SyncFailure {
    match err {
        ApiError::Network(_) => SyncFailure::Network,
        e if e.is_unauthenticated() => SyncFailure::SignedOut,
        ApiError::Server { status, .. } if *status >= 500 || *status == 429 => {
            SyncFailure::Server(*status)
        }
        ApiError::Server { message, .. } => SyncFailure::Refused(message.clone()),
        ApiError::Decode(message) => SyncFailure::Refused(message.clone()),
    }
}

/// Runs for the life of the page.
pub async fn run(mut state: AppState) {
    loop {
        state.field.online.set(platform::is_online());
        // The open patrol log's track goes out every few minutes, not only when it closes.
        if state.track_flush_due() {
            state.flush_track().await;
        }
        let wait = match step(state).await {
            Next::Again => continue,
            Next::Wait(ms) => ms,
        };
        let reason = platform::wait_for_wake(wait).await;
        state.field.online.set(platform::is_online());
        let now = platform::now();
        if let Some(replica) = state.field.replica.write().as_mut() {
            match reason.as_str() {
                // Back online, back in view, or rung: retry at once.
                "online" | "visible" | "push" => replica.wake(),
                "timer" if platform::is_visible() => {
                    let stale = replica
                        .last_sync_at
                        .is_none_or(|t| now - t >= Duration::milliseconds(IDLE_MS.into()));
                    if stale {
                        replica.pull_pending = true;
                    }
                }
                _ => {}
            }
        }
    }
}

fn signed_in(state: &AppState) -> Option<(String, Uuid, String)> {
    let session = state.session.peek();
    let s = session.as_ref()?;
    is_field_role(s.user.role).then(|| (s.token.clone(), s.user.id, s.user.display_name.clone()))
}

async fn step(mut state: AppState) -> Next {
    let Some((token, user, name)) = signed_in(&state) else {
        return Next::Wait(IDLE_MS);
    };
    let now = platform::now();
    let (due, next_attempt, device, has_outbox, pull_pending) = {
        let replica = state.field.replica.peek();
        let Some(r) = replica.as_ref().filter(|r| r.user_id == user) else {
            return Next::Wait(IDLE_MS);
        };
        (
            r.sync_due(now),
            r.backoff.next_attempt_at,
            r.device_id,
            !r.outbox.is_empty(),
            r.pull_pending,
        )
    };
    if !platform::is_online() {
        return Next::Wait(IDLE_MS);
    }
    let backoff_passed = next_attempt.is_none_or(|t| now >= t);
    let uploads = *state.field.uploads.peek() > 0;
    if !(due || uploads && backoff_passed) {
        let ms = next_attempt
            .map(|t| (t - now).whole_milliseconds().clamp(250, IDLE_MS.into()) as u32)
            .unwrap_or(IDLE_MS);
        return Next::Wait(ms);
    }
    state.field.syncing.set(true);
    let result = async {
        if *state.field.registered.peek() != Some(device) {
            let registration = DeviceRegistration {
                device_id: device,
                name: format!("{name}的手机"),
                platform: Some("web".into()),
            };
            api::register_device(&token, &registration).await?;
            state.field.registered.set(Some(device));
            spawn(super::push::subscribe(state, token.clone(), device));
        }
        if has_outbox {
            push_once(state, &token, user).await
        } else if uploads {
            upload_one(state, &token).await
        } else if pull_pending {
            pull_once(state, &token, user).await
        } else {
            Ok(())
        }
    }
    .await;
    state.field.syncing.set(false);
    match result {
        Ok(()) => Next::Again,
        Err(err) => {
            let failure = failure_of(&err);
            if matches!(err, ApiError::Server { status: 404, .. }) {
                // The server forgot the phone (a restored database): register again.
                state.field.registered.set(None);
            }
            let signed_out = failure == SyncFailure::SignedOut;
            apply(state, user, |r| r.on_failed(failure, platform::now())).await;
            if signed_out {
                state.session_ended();
                return Next::Wait(IDLE_MS);
            }
            Next::Wait(1000)
        }
    }
}

/// Applies an answer to the replica (if it still belongs to `user`) and stores it.
async fn apply(mut state: AppState, user: Uuid, f: impl FnOnce(&mut Replica)) {
    let save = {
        let mut guard = state.field.replica.write();
        let Some(replica) = guard.as_mut().filter(|r| r.user_id == user) else {
            return;
        };
        f(replica);
        let mut saved_reference = state.field.saved_reference;
        persist(replica, &mut saved_reference, vec![])
    };
    if save.await.is_err() {
        state.error.set(Some(UiError::NotSaved));
    }
}

async fn push_once(state: AppState, token: &str, user: Uuid) -> Result<(), ApiError> {
    let request = state
        .field
        .replica
        .peek()
        .as_ref()
        .and_then(|r| r.next_push(gasdesk_shared::sync::MAX_BATCH));
    let Some(request) = request else {
        return Ok(());
    };
    let answer = api::push(token, &request).await?;
    apply(state, user, |r| r.on_pushed(&answer, platform::now())).await;
    Ok(())
}

async fn pull_once(state: AppState, token: &str, user: Uuid) -> Result<(), ApiError> {
    let query = {
        let replica = state.field.replica.peek();
        let Some(r) = replica.as_ref() else {
            return Ok(());
        };
        PullQuery {
            device_id: r.device_id,
            cursor: r.cursor.clone(),
            limit: Some(PULL_LIMIT),
            reference_version: r.reference.as_ref().map(|x| x.version.clone()),
        }
    };
    let page = api::pull(token, &query).await?;
    apply(state, user, |r| r.on_pulled(page, platform::now())).await;
    Ok(())
}

/// Uploads one photo or signature of a queued change, resuming where the server stopped.
async fn upload_one(mut state: AppState, token: &str) -> Result<(), ApiError> {
    let storage = |e: platform::PlatformError| ApiError::Network(e.0);
    let blobs = platform::blob_list().await.map_err(storage)?;
    let Some(blob) = blobs.into_iter().find(|b| b.ready) else {
        state.field.uploads.set(0);
        return Ok(());
    };
    let Some(bytes) = platform::blob_bytes(&blob.sha256).await.map_err(storage)? else {
        return Ok(());
    };
    let new = NewAttachment {
        sha256: blob.sha256.clone(),
        size: blob.size,
        mime: blob.mime.clone(),
        kind: blob.kind,
        ticket_id: blob.ticket_id,
        check_id: blob.check_id,
    };
    let mut status = api::declare_attachment(token, &new).await?;
    while let Some(plan) = next_chunk(&status, CHUNK_BYTES) {
        let Some(chunk) = plan.slice(&bytes) else {
            return Err(ApiError::Decode(
                "stored bytes shorter than declared".into(),
            ));
        };
        status = match api::put_chunk(token, &blob.sha256, plan.offset, chunk.to_vec()).await {
            Ok(status) => status,
            // Not where the server is: ask where to resume.
            Err(ApiError::Server { status: 409, .. }) => {
                api::declare_attachment(token, &new).await?
            }
            Err(err) => return Err(err),
        };
    }
    if !status.complete {
        return Err(ApiError::Decode(
            "the server did not confirm the upload".into(),
        ));
    }
    platform::blob_delete(&blob.sha256).await.map_err(storage)?;
    state.refresh_uploads().await;
    Ok(())
}
