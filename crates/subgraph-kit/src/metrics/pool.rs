//! Database pool gauges and acquire-wait histogram, sampled in the background.

use sqlx::PgPool;
use std::time::{Duration, Instant};

/// Every `period`, until the pool closes: publish `db_pool_connections{state}` and time one
/// `acquire()`. sqlx has no hook around the acquisitions the resolvers make, so the wait a
/// request would see is measured by this probe instead (it returns the connection at once).
pub fn spawn_pool_sampler(pool: PgPool, period: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(period);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        while !pool.is_closed() {
            tick.tick().await;
            sample(&pool).await;
            super::run_upkeep();
        }
    })
}

/// Record one sample of the pool's state and acquire wait.
pub async fn sample(pool: &PgPool) {
    let size = pool.size();
    let idle = u32::try_from(pool.num_idle()).unwrap_or(u32::MAX);
    let in_use = size.saturating_sub(idle);
    ::metrics::gauge!("db_pool_connections", "state" => "in_use").set(f64::from(in_use));
    ::metrics::gauge!("db_pool_connections", "state" => "idle").set(f64::from(idle));
    let started = Instant::now();
    if let Ok(conn) = pool.acquire().await {
        ::metrics::histogram!("db_pool_acquire_wait_seconds")
            .record(started.elapsed().as_secs_f64());
        drop(conn);
    }
}
