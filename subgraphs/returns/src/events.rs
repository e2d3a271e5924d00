//! What returns does with other domains' events (the consumer `returns`): it learns orders'
//! customers, delivered units and captured payments, and marks an approved return REFUNDED
//! once payments has refunded it.

use crate::db::{self, facts};
use crate::domain::Line;
use sqlx::{PgConnection, PgPool};
use std::sync::Arc;
use subgraph_kit::events::fulfillment::ShipmentDelivered;
use subgraph_kit::events::orders::OrderPlaced;
use subgraph_kit::events::payments::{PaymentCaptured, PaymentRefunded, ReturnRefundRefused};
use subgraph_kit::events::{async_trait, Envelope, Handler, HandlerError, Subscription};
use subgraph_kit::AppError;

/// The durable consumer returns runs.
pub fn subscriptions(_pool: &PgPool) -> Vec<Subscription> {
    vec![Subscription {
        name: "returns",
        events: vec![
            ("orders", "OrderPlaced"),
            ("fulfillment", "ShipmentDelivered"),
            ("payments", "PaymentCaptured"),
            ("payments", "PaymentRefunded"),
            ("payments", "ReturnRefundRefused"),
        ],
        handler: Arc::new(Desk),
    }]
}

/// Keeps what returns knows in step, and closes refunded returns.
pub struct Desk;

fn failed(err: AppError) -> HandlerError {
    HandlerError(err.to_string())
}

#[async_trait]
impl Handler for Desk {
    async fn handle(&self, tx: &mut PgConnection, event: &Envelope) -> Result<(), HandlerError> {
        match event.event_type.as_str() {
            "OrderPlaced" => {
                let e: OrderPlaced = event.decode()?;
                facts::insert_order(tx, e.order_id, e.customer_id).await
            }
            "ShipmentDelivered" => {
                let e: ShipmentDelivered = event.decode()?;
                let lines: Vec<Line> = e
                    .lines
                    .into_iter()
                    .map(|l| Line {
                        sku: l.sku,
                        quantity: l.quantity,
                    })
                    .collect();
                facts::add_delivered(tx, e.order_id, &lines).await
            }
            "PaymentCaptured" => {
                let e: PaymentCaptured = event.decode()?;
                facts::insert_captured(tx, e.payment_id, e.order_id, e.amount).await
            }
            "PaymentRefunded" => refunded(tx, event.decode()?).await,
            "ReturnRefundRefused" => refund_refused(tx, event.decode()?).await,
            _ => Ok(()),
        }
        .map_err(failed)
    }
}

/// Payments could not refund an approved return: it is REJECTED, saying why.
async fn refund_refused(tx: &mut PgConnection, e: ReturnRefundRefused) -> Result<(), AppError> {
    let Some(mut found) = db::lock_return(tx, e.return_id).await? else {
        return Err(AppError::Internal(format!(
            "return {} not found",
            e.return_id
        )));
    };
    if found.refund_refused(&e.reason).is_ok() {
        db::update_status(tx, &found).await?;
    }
    Ok(())
}

/// A refund: remember it, and if it paid back a return, that return is REFUNDED.
async fn refunded(tx: &mut PgConnection, e: PaymentRefunded) -> Result<(), AppError> {
    facts::set_refunded(tx, e.payment_id, e.refunded_total).await?;
    let Some(return_id) = e.return_id else {
        return Ok(());
    };
    let Some(mut found) = db::lock_return(tx, return_id).await? else {
        return Err(AppError::Internal(format!("return {return_id} not found")));
    };
    if found.mark_refunded().is_ok() {
        db::update_status(tx, &found).await?;
    }
    Ok(())
}
