//! Scheduled jobs. tokio-cron-scheduler runs them on each server; what a job does must make
//! itself run once across instances (the daily sampling claims its day in the database).

use crate::db::Db;
use tokio_cron_scheduler::{Job, JobScheduler};

/// 01:05 China time (17:05 UTC, the scheduler's clock): yesterday's completed tickets are in.
const DAILY_SAMPLING: &str = "0 5 17 * * *";

pub async fn start(db: Db) -> anyhow::Result<JobScheduler> {
    let scheduler = JobScheduler::new().await?;
    scheduler
        .add(Job::new_async(DAILY_SAMPLING, move |_, _| {
            let db = db.clone();
            Box::pin(async move {
                match super::run_daily(&db, crate::db::now()).await {
                    Ok(report) => tracing::info!(?report, "follow-up sampling"),
                    Err(e) => tracing::error!(error = %e, "follow-up sampling failed"),
                }
            })
        })?)
        .await?;
    scheduler.start().await?;
    Ok(scheduler)
}
