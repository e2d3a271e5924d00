//! What customers does with orders' events (the consumer `customers`): it records the
//! e-mail the notification service sends the customer for each step of an order. The
//! notifications are a pure view of those events, so this consumer can be rebuilt from a
//! point in time (`crowdcrunch events replay --consumer customers --since ...`).

use crate::db::notifications;
use crate::domain::notification::for_order;
use serde::Deserialize;
use sqlx::{PgConnection, PgPool};
use std::sync::Arc;
use subgraph_kit::events::{async_trait, Envelope, Handler, HandlerError, Subscription};
use uuid::Uuid;

/// The durable consumer customers runs.
pub fn subscriptions(_pool: &PgPool) -> Vec<Subscription> {
    vec![Subscription {
        name: "customers",
        events: vec![("orders", "*")],
        handler: Arc::new(Notifier),
    }]
}

/// Turns order events into notifications.
pub struct Notifier;

/// The two fields every orders event carries (version 1).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AboutOrder {
    order_id: Uuid,
    customer_id: Uuid,
}

#[async_trait]
impl Handler for Notifier {
    async fn handle(&self, tx: &mut PgConnection, event: &Envelope) -> Result<(), HandlerError> {
        if event.source != "orders" || event.version > 1 {
            return Ok(());
        }
        let about: AboutOrder = serde_json::from_value(event.data.clone())
            .map_err(|e| HandlerError(format!("not an orders event: {e}")))?;
        let Some(n) = for_order(&event.event_type, about.customer_id, about.order_id) else {
            return Ok(());
        };
        notifications::insert(tx, event.id, event.occurred_at, &n)
            .await
            .map_err(|e| HandlerError(e.to_string()))
    }

    /// The notifications are a view of orders' events and nothing else: `events replay
    /// --consumer customers` may rebuild them.
    fn rebuilds(&self) -> bool {
        true
    }

    async fn forget(&self, tx: &mut PgConnection, event: &Envelope) -> Result<(), HandlerError> {
        notifications::forget(tx, event.id)
            .await
            .map_err(|e| HandlerError(e.to_string()))
    }
}
