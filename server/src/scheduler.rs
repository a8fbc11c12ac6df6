//! Scheduled jobs. tokio-cron-scheduler runs them on each server; what a job does must make
//! itself run once across instances (the daily sampling claims its day in the database, the
//! escalation sweep takes an advisory lock and keys every alert).

use crate::db::Db;
use tokio_cron_scheduler::{Job, JobScheduler};

/// 01:05 China time (17:05 UTC, the scheduler's clock): yesterday's completed tickets are in.
const DAILY_SAMPLING: &str = "0 5 17 * * *";
/// Every half minute: escalation minutes are whole minutes, so a job is late by at most 30 s.
const ESCALATION_SWEEP: &str = "*/30 * * * * *";

pub async fn start(db: Db) -> anyhow::Result<JobScheduler> {
    let scheduler = JobScheduler::new().await?;
    let sampling_db = db.clone();
    scheduler
        .add(Job::new_async(DAILY_SAMPLING, move |_, _| {
            let db = sampling_db.clone();
            Box::pin(async move {
                match crate::followups::run_daily(&db, crate::db::now()).await {
                    Ok(report) => tracing::info!(?report, "follow-up sampling"),
                    Err(e) => tracing::error!(error = %e, "follow-up sampling failed"),
                }
            })
        })?)
        .await?;
    scheduler
        .add(Job::new_async(ESCALATION_SWEEP, move |_, _| {
            let db = db.clone();
            Box::pin(async move {
                match crate::escalation::sweep(&db, crate::db::now()).await {
                    Ok(report) if report != Default::default() => {
                        tracing::info!(?report, "escalation sweep")
                    }
                    Ok(_) => {}
                    Err(e) => tracing::error!(error = %e, "escalation sweep failed"),
                }
            })
        })?)
        .await?;
    scheduler.start().await?;
    Ok(scheduler)
}
