//! The live address index the customer lookup answers from: built from the database at
//! start-up, updated as customers are stored. Searches take a read lock for a few
//! milliseconds; updates a write lock for microseconds.

use super::address_index::{AddressIndex, Hit};
use crate::db::{Db, customers as store};
use crate::error::{AppError, AppResult};
use std::sync::RwLock;
use uuid::Uuid;

/// Hits below this share of the query are noise (a shared 路 or 号), not matches.
const MIN_SCORE: f32 = 0.5;

#[derive(Default)]
pub struct CustomerIndex {
    inner: RwLock<AddressIndex>,
}

impl CustomerIndex {
    /// Reads every customer's address and builds the index off the async threads.
    pub async fn load(db: &Db) -> AppResult<CustomerIndex> {
        let rows = store::all_addresses(db).await?;
        let index = tokio::task::spawn_blocking(move || AddressIndex::build(rows))
            .await
            .map_err(|e| AppError::Internal(format!("address index build failed: {e}")))?;
        tracing::info!(customers = index.len(), "address index built");
        Ok(CustomerIndex {
            inner: RwLock::new(index),
        })
    }

    /// The best matches for typed address text, best first.
    pub fn search(&self, query: &str, limit: usize) -> Vec<Hit> {
        let index = self.inner.read().unwrap_or_else(|p| p.into_inner());
        index
            .search(query, limit)
            .into_iter()
            .filter(|h| h.score >= MIN_SCORE)
            .collect()
    }

    /// A customer was stored: index their (new) address.
    pub fn record(&self, id: Uuid, address: &str) {
        let mut index = self.inner.write().unwrap_or_else(|p| p.into_inner());
        index.insert(id, address);
    }

    pub fn len(&self) -> usize {
        self.inner.read().unwrap_or_else(|p| p.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
