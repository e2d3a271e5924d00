//! What fulfillment does with orders' events (the consumer `fulfillment`): it reserves a
//! placed order's stock (or says it cannot), ships a paid order, answers a paid order's
//! cancellation (stopped, or refused once a parcel was delivered), and on a cancellation
//! cancels what has not been delivered and puts its stock back.

use crate::db::{self, orders};
use crate::domain::{unshipped, KnownOrder, Line, Shipment, Status};
use chrono::Utc;
use sqlx::{PgConnection, PgPool};
use std::sync::Arc;
use subgraph_kit::events::fulfillment::{
    CancellationConfirmed, CancellationRefused, StockRejected, StockReserved,
};
use subgraph_kit::events::orders::{
    OrderCancellationRequested, OrderCancelled, OrderFulfilled, OrderPaid, OrderPlaced,
};
use subgraph_kit::events::{async_trait, outbox, Envelope, Handler, HandlerError, Subscription};
use subgraph_kit::AppError;
use uuid::Uuid;

/// The carrier every automatic shipment goes with.
pub const CARRIER: &str = "SimPost";

/// The durable consumer fulfillment runs.
pub fn subscriptions(_pool: &PgPool) -> Vec<Subscription> {
    vec![Subscription {
        name: "fulfillment",
        events: vec![("orders", "*")],
        handler: Arc::new(Warehouse {
            auto_ship: auto_ship_from_env(),
        }),
    }]
}

/// Whether a paid order gets its shipment by itself. Env: `FULFILLMENT_AUTO_SHIP` (default
/// on; `0` leaves paid orders to staff's `createShipment`).
fn auto_ship_from_env() -> bool {
    !matches!(
        std::env::var("FULFILLMENT_AUTO_SHIP").as_deref(),
        Ok("0" | "false" | "no")
    )
}

/// Keeps stock and shipments in step with orders.
pub struct Warehouse {
    /// Create the shipment of a paid order (else staff do, with `createShipment`).
    pub auto_ship: bool,
}

type Outcome = Result<(), HandlerError>;

fn failed(err: AppError) -> HandlerError {
    HandlerError(err.to_string())
}

#[async_trait]
impl Handler for Warehouse {
    async fn handle(&self, tx: &mut PgConnection, event: &Envelope) -> Outcome {
        match event.event_type.as_str() {
            "OrderPlaced" => reserve(tx, event.decode()?).await,
            "OrderPaid" => ship(tx, event.decode()?, self.auto_ship).await,
            "OrderCancelled" => cancel(tx, event.decode()?).await,
            "OrderCancellationRequested" => cancellation(tx, event.decode()?).await,
            "OrderFulfilled" => {
                let e: OrderFulfilled = event.decode()?;
                let mut order = locked(tx, e.order_id).await?;
                order.status = "FULFILLED".into();
                orders::update(tx, &order).await.map_err(failed)
            }
            _ => Ok(()),
        }
    }
}

async fn locked(tx: &mut PgConnection, order_id: Uuid) -> Result<KnownOrder, HandlerError> {
    orders::lock(tx, order_id)
        .await
        .map_err(failed)?
        .ok_or_else(|| {
            HandlerError(format!(
                "order {order_id} not known yet (OrderPlaced still on its way)"
            ))
        })
}

/// Remember the order and take its lines out of stock, all or nothing.
async fn reserve(tx: &mut PgConnection, e: OrderPlaced) -> Outcome {
    let mut lines: Vec<Line> = e
        .lines
        .iter()
        .map(|l| Line {
            sku: l.sku.clone(),
            quantity: l.quantity,
        })
        .collect();
    // One lock order for every reservation, so concurrent ones cannot deadlock.
    lines.sort_by(|a, b| a.sku.cmp(&b.sku));
    let mut order = KnownOrder {
        order_id: e.order_id,
        customer_id: e.customer_id,
        status: "PLACED".into(),
        reserved: false,
    };
    if !orders::insert(tx, &order, &lines).await.map_err(failed)? {
        return Ok(());
    }
    match db::try_reserve(tx, &lines).await.map_err(failed)? {
        Ok(()) => {
            order.reserved = true;
            orders::update(tx, &order).await.map_err(failed)?;
            let event = StockReserved {
                order_id: e.order_id,
            };
            outbox::record(tx, &event).await?;
        }
        Err(reason) => {
            let event = StockRejected {
                order_id: e.order_id,
                reason,
            };
            outbox::record(tx, &event).await?;
        }
    }
    Ok(())
}

/// The order is paid: one shipment of everything not shipped yet (its stock is reserved),
/// when fulfillment ships by itself.
async fn ship(tx: &mut PgConnection, e: OrderPaid, auto_ship: bool) -> Outcome {
    let mut order = locked(tx, e.order_id).await?;
    order.status = "PAID".into();
    orders::update(tx, &order).await.map_err(failed)?;
    let ordered = orders::lines(tx, e.order_id).await.map_err(failed)?;
    let shipped = orders::shipped(tx, e.order_id).await.map_err(failed)?;
    let lines = unshipped(&ordered, &shipped);
    if !auto_ship || lines.is_empty() || !order.reserved {
        return Ok(());
    }
    let shipment = Shipment {
        id: Uuid::new_v4(),
        order_id: e.order_id,
        status: Status::Pending,
        carrier: CARRIER.into(),
        tracking_number: None,
        created_at: Utc::now(),
        customer_id: Some(order.customer_id),
        lines,
    };
    db::insert_shipment(tx, &shipment).await.map_err(failed)
}

/// The order is cancelled: stop its parcels (see [`stop`]). Orders cancels a PLACED order at
/// once; a PAID one only after [`cancellation`] confirmed, when this finds nothing left to do.
async fn cancel(tx: &mut PgConnection, e: OrderCancelled) -> Outcome {
    let order = locked(tx, e.order_id).await?;
    let shipments = db::lock_order_shipments(tx, e.order_id)
        .await
        .map_err(failed)?;
    stop(tx, order, shipments).await
}

/// A paid order's customer asks to cancel it: unless a parcel of it was delivered already
/// (then `CancellationRefused`, and nothing changes), stop every other one and confirm
/// (`CancellationConfirmed`: orders cancels the order, payments refunds it). Every shipment
/// is locked before it is looked at, so a parcel the carrier delivers at this very moment is
/// either seen delivered or stopped: an order is never both refunded and delivered.
async fn cancellation(tx: &mut PgConnection, e: OrderCancellationRequested) -> Outcome {
    let order = locked(tx, e.order_id).await?;
    let shipments = db::lock_order_shipments(tx, e.order_id)
        .await
        .map_err(failed)?;
    if shipments.iter().any(|s| s.status == Status::Delivered) {
        let refused = CancellationRefused {
            order_id: e.order_id,
            reason: "a parcel of the order was delivered before the cancellation: return what arrived instead".into(),
        };
        outbox::record(tx, &refused).await?;
        return Ok(());
    }
    stop(tx, order, shipments).await?;
    outbox::record(
        tx,
        &CancellationConfirmed {
            order_id: e.order_id,
        },
    )
    .await?;
    Ok(())
}

/// Cancel the order's shipments still PENDING, recall those the carrier has taken but not
/// delivered, put back in stock what was reserved for it and is not delivered, and remember
/// the order as cancelled (the carrier leaves its parcels alone).
async fn stop(tx: &mut PgConnection, mut order: KnownOrder, shipments: Vec<Shipment>) -> Outcome {
    for mut shipment in shipments {
        if matches!(shipment.status, Status::Pending | Status::Shipped) {
            shipment.cancel().map_err(|e| HandlerError(e.to_string()))?;
            db::update_status(tx, &shipment).await.map_err(failed)?;
        }
    }
    if order.reserved {
        let ordered = orders::lines(tx, order.order_id).await.map_err(failed)?;
        let shipped = orders::shipped(tx, order.order_id).await.map_err(failed)?;
        db::release(tx, &unshipped(&ordered, &shipped))
            .await
            .map_err(failed)?;
        order.reserved = false;
    }
    order.status = "CANCELLED".into();
    orders::update(tx, &order).await.map_err(failed)
}
