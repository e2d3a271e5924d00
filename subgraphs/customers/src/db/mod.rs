//! SQL for the customers schema. Runtime-checked queries (no DATABASE_URL at build time).

pub mod notifications;

use crate::domain::{CustomerPatch, NewCustomer};
use chrono::{DateTime, SecondsFormat, Utc};
use sqlx::{PgConnection, PgPool};
use subgraph_kit::events::customers::{CustomerRegistered, CustomerUpdated};
use subgraph_kit::events::outbox;
use subgraph_kit::pagination::{decode_cursor, encode_cursor};
use subgraph_kit::{AppError, AppResult};
use uuid::Uuid;

/// One row of `customers`.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CustomerRow {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, email, name, created_at";

/// A place in the `(created_at, id)` order that pagination walks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    pub created_at: DateTime<Utc>,
    pub id: Uuid,
}

impl Position {
    pub fn of(row: &CustomerRow) -> Position {
        Position {
            created_at: row.created_at,
            id: row.id,
        }
    }

    pub fn to_cursor(&self) -> String {
        // Microseconds are PostgreSQL's precision, so the position round-trips exactly.
        let at = self.created_at.to_rfc3339_opts(SecondsFormat::Micros, true);
        encode_cursor(&format!("{at}|{}", self.id))
    }

    pub fn from_cursor(cursor: &str) -> AppResult<Position> {
        let raw = decode_cursor(cursor)?;
        let invalid = || AppError::bad_input("invalid cursor");
        let (at, id) = raw.split_once('|').ok_or_else(invalid)?;
        Ok(Position {
            created_at: DateTime::parse_from_rfc3339(at)
                .map_err(|_| invalid())?
                .with_timezone(&Utc),
            id: Uuid::parse_str(id).map_err(|_| invalid())?,
        })
    }
}

/// The customers among `ids` that exist, in one statement.
pub async fn find_by_ids(pool: &PgPool, ids: &[Uuid]) -> AppResult<Vec<CustomerRow>> {
    let sql = format!("SELECT {COLUMNS} FROM customers WHERE id = ANY($1)");
    Ok(sqlx::query_as(&sql).bind(ids).fetch_all(pool).await?)
}

/// Up to `limit` customers after `after` in creation order.
pub async fn page(
    pool: &PgPool,
    after: Option<&Position>,
    limit: i64,
) -> AppResult<Vec<CustomerRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM customers
         WHERE $1::timestamptz IS NULL OR (created_at, id) > ($1, $2)
         ORDER BY created_at, id LIMIT $3"
    );
    Ok(sqlx::query_as(&sql)
        .bind(after.map(|p| p.created_at))
        .bind(after.map(|p| p.id))
        .bind(limit)
        .fetch_all(pool)
        .await?)
}

/// Insert a new customer with its `CustomerRegistered` event (inside the caller's
/// transaction).
pub async fn insert(conn: &mut PgConnection, new: &NewCustomer) -> AppResult<CustomerRow> {
    let sql =
        format!("INSERT INTO customers (id, email, name) VALUES ($1, $2, $3) RETURNING {COLUMNS}");
    let row: CustomerRow = sqlx::query_as(&sql)
        .bind(Uuid::new_v4())
        .bind(new.email.as_str())
        .bind(new.name.as_str())
        .fetch_one(&mut *conn)
        .await
        .map_err(email_conflict)?;
    let event = CustomerRegistered {
        customer_id: row.id,
        email: row.email.clone(),
        name: row.name.clone(),
    };
    outbox::record(conn, &event).await?;
    Ok(row)
}

/// Apply `patch` to customer `id`; `NotFound` when there is no such customer.
pub async fn update(pool: &PgPool, id: Uuid, patch: &CustomerPatch) -> AppResult<CustomerRow> {
    let sql = format!(
        "UPDATE customers SET email = COALESCE($2, email), name = COALESCE($3, name)
         WHERE id = $1 RETURNING {COLUMNS}"
    );
    let mut tx = pool.begin().await?;
    let row: CustomerRow = sqlx::query_as(&sql)
        .bind(id)
        .bind(patch.email.as_ref().map(|e| e.as_str()))
        .bind(patch.name.as_ref().map(|n| n.as_str()))
        .fetch_optional(&mut *tx)
        .await
        .map_err(email_conflict)?
        .ok_or_else(|| AppError::not_found(format!("customer {id} not found")))?;
    let event = CustomerUpdated {
        customer_id: row.id,
        email: row.email.clone(),
        name: row.name.clone(),
    };
    outbox::record(&mut tx, &event).await?;
    tx.commit().await?;
    Ok(row)
}

fn email_conflict(e: sqlx::Error) -> AppError {
    match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            AppError::conflict("a customer with this email already exists")
        }
        _ => AppError::Database(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips_a_position() {
        let position = Position {
            created_at: DateTime::parse_from_rfc3339("2025-03-04T05:06:07.123456Z")
                .unwrap()
                .with_timezone(&Utc),
            id: Uuid::new_v4(),
        };
        assert_eq!(
            Position::from_cursor(&position.to_cursor()).unwrap(),
            position
        );
    }

    #[test]
    fn garbage_cursor_is_bad_input() {
        for bad in ["zz", &encode_cursor("no-separator"), &encode_cursor("x|y")] {
            let err = Position::from_cursor(bad).unwrap_err();
            assert_eq!(err.code(), subgraph_kit::ErrorCode::BadUserInput);
        }
    }
}
