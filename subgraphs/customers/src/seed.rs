//! The deterministic demo customers (ids from `subgraph_kit::ids`, so other subgraphs'
//! demo orders point at them).

use chrono::{DateTime, Duration, Utc};
use sqlx::PgPool;
use subgraph_kit::ids;
use subgraph_kit::AppResult;
use uuid::Uuid;

const FIRST: [&str; 10] = [
    "Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Radia", "Tony",
];
const LAST: [&str; 10] = [
    "Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson", "Perlman",
    "Hoare",
];

/// Name and e-mail of demo customer `i`.
pub fn demo_customer(i: usize) -> (String, String) {
    let first = FIRST[i % FIRST.len()];
    let last = LAST[(i / FIRST.len()) % LAST.len()];
    let email = format!("{}.{}.{i}@example.com", first, last).to_lowercase();
    (format!("{first} {last}"), email)
}

/// When demo customer `i` signed up: one a day from 2025-01-01, so pages have a stable order.
pub fn demo_created_at(i: usize) -> DateTime<Utc> {
    DateTime::<Utc>::UNIX_EPOCH + Duration::days(20_089 + i as i64)
}

/// Insert the demo customers unless the table already has rows. Idempotent.
pub async fn seed(pool: &PgPool) -> AppResult<()> {
    let mut tx = pool.begin().await?;
    // Two processes seeding at once must not both see an empty table.
    sqlx::query("LOCK TABLE customers IN EXCLUSIVE MODE")
        .execute(&mut *tx)
        .await?;
    let has_rows: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM customers)")
        .fetch_one(&mut *tx)
        .await?;
    if has_rows {
        return Ok(());
    }
    let (mut idv, mut emails, mut names, mut created) = (vec![], vec![], vec![], vec![]);
    for i in 0..ids::CUSTOMERS {
        let (name, email) = demo_customer(i);
        idv.push(ids::customer_id(i));
        emails.push(email);
        names.push(name);
        created.push(demo_created_at(i));
    }
    sqlx::query(
        "INSERT INTO customers (id, email, name, created_at)
         SELECT * FROM UNNEST($1::uuid[], $2::text[], $3::text[], $4::timestamptz[])",
    )
    .bind(&idv as &[Uuid])
    .bind(&emails)
    .bind(&names)
    .bind(&created)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    tracing::info!(customers = ids::CUSTOMERS, "seeded demo customers");
    Ok(())
}
