//! What orders does with other domains' events (the consumer `orders`): payments, deliveries
//! and fulfillment's answer to a cancellation move its orders through their life, and
//! registrations tell it which customers exist (what `placeOrder` is checked against).

use crate::db::{customers, orders};
use crate::domain::Transition;
use sqlx::{PgConnection, PgPool};
use std::sync::Arc;
use subgraph_kit::events::customers::CustomerRegistered;
use subgraph_kit::events::fulfillment::{
    CancellationConfirmed, CancellationRefused, ShipmentDelivered, ShipmentShipped, StockRejected,
};
use subgraph_kit::events::payments::{PaymentAuthorized, PaymentFailed};
use subgraph_kit::events::{async_trait, Envelope, Handler, HandlerError, Subscription};
use subgraph_kit::AppError;
use uuid::Uuid;

/// The durable consumer orders runs.
pub fn subscriptions(_pool: &PgPool) -> Vec<Subscription> {
    vec![Subscription {
        name: "orders",
        events: vec![
            ("customers", "CustomerRegistered"),
            ("payments", "PaymentAuthorized"),
            ("payments", "PaymentFailed"),
            ("fulfillment", "StockRejected"),
            ("fulfillment", "ShipmentShipped"),
            ("fulfillment", "ShipmentDelivered"),
            ("fulfillment", "CancellationConfirmed"),
            ("fulfillment", "CancellationRefused"),
        ],
        handler: Arc::new(Lifecycle),
    }]
}

/// Moves orders on payment and delivery events, and learns the customers registered.
pub struct Lifecycle;

#[async_trait]
impl Handler for Lifecycle {
    async fn handle(&self, tx: &mut PgConnection, event: &Envelope) -> Result<(), HandlerError> {
        let (order_id, transition) = match event.event_type.as_str() {
            "CustomerRegistered" => {
                let e: CustomerRegistered = event.decode()?;
                return customers::learn(tx, &[e.customer_id])
                    .await
                    .map_err(|err| HandlerError(err.to_string()));
            }
            "PaymentAuthorized" => {
                let e: PaymentAuthorized = event.decode()?;
                let payment_id = e.payment_id;
                (e.order_id, Transition::Pay { payment_id })
            }
            "PaymentFailed" => (
                event.decode::<PaymentFailed>()?.order_id,
                Transition::Abandon,
            ),
            // Before payment (stock is reserved at placement): the order cannot go on.
            "StockRejected" => (
                event.decode::<StockRejected>()?.order_id,
                Transition::Abandon,
            ),
            "ShipmentShipped" => {
                let e: ShipmentShipped = event.decode()?;
                return shipped(tx, e.order_id).await;
            }
            "ShipmentDelivered" => {
                let e: ShipmentDelivered = event.decode()?;
                // A parcel delivered was shipped, whether or not its ShipmentShipped came.
                shipped(tx, e.order_id).await?;
                if !e.order_delivered {
                    return Ok(());
                }
                (e.order_id, Transition::Fulfil)
            }
            "CancellationConfirmed" => {
                let e: CancellationConfirmed = event.decode()?;
                (e.order_id, Transition::ConfirmCancel)
            }
            "CancellationRefused" => {
                let e: CancellationRefused = event.decode()?;
                return orders::cancellation_refused(tx, e.order_id, e.reason)
                    .await
                    .map_err(|err| HandlerError(err.to_string()));
            }
            _ => return Ok(()),
        };
        apply(tx, order_id, transition).await
    }
}

/// Remember that a parcel of the order left the warehouse: it can no longer be cancelled.
async fn shipped(tx: &mut PgConnection, order_id: Uuid) -> Result<(), HandlerError> {
    orders::mark_shipped(tx, order_id)
        .await
        .map_err(|err| HandlerError(err.to_string()))
}

/// Apply an event's transition. One the order's status does not allow is a fact that came
/// too late (a payment authorized for an order cancelled meanwhile: payments voids it on
/// `OrderCancelled`), logged and dropped; an unknown order is retried, then dead-lettered.
async fn apply(
    tx: &mut PgConnection,
    order_id: Uuid,
    transition: Transition,
) -> Result<(), HandlerError> {
    match orders::transition(tx, order_id, transition).await {
        Ok(_) => Ok(()),
        Err(AppError::Conflict(why)) => {
            tracing::info!(order = %order_id, %why, "event does not move the order");
            Ok(())
        }
        Err(err) => Err(HandlerError(err.to_string())),
    }
}
