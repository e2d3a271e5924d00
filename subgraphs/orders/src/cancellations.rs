//! Cancellations that got no answer: a CANCELLING order waits for fulfillment's
//! `CancellationConfirmed` or `CancellationRefused`; one that waited longer than
//! [`ASK_AGAIN_AFTER`] (its request dead-lettered, or dropped by a fulfillment older than the
//! saga during a rolling deploy) is asked again. Asking twice is harmless: fulfillment answers
//! as before (it stops nothing twice) and orders ignores an answer once the order moved on.

use crate::db::orders;
use sqlx::PgPool;
use std::time::Duration;
use subgraph_kit::AppResult;

/// How long a cancellation may wait for fulfillment before it is asked again.
pub const ASK_AGAIN_AFTER: Duration = Duration::from_secs(60);

/// How often waiting cancellations are looked for.
const PERIOD: Duration = Duration::from_secs(15);

/// Orders asked again per round.
const BATCH: i64 = 100;

/// Ask again for ever, and keep the gauges of waiting cancellations current (abort the task
/// to stop it).
pub async fn run(pool: PgPool) {
    loop {
        if let Err(err) = ask_again(&pool, ASK_AGAIN_AFTER).await {
            tracing::warn!(error = %err, "cancellations not asked again: will retry");
        }
        if let Err(err) = sample(&pool).await {
            tracing::debug!(error = %err, "waiting cancellations not sampled");
        }
        tokio::time::sleep(PERIOD).await;
    }
}

/// The gauges of the cancellations waiting for fulfillment's answer (alerted on when one
/// waits for minutes: observability/prometheus/alerts.yaml).
async fn sample(pool: &PgPool) -> AppResult<()> {
    let (waiting, oldest) = orders::cancellations_waiting(pool).await?;
    subgraph_kit::metrics::business::cancellations_waiting(waiting, oldest);
    Ok(())
}

/// Record `OrderCancellationRequested` again for every order CANCELLING for longer than
/// `waited` (up to a batch); how many.
pub async fn ask_again(pool: &PgPool, waited: Duration) -> AppResult<usize> {
    let mut tx = pool.begin().await?;
    let asked = orders::ask_cancellation_again(&mut tx, waited, BATCH).await?;
    tx.commit().await?;
    if asked > 0 {
        tracing::warn!(
            orders = asked,
            "cancellations without fulfillment's answer asked again"
        );
    }
    Ok(asked)
}
