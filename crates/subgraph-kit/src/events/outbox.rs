//! Writing an event to the outbox in the transaction of the state change it reports.

use super::{Envelope, Event, EventError};
use sqlx::PgConnection;

/// Record `event` in the outbox through `tx` (pass `&mut *transaction`): it is published only if
/// that transaction commits, and then exactly as recorded. Returns the envelope (its id is the
/// event id consumers see).
pub async fn record<E: Event>(tx: &mut PgConnection, event: &E) -> Result<Envelope, EventError> {
    let envelope = Envelope::new(event)?;
    sqlx::query("INSERT INTO outbox (id, envelope) VALUES ($1, $2)")
        .bind(envelope.id)
        .bind(serde_json::to_value(&envelope)?)
        .execute(tx)
        .await?;
    Ok(envelope)
}
