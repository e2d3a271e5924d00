//! The product catalog.

use sqlx::{PgExecutor, PgPool};
use subgraph_kit::AppResult;

/// One row of `products`.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ProductRow {
    pub sku: String,
    pub name: String,
    pub price_amount: i64,
    pub currency: String,
}

/// The products among `skus` that exist, in one statement.
pub async fn find_by_skus<'e>(
    db: impl PgExecutor<'e>,
    skus: &[String],
) -> AppResult<Vec<ProductRow>> {
    Ok(
        sqlx::query_as(
            "SELECT sku, name, price_amount, currency FROM products WHERE sku = ANY($1)",
        )
        .bind(skus)
        .fetch_all(db)
        .await?,
    )
}

/// Up to `limit` products after SKU `after`, in SKU order.
pub async fn page(pool: &PgPool, after: Option<&str>, limit: i64) -> AppResult<Vec<ProductRow>> {
    Ok(sqlx::query_as(
        "SELECT sku, name, price_amount, currency FROM products
         WHERE $1::text IS NULL OR sku > $1 ORDER BY sku LIMIT $2",
    )
    .bind(after)
    .bind(limit)
    .fetch_all(pool)
    .await?)
}
