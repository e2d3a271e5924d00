//! The customers orders knows of (its read model of the customers domain), fed by
//! `CustomerRegistered` and by the demo seed.

use sqlx::{PgConnection, PgExecutor};
use subgraph_kit::{AppError, AppResult};
use uuid::Uuid;

/// Remember customers (a second time changes nothing: events may be delivered again).
pub async fn learn(conn: &mut PgConnection, ids: &[Uuid]) -> AppResult<()> {
    sqlx::query(
        "INSERT INTO known_customers (customer_id) SELECT * FROM UNNEST($1::uuid[])
         ON CONFLICT (customer_id) DO NOTHING",
    )
    .bind(ids)
    .execute(conn)
    .await?;
    Ok(())
}

/// `NOT_YET_KNOWN` unless orders has heard of customer `id`. Customers are never deleted, so
/// a customer known now stays known: no lock is needed.
pub async fn require_known<'e>(db: impl PgExecutor<'e>, id: Uuid) -> AppResult<()> {
    let known: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM known_customers WHERE customer_id = $1)")
            .bind(id)
            .fetch_one(db)
            .await?;
    if known {
        return Ok(());
    }
    Err(AppError::not_yet_known(format!(
        "customer {id} is not known to orders (yet): retry later (a new customer's \
         CustomerRegistered may still be on its way)"
    )))
}
