//! The resumable upload: each chunk placed against the bytes the server has confirmed, appended
//! in one transaction with the count, and the whole content checked against its SHA-256 when
//! the last byte arrives.

use super::{SUBJECT, declared, status, stored_count};
use crate::auth::CurrentUser;
use crate::db::attachments as store;
use crate::db::audit;
use crate::db::{self, Db, Tx};
use crate::error::{AppError, AppResult};
use gasdesk_shared::Permission;
use gasdesk_shared::attachments::{self as rules, AttachmentStatus, ChunkFit, MAX_CHUNK_BYTES};
use serde_json::json;
use sha2::{Digest, Sha256};

/// Chunks read at a time while hashing a finished upload: bounds the memory it takes.
const HASH_BATCH: i64 = 8;
/// How often a chunk is placed again after another request moved the count under it.
const PLACE_ATTEMPTS: usize = 3;

fn out_of_step(message: String, expected: u64) -> AppError {
    AppError::ConflictWithDetails {
        message,
        field: Some("offset".into()),
        details: json!({ "expected_offset": expected }),
    }
}

/// Stores one chunk sent at `offset`: appended when it starts where the confirmed bytes end,
/// acknowledged when it repeats confirmed bytes exactly, refused otherwise with the offset to
/// resume from. The last byte triggers the hash check.
pub async fn put_chunk(
    db: &Db,
    user: &CurrentUser,
    sha256: &str,
    offset: u64,
    bytes: &[u8],
) -> AppResult<AttachmentStatus> {
    user.require(Permission::UploadAttachments)?;
    let length = bytes.len() as u64;
    for _ in 0..PLACE_ATTEMPTS {
        let current = status(&declared(db, sha256).await?)?;
        match rules::fit_chunk(&current, offset, length) {
            ChunkFit::Empty => {
                return Err(AppError::validation(
                    "body",
                    "a chunk must carry at least one byte",
                ));
            }
            ChunkFit::TooLarge => return Err(chunk_too_large(Some(length))),
            ChunkFit::BeyondSize { end } => {
                return Err(AppError::validation(
                    "offset",
                    format!(
                        "{length} bytes at offset {offset} end at byte {end}, past the declared \
                         size of {} bytes",
                        current.size
                    ),
                ));
            }
            ChunkFit::OutOfStep { expected } => {
                return Err(out_of_step(
                    format!(
                        "the server has confirmed {expected} bytes; send the chunk at offset \
                         {expected}, not {offset}"
                    ),
                    expected,
                ));
            }
            ChunkFit::Repeat => {
                return if matches_stored(db, sha256, offset, bytes).await? {
                    Ok(current)
                } else {
                    Err(out_of_step(
                        format!(
                            "bytes {offset} to {} were already received with different content",
                            offset + length
                        ),
                        current.received,
                    ))
                };
            }
            ChunkFit::Next => {
                if let Some(done) = append(db, user, &current, bytes).await? {
                    return Ok(done);
                }
                // Another request (often this client's own retry) moved the count first:
                // place the chunk again against what it left.
            }
        }
    }
    Err(AppError::Conflict {
        message: "the attachment is being uploaded by another request; ask for its status".into(),
        field: Some("offset".into()),
    })
}

/// The 413 answer for a chunk over the limit, with its size when known.
pub fn chunk_too_large(length: Option<u64>) -> AppError {
    let sent = length
        .map(|l| format!("; this one has {l}"))
        .unwrap_or_default();
    AppError::PayloadTooLarge(format!(
        "a chunk may carry at most {MAX_CHUNK_BYTES} bytes (1 MiB){sent}; send smaller chunks"
    ))
}

/// Whether `bytes` equal what is stored from `offset` on.
async fn matches_stored(db: &Db, sha256: &str, offset: u64, bytes: &[u8]) -> AppResult<bool> {
    let end = offset + bytes.len() as u64;
    let chunks = store::chunks_overlapping(db, sha256, offset as i64, end as i64).await?;
    let mut at = offset;
    for (start, stored) in chunks {
        let start = stored_count(start)?;
        if start > at {
            return Ok(false);
        }
        let from = (at - start) as usize;
        let take = (stored.len().saturating_sub(from) as u64).min(end - at) as usize;
        let mine = (at - offset) as usize;
        match (stored.get(from..from + take), bytes.get(mine..mine + take)) {
            (Some(theirs), Some(ours)) if theirs == ours => at += take as u64,
            _ => return Ok(false),
        }
    }
    Ok(at == end)
}

/// Appends a chunk that starts at the confirmed count, in one transaction with the count; on
/// the last byte, completes the attachment or, if the content does not match its hash, drops
/// it. `None` when the count moved under it.
async fn append(
    db: &Db,
    user: &CurrentUser,
    current: &AttachmentStatus,
    bytes: &[u8],
) -> AppResult<Option<AttachmentStatus>> {
    let sha = current.sha256.as_str();
    let offset = current.received;
    if offset == 0 && !rules::content_matches(&current.mime, bytes) {
        return Err(AppError::validation(
            "body",
            format!(
                "the content does not start like a {} file; declare the type it really has",
                current.mime
            ),
        ));
    }
    let end = offset + bytes.len() as u64;
    let mut tx = db.begin().await?;
    if !store::advance(&mut tx, sha, offset as i64, end as i64).await? {
        return Ok(None);
    }
    store::insert_chunk(&mut tx, sha, offset as i64, bytes).await?;
    let mut next = AttachmentStatus {
        received: end,
        ..current.clone()
    };
    if end < current.size {
        tx.commit().await?;
        return Ok(Some(next));
    }
    let actual = content_sha256(&mut tx, sha).await?;
    if actual == sha {
        store::mark_complete(&mut tx, sha, db::now()).await?;
        audit::record(
            &mut tx,
            user.actor(),
            "attachment.complete",
            SUBJECT,
            Some(sha.to_owned()),
            json!({ "size": current.size }),
        )
        .await?;
        tx.commit().await?;
        next.complete = true;
        return Ok(Some(next));
    }
    store::reset(&mut tx, sha).await?;
    audit::record(
        &mut tx,
        user.actor(),
        "attachment.reset",
        SUBJECT,
        Some(sha.to_owned()),
        json!({ "size": current.size, "content_sha256": actual }),
    )
    .await?;
    tx.commit().await?;
    Err(AppError::Rejected {
        message: format!(
            "the {} bytes received do not match the SHA-256 {sha}; they were discarded, upload \
             the content again from offset 0",
            current.size
        ),
        field: Some("sha256".into()),
        details: json!({ "expected_offset": 0, "content_sha256": actual }),
    })
}

/// The SHA-256 (hex) of every stored chunk in order, read a few chunks at a time.
async fn content_sha256(tx: &mut Tx, sha256: &str) -> AppResult<String> {
    let mut hasher = Sha256::new();
    let mut at: i64 = 0;
    loop {
        let batch = store::chunks_from(tx, sha256, at, HASH_BATCH).await?;
        if batch.is_empty() {
            break;
        }
        for (offset, bytes) in batch {
            if offset != at {
                return Err(AppError::Internal(format!(
                    "attachment {sha256} has a gap at byte {at}"
                )));
            }
            hasher.update(&bytes);
            at += bytes.len() as i64;
        }
    }
    Ok(hex(&hasher.finalize()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
