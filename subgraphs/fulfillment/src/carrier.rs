//! The simulated carrier: takes PENDING shipments after a delay (SHIPPED, with a tracking
//! number) and delivers SHIPPED ones after the same delay, so an order placed through the
//! gateway reaches FULFILLED by itself. Staff may still move shipments with `markShipped` and
//! `markDelivered`. It moves only its own parcels (carrier `SimPost`, the lifecycle's
//! automatic shipments: the demo data's and staff's other carriers stay as they are) and never
//! one whose order was cancelled.

use crate::db;
use crate::domain::Status;
use crate::events::CARRIER;
use sqlx::PgPool;
use std::time::Duration;
use subgraph_kit::AppResult;

/// Shipments moved per round.
const BATCH: i64 = 100;

/// How long a shipment waits at each step. Env: `FULFILLMENT_CARRIER_DELAY_MS` (default
/// 1000; 0 moves shipments as fast as the worker polls).
pub fn delay_from_env() -> Duration {
    match std::env::var("FULFILLMENT_CARRIER_DELAY_MS") {
        Ok(raw) => match raw.parse::<u64>() {
            Ok(ms) if ms <= 3_600_000 => Duration::from_millis(ms),
            _ => {
                tracing::warn!(%raw, "FULFILLMENT_CARRIER_DELAY_MS must be 0 to 3600000: using 1000");
                Duration::from_secs(1)
            }
        },
        Err(_) => Duration::from_secs(1),
    }
}

/// Run the carrier for ever (abort the task to stop it).
pub async fn run(pool: PgPool, delay: Duration) {
    let poll = (delay / 4).clamp(Duration::from_millis(50), Duration::from_secs(1));
    loop {
        let moved = match step(&pool, delay).await {
            Ok(moved) => moved,
            Err(err) => {
                tracing::warn!(error = %err, "carrier: will retry");
                0
            }
        };
        if moved == 0 {
            tokio::time::sleep(poll).await;
        }
    }
}

/// One round: deliver what has been on the road for `delay`, ship what has waited `delay`.
async fn step(pool: &PgPool, delay: Duration) -> AppResult<usize> {
    let mut tx = pool.begin().await?;
    let mut moved = 0;
    for mut shipment in db::lock_due(&mut tx, CARRIER, Status::Shipped, delay, BATCH).await? {
        if shipment.deliver().is_ok() {
            db::update_status(&mut tx, &shipment).await?;
            moved += 1;
        }
    }
    for mut shipment in db::lock_due(&mut tx, CARRIER, Status::Pending, delay, BATCH).await? {
        let tracking = format!("SIM{}", &shipment.id.simple().to_string()[..12]).to_uppercase();
        if shipment.ship(&tracking).is_ok() {
            db::update_status(&mut tx, &shipment).await?;
            moved += 1;
        }
    }
    tx.commit().await?;
    Ok(moved)
}
