//! The notifications sent to customers.

use crate::domain::notification::Notification;
use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};
use subgraph_kit::AppResult;
use uuid::Uuid;

/// One stored notification.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct NotificationRow {
    pub id: Uuid,
    pub kind: String,
    pub subject: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

/// Record `n`, caused by event `event_id` that happened `at` (a second time changes nothing).
/// Its id and time follow from the event, so a rebuild (forget, insert again) reproduces it.
pub async fn insert(
    conn: &mut PgConnection,
    event_id: Uuid,
    at: DateTime<Utc>,
    n: &Notification,
) -> AppResult<()> {
    sqlx::query(
        "INSERT INTO notifications (id, customer_id, event_id, kind, subject, body, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (event_id) DO NOTHING",
    )
    .bind(Uuid::new_v5(&event_id, b"notification"))
    .bind(n.customer_id)
    .bind(event_id)
    .bind(&n.kind)
    .bind(&n.subject)
    .bind(&n.body)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Remove the notification event `event_id` caused, if any (a rebuild's first step).
pub async fn forget(conn: &mut PgConnection, event_id: Uuid) -> AppResult<()> {
    sqlx::query("DELETE FROM notifications WHERE event_id = $1")
        .bind(event_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// A customer's latest `limit` notifications, newest first.
pub async fn latest(
    pool: &PgPool,
    customer_id: Uuid,
    limit: i64,
) -> AppResult<Vec<NotificationRow>> {
    Ok(sqlx::query_as(
        "SELECT id, kind, subject, body, created_at FROM notifications
         WHERE customer_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2",
    )
    .bind(customer_id)
    .bind(limit)
    .fetch_all(pool)
    .await?)
}
