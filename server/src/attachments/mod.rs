//! Photos and signatures (附件) from the field app: declared by their SHA-256, uploaded in
//! chunks that resume where the server stopped confirming, checked against their hash when the
//! last byte arrives, and shown to those who may see the ticket or patrol check they belong to.
//! Sync links attachments to tickets through [`link_to_ticket`]; a ticket's completion is final
//! only when [`pending_for_ticket`] is zero.

use crate::auth::CurrentUser;
use crate::db::attachments::{self as store, AttachmentRow, LinkRow, Owner};
use crate::db::audit::{self, Actor};
use crate::db::{self, Db, Tx};
use crate::error::{AppError, AppResult};
use crate::routing::checks;
use crate::tickets;
use gasdesk_shared::Permission;
use gasdesk_shared::attachments::{
    self as rules, AttachmentKind, AttachmentStatus, LinkedAttachment, NewAttachment,
    TicketAttachments,
};
use serde_json::json;
use uuid::Uuid;

mod upload;

pub use upload::{chunk_too_large, put_chunk};

pub const SUBJECT: &str = "attachment";

fn stored_count(value: i64) -> AppResult<u64> {
    u64::try_from(value).map_err(|_| AppError::Internal(format!("stored byte count {value}")))
}

fn parse_kind(stored: &str) -> AppResult<AttachmentKind> {
    AttachmentKind::parse(stored)
        .ok_or_else(|| AppError::Internal(format!("stored attachment kind `{stored}` is invalid")))
}

fn status(row: &AttachmentRow) -> AppResult<AttachmentStatus> {
    Ok(AttachmentStatus {
        sha256: row.sha256.clone(),
        size: stored_count(row.size)?,
        mime: row.mime.clone(),
        kind: parse_kind(&row.kind)?,
        received: stored_count(row.received)?,
        complete: row.complete,
    })
}

async fn declared(db: &Db, sha256: &str) -> AppResult<AttachmentRow> {
    rules::sha256_hex("sha256", sha256)?;
    store::by_sha(db, sha256)
        .await?
        .ok_or_else(|| AppError::not_found(format!("no attachment {sha256}; declare it first")))
}

async fn visible_ticket(db: &Db, user: &CurrentUser, field: &str, id: Uuid) -> AppResult<()> {
    match db::tickets::by_id(db, id).await? {
        Some(t) if tickets::may_see(user, &t) => Ok(()),
        _ => Err(AppError::validation(
            field,
            format!("no ticket {id} among those you may see"),
        )),
    }
}

async fn visible_check(db: &Db, user: &CurrentUser, field: &str, id: Uuid) -> AppResult<()> {
    match db::routing::check(db, id).await? {
        Some(c) if checks::may_see(user, &c) => Ok(()),
        _ => Err(AppError::validation(
            field,
            format!("no patrol check {id} among those you may see"),
        )),
    }
}

/// The uploader, and whoever may see a ticket or check the attachment is linked to.
async fn may_see(db: &Db, user: &CurrentUser, row: &AttachmentRow) -> AppResult<bool> {
    if row.created_by == user.id {
        return Ok(true);
    }
    for id in store::owners_of(db, Owner::Ticket, &row.sha256).await? {
        if db::tickets::by_id(db, id)
            .await?
            .is_some_and(|t| tickets::may_see(user, &t))
        {
            return Ok(true);
        }
    }
    for id in store::owners_of(db, Owner::Check, &row.sha256).await? {
        if db::routing::check(db, id)
            .await?
            .is_some_and(|c| checks::may_see(user, &c))
        {
            return Ok(true);
        }
    }
    Ok(false)
}

/// A repeat must describe the same content: one hash cannot have two sizes or types.
fn same_declaration(row: &AttachmentRow, new: &NewAttachment) -> AppResult<()> {
    let sha = &row.sha256;
    if u64::try_from(row.size).ok() != Some(new.size) {
        return Err(AppError::conflict(
            "size",
            format!(
                "{sha} was declared with {} bytes, not {}",
                row.size, new.size
            ),
        ));
    }
    if row.mime != new.mime {
        return Err(AppError::conflict(
            "mime",
            format!("{sha} was declared as {}, not {}", row.mime, new.mime),
        ));
    }
    if row.kind != new.kind.as_str() {
        return Err(AppError::conflict(
            "kind",
            format!(
                "{sha} was declared as a {}, not a {}",
                row.kind,
                new.kind.as_str()
            ),
        ));
    }
    Ok(())
}

/// Declares an attachment (or finds the same declaration again) and links it to the ticket or
/// check named. True when the declaration is new.
pub async fn declare(
    db: &Db,
    user: &CurrentUser,
    new: NewAttachment,
) -> AppResult<(bool, AttachmentStatus)> {
    user.require(Permission::UploadAttachments)?;
    let new = rules::new_attachment(&new)?;
    if let Some(id) = new.ticket_id {
        visible_ticket(db, user, "ticket_id", id).await?;
    }
    if let Some(id) = new.check_id {
        visible_check(db, user, "check_id", id).await?;
    }
    let now = db::now();
    let row = AttachmentRow {
        sha256: new.sha256.clone(),
        size: i64::try_from(new.size).map_err(|_| AppError::validation("size", "is too large"))?,
        mime: new.mime.clone(),
        kind: new.kind.as_str().to_owned(),
        received: 0,
        complete: false,
        created_by: user.id,
        created_at: now,
        completed_at: None,
    };
    let mut tx = db.begin().await?;
    let created = store::insert_if_absent(&mut tx, &row).await?;
    let current = if created {
        audit::record(
            &mut tx,
            user.actor(),
            "attachment.declare",
            SUBJECT,
            Some(row.sha256.clone()),
            json!({ "size": new.size, "mime": new.mime, "kind": new.kind }),
        )
        .await?;
        row
    } else {
        let current = store::by_sha_in(&mut tx, &new.sha256)
            .await?
            .ok_or_else(|| AppError::Internal("declared attachment vanished".into()))?;
        same_declaration(&current, &new)?;
        current
    };
    if let Some(id) = new.ticket_id {
        link(&mut tx, Owner::Ticket, id, &new.sha256, new.kind, user.id).await?;
    }
    if let Some(id) = new.check_id {
        link(&mut tx, Owner::Check, id, &new.sha256, new.kind, user.id).await?;
    }
    tx.commit().await?;
    Ok((created, status(&current)?))
}

/// How many bytes the server has confirmed, for the app to resume from.
pub async fn status_of(db: &Db, user: &CurrentUser, sha256: &str) -> AppResult<AttachmentStatus> {
    let row = declared(db, sha256).await?;
    if !user.role.can(Permission::UploadAttachments) && !may_see(db, user, &row).await? {
        return Err(AppError::not_found(format!("no attachment {sha256}")));
    }
    status(&row)
}

/// The whole content with its type, for the uploader and those who may see its ticket or check.
pub async fn content(db: &Db, user: &CurrentUser, sha256: &str) -> AppResult<(String, Vec<u8>)> {
    let row = declared(db, sha256).await?;
    if !may_see(db, user, &row).await? {
        return Err(AppError::not_found(format!("no attachment {sha256}")));
    }
    if !row.complete {
        return Err(AppError::conflict(
            "status",
            format!(
                "only {} of {} bytes have arrived; the attachment can be fetched once complete",
                row.received, row.size
            ),
        ));
    }
    let mut content = Vec::with_capacity(usize::try_from(row.size).unwrap_or_default());
    for (_, bytes) in store::content(db, sha256).await? {
        content.extend_from_slice(&bytes);
    }
    if content.len() as i64 != row.size {
        return Err(AppError::Internal(format!(
            "attachment {sha256} is complete but holds {} of {} bytes",
            content.len(),
            row.size
        )));
    }
    Ok((row.mime, content))
}

fn linked(row: LinkRow) -> AppResult<LinkedAttachment> {
    let status = match (
        row.size,
        row.mime,
        row.declared_kind,
        row.received,
        row.complete,
    ) {
        (Some(size), Some(mime), Some(kind), Some(received), Some(complete)) => {
            Some(AttachmentStatus {
                sha256: row.sha256.clone(),
                size: stored_count(size)?,
                mime,
                kind: parse_kind(&kind)?,
                received: stored_count(received)?,
                complete,
            })
        }
        _ => None,
    };
    Ok(LinkedAttachment {
        kind: parse_kind(&row.kind)?,
        sha256: row.sha256,
        added_by: row.added_by,
        added_at: row.added_at,
        status,
    })
}

/// A ticket's attachments, with how many are still pending.
pub async fn for_ticket(db: &Db, user: &CurrentUser, id: Uuid) -> AppResult<TicketAttachments> {
    db::tickets::by_id(db, id)
        .await?
        .filter(|t| tickets::may_see(user, t))
        .ok_or_else(|| AppError::not_found(format!("no ticket {id}")))?;
    let items = store::ticket_links(db, id)
        .await?
        .into_iter()
        .map(linked)
        .collect::<AppResult<Vec<_>>>()?;
    Ok(TicketAttachments {
        ticket_id: id,
        pending: stored_count(pending_for_ticket(db, id).await?)?,
        items,
    })
}

async fn link(
    tx: &mut Tx,
    owner: Owner,
    owner_id: Uuid,
    sha256: &str,
    kind: AttachmentKind,
    user_id: Uuid,
) -> AppResult<()> {
    rules::sha256_hex("sha256", sha256)?;
    let (exists, entity) = match owner {
        Owner::Ticket => (store::ticket_exists(tx, owner_id).await?, tickets::SUBJECT),
        Owner::Check => (store::check_exists(tx, owner_id).await?, "patrol_check"),
    };
    if !exists {
        return Err(AppError::not_found(format!("no {entity} {owner_id}")));
    }
    let at = db::now();
    if store::link(tx, owner, owner_id, sha256, kind.as_str(), user_id, at).await? {
        audit::record(
            tx,
            Actor(Some(user_id)),
            "attachment.link",
            entity,
            Some(owner_id.to_string()),
            json!({ "sha256": sha256, "kind": kind }),
        )
        .await?;
    }
    Ok(())
}

/// Links an attachment to a ticket inside the caller's transaction (sync applies a field
/// worker's completion this way). The attachment need not be declared yet: until its bytes have
/// all arrived it counts as pending. Linking again is a no-op.
pub async fn link_to_ticket(
    tx: &mut Tx,
    ticket_id: Uuid,
    sha256: &str,
    kind: AttachmentKind,
    user_id: Uuid,
) -> AppResult<()> {
    link(tx, Owner::Ticket, ticket_id, sha256, kind, user_id).await
}

/// As [`link_to_ticket`], for a patrol check.
pub async fn link_to_check(
    tx: &mut Tx,
    check_id: Uuid,
    sha256: &str,
    kind: AttachmentKind,
    user_id: Uuid,
) -> AppResult<()> {
    link(tx, Owner::Check, check_id, sha256, kind, user_id).await
}

/// Attachments linked to the ticket whose bytes have not all arrived, undeclared ones included.
pub async fn pending_for_ticket(db: &Db, ticket_id: Uuid) -> AppResult<i64> {
    Ok(store::pending_for_ticket(db, ticket_id).await?)
}
