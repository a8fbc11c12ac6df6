//! The knowledge base (知识库) agents search while the customer waits: entries with a level-1
//! title, an optional level-2 title, keywords and content. Team leaders and admins edit it;
//! everyone signed in reads it. Searching: a LIKE filter in SQL over the query's terms and
//! their bigrams picks the candidates, [`super::search`] ranks them.

use super::search::{self, Doc};
use super::{page, text};
use crate::auth::CurrentUser;
use crate::db::audit;
use crate::db::callcenter::{self as store, KnowledgeRow};
use crate::db::{self, Db, like_pattern};
use crate::error::{AppError, AppResult};
use gasdesk_shared::api::Page;
use gasdesk_shared::callcenter::{KnowledgeEntry, KnowledgeHit, KnowledgeQuery, NewKnowledgeEntry};
use gasdesk_shared::{Permission, validate};
use serde_json::json;
use sqlx::types::Json;
use uuid::Uuid;

const MAX_KEYWORDS: usize = 20;
const MAX_CONTENT: usize = 20_000;

fn entry(k: KnowledgeRow) -> KnowledgeEntry {
    KnowledgeEntry {
        id: k.id,
        title: k.title,
        subtitle: k.subtitle,
        keywords: k.keywords.0,
        content: k.content,
        created_at: k.created_at,
        updated_at: k.updated_at,
    }
}

/// The entry's text, checked: keywords trimmed, de-duplicated ignoring case.
fn checked(new: &NewKnowledgeEntry) -> AppResult<(String, Option<String>, Vec<String>, String)> {
    let title = validate::required_text("title", &new.title, 100)?;
    let subtitle = validate::optional_text("subtitle", new.subtitle.as_deref(), 100)?;
    if new.keywords.len() > MAX_KEYWORDS {
        return Err(AppError::validation(
            "keywords",
            format!("at most {MAX_KEYWORDS} keywords"),
        ));
    }
    let mut keywords: Vec<String> = Vec::new();
    for (i, k) in new.keywords.iter().enumerate() {
        let k = validate::required_text(&format!("keywords[{i}]"), k, 32)?;
        if !keywords
            .iter()
            .any(|seen| search::fold(seen) == search::fold(&k))
        {
            keywords.push(k);
        }
    }
    let content = validate::required_text("content", &new.content, MAX_CONTENT)?;
    Ok((title, subtitle, keywords, content))
}

pub async fn create(
    db: &Db,
    user: &CurrentUser,
    new: NewKnowledgeEntry,
) -> AppResult<KnowledgeEntry> {
    user.require(Permission::ManageCatalogs)?;
    let (title, subtitle, keywords, content) = checked(&new)?;
    let now = db::now();
    let row = KnowledgeRow {
        id: Uuid::now_v7(),
        title,
        subtitle,
        keywords: Json(keywords),
        content,
        created_by: Some(user.id),
        created_at: now,
        updated_by: Some(user.id),
        updated_at: now,
    };
    let mut tx = db.begin().await?;
    store::insert_knowledge(&mut tx, &row).await?;
    audit::record(
        &mut tx,
        user.actor(),
        "knowledge.create",
        "knowledge_entry",
        Some(row.id.to_string()),
        json!({ "title": row.title, "subtitle": row.subtitle, "keywords": row.keywords.0 }),
    )
    .await?;
    tx.commit().await?;
    Ok(entry(row))
}

pub async fn update(
    db: &Db,
    user: &CurrentUser,
    id: Uuid,
    new: NewKnowledgeEntry,
) -> AppResult<KnowledgeEntry> {
    user.require(Permission::ManageCatalogs)?;
    let (title, subtitle, keywords, content) = checked(&new)?;
    let now = db::now();
    let mut tx = db.begin().await?;
    let mut row = KnowledgeRow {
        id,
        title,
        subtitle,
        keywords: Json(keywords),
        content,
        created_by: None,
        created_at: now,
        updated_by: Some(user.id),
        updated_at: now,
    };
    if !store::update_knowledge(&mut tx, &row).await? {
        return Err(AppError::not_found(format!("no knowledge entry {id}")));
    }
    audit::record(
        &mut tx,
        user.actor(),
        "knowledge.update",
        "knowledge_entry",
        Some(id.to_string()),
        json!({ "title": row.title, "subtitle": row.subtitle, "keywords": row.keywords.0 }),
    )
    .await?;
    tx.commit().await?;
    if let Some(stored) = store::knowledge(db, id).await? {
        row = stored;
    }
    Ok(entry(row))
}

pub async fn delete(db: &Db, user: &CurrentUser, id: Uuid) -> AppResult<()> {
    user.require(Permission::ManageCatalogs)?;
    let mut tx = db.begin().await?;
    if !store::delete_knowledge(&mut tx, id).await? {
        return Err(AppError::not_found(format!("no knowledge entry {id}")));
    }
    audit::record(
        &mut tx,
        user.actor(),
        "knowledge.delete",
        "knowledge_entry",
        Some(id.to_string()),
        json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The whole knowledge base, for the field app's offline copy.
pub async fn all(db: &Db) -> AppResult<Vec<KnowledgeEntry>> {
    let (rows, _) = store::knowledge_page(db, 100_000, 0).await?;
    Ok(rows.into_iter().map(entry).collect())
}

/// Anyone signed in may read the knowledge base.
pub async fn get(db: &Db, id: Uuid) -> AppResult<KnowledgeEntry> {
    store::knowledge(db, id)
        .await?
        .map(entry)
        .ok_or_else(|| AppError::not_found(format!("no knowledge entry {id}")))
}

fn hit(k: KnowledgeRow, m: Option<search::Match>) -> KnowledgeHit {
    let (needles, matched, terms) = match m {
        Some(m) => (m.needles, Some(m.best), m.terms),
        None => (Vec::new(), None, Vec::new()),
    };
    KnowledgeHit {
        snippet: search::snippet(&k.content, &needles),
        id: k.id,
        title: k.title,
        subtitle: k.subtitle,
        keywords: k.keywords.0,
        matched,
        matched_terms: terms,
        updated_at: k.updated_at,
    }
}

/// Ranked search (see [`super::search`]), or every entry newest first without a query.
pub async fn search(db: &Db, query: KnowledgeQuery) -> AppResult<Page<KnowledgeHit>> {
    let (limit, offset) = page(query.limit, query.offset)?;
    let Some(q) = text(&query.q) else {
        let (rows, total) = store::knowledge_page(db, i64::from(limit), i64::from(offset)).await?;
        return Ok(Page {
            capped: false,
            items: rows.into_iter().map(|k| hit(k, None)).collect(),
            total: total.max(0) as u64,
            limit,
            offset,
        });
    };
    let terms = search::terms(q);
    if terms.is_empty() {
        return Err(AppError::validation(
            "q",
            "type at least one word to search for",
        ));
    }
    let patterns: Vec<String> = search::needles(&terms)
        .iter()
        .map(|n| like_pattern(n))
        .collect();
    let rows = store::knowledge_candidates(db, &patterns).await?;
    let docs: Vec<Doc<'_>> = rows
        .iter()
        .map(|k| Doc {
            id: k.id,
            title: &k.title,
            subtitle: k.subtitle.as_deref(),
            keywords: &k.keywords.0,
            content: &k.content,
            updated_at: k.updated_at,
        })
        .collect();
    let ranked = search::rank(&terms, &docs);
    let total = ranked.len() as u64;
    let mut rows: Vec<Option<KnowledgeRow>> = rows.into_iter().map(Some).collect();
    let items = ranked
        .into_iter()
        .skip(offset as usize)
        .take(limit as usize)
        .filter_map(|(i, m)| rows[i].take().map(|k| hit(k, Some(m))))
        .collect();
    Ok(Page {
        capped: false,
        items,
        total,
        limit,
        offset,
    })
}
