//! Idempotency keys, claimed in the same transaction as the write they protect.
//!
//! Each service's schema has the table created by [`MIGRATION_SQL`]. A mutation calls
//! [`claim`]: a new key returns an open transaction to write in, and [`complete`] stores the
//! result and commits. A replayed key with the same request returns the stored result and
//! writes nothing; with a different request it fails with `IDEMPOTENCY_KEY_REUSED`. Concurrent
//! retries block on the key's primary key until the first commits, then replay its result.

use crate::AppError;
use serde::de::DeserializeOwned;
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::{PgPool, Postgres, Transaction};

/// The table every service migration creates (copy into the service's first migration).
pub const MIGRATION_SQL: &str = "CREATE TABLE idempotency_keys (
    key TEXT PRIMARY KEY,
    request_hash TEXT NOT NULL,
    response JSONB,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
)";

/// The outcome of claiming a key.
pub enum Claim<T> {
    /// The key is new: write inside this transaction, then call [`complete`].
    New(Transaction<'static, Postgres>),
    /// The key was used before with the same request: this is the first result.
    Replay(T),
}

/// Longest idempotency key accepted.
pub const MAX_KEY_LEN: usize = 200;

/// Claim `key` for `operation` with `request` (any serializable form of the input).
pub async fn claim<T: DeserializeOwned>(
    pool: &PgPool,
    operation: &str,
    key: &str,
    request: &impl Serialize,
) -> Result<Claim<T>, AppError> {
    if key.trim().is_empty() || key.len() > MAX_KEY_LEN {
        return Err(AppError::bad_input(format!(
            "idempotencyKey must be 1 to {MAX_KEY_LEN} characters"
        )));
    }
    let hash = fingerprint(operation, request)?;
    let mut tx = pool.begin().await?;
    let inserted = sqlx::query_scalar::<_, String>(
        "INSERT INTO idempotency_keys (key, request_hash) VALUES ($1, $2)
         ON CONFLICT (key) DO NOTHING RETURNING key",
    )
    .bind(key)
    .bind(&hash)
    .fetch_optional(&mut *tx)
    .await?;
    if inserted.is_some() {
        return Ok(Claim::New(tx));
    }
    // Someone committed this key first (we waited on its lock if it was in flight).
    let (stored_hash, response): (String, Option<serde_json::Value>) =
        sqlx::query_as("SELECT request_hash, response FROM idempotency_keys WHERE key = $1")
            .bind(key)
            .fetch_one(&mut *tx)
            .await?;
    tx.rollback().await?;
    if stored_hash != hash {
        return Err(AppError::IdempotencyKeyReused);
    }
    let response = response.ok_or_else(|| AppError::Internal("stored result missing".into()))?;
    serde_json::from_value(response)
        .map(Claim::Replay)
        .map_err(|e| AppError::Internal(format!("stored result unreadable: {e}")))
}

/// Store the result for `key` and commit the transaction returned by [`claim`].
pub async fn complete<T: Serialize>(
    mut tx: Transaction<'static, Postgres>,
    key: &str,
    result: &T,
) -> Result<(), AppError> {
    let response = serde_json::to_value(result)
        .map_err(|e| AppError::Internal(format!("cannot store result: {e}")))?;
    sqlx::query("UPDATE idempotency_keys SET response = $2 WHERE key = $1")
        .bind(key)
        .bind(response)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

fn fingerprint(operation: &str, request: &impl Serialize) -> Result<String, AppError> {
    let body = serde_json::to_vec(request)
        .map_err(|e| AppError::Internal(format!("cannot fingerprint request: {e}")))?;
    let mut h = Sha256::new();
    h.update(operation.as_bytes());
    h.update([0]);
    h.update(&body);
    Ok(hex::encode(h.finalize()))
}
