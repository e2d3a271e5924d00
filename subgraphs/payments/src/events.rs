//! What payments does with other domains' events (the consumer `payments`): it learns the
//! orders it may be asked to pay, asks the simulated provider to authorize an order once its
//! stock is reserved, captures a paid order, voids or refunds a cancelled one, and refunds an
//! approved return.

use crate::db::{self, facts};
use crate::domain::provider::Provider;
use crate::domain::{
    return_value, AuthorizeRequest, Decision, FactLine, Method, OrderFacts, Payment, Status,
};
use chrono::Utc;
use sqlx::{PgConnection, PgPool};
use std::sync::Arc;
use subgraph_kit::events::fulfillment::StockReserved;
use subgraph_kit::events::orders::{OrderCancelled, OrderFulfilled, OrderPaid, OrderPlaced};
use subgraph_kit::events::payments::ReturnRefundRefused;
use subgraph_kit::events::returns::ReturnApproved;
use subgraph_kit::events::{
    after_commit, async_trait, outbox, Envelope, Handler, HandlerError, Subscription,
};
use subgraph_kit::metrics::business;
use uuid::Uuid;

/// The durable consumer payments runs.
pub fn subscriptions(_pool: &PgPool) -> Vec<Subscription> {
    vec![Subscription {
        name: "payments",
        events: vec![
            ("orders", "*"),
            ("fulfillment", "StockReserved"),
            ("returns", "ReturnApproved"),
        ],
        handler: Arc::new(Ledger {
            provider: Provider::from_env(),
        }),
    }]
}

/// Keeps payments in step with orders, stock and returns.
pub struct Ledger {
    pub provider: Provider,
}

type Outcome = Result<(), HandlerError>;

fn not_yet_known(order_id: Uuid) -> HandlerError {
    HandlerError(format!(
        "order {order_id} not known yet (OrderPlaced still on its way)"
    ))
}

fn failed(err: subgraph_kit::AppError) -> HandlerError {
    HandlerError(err.to_string())
}

#[async_trait]
impl Handler for Ledger {
    async fn handle(&self, tx: &mut PgConnection, event: &Envelope) -> Outcome {
        match event.event_type.as_str() {
            "OrderPlaced" => learn(tx, event.decode()?).await,
            "StockReserved" => self.authorize(tx, event.decode()?).await,
            "OrderPaid" => capture(tx, event.decode()?).await,
            "OrderCancelled" => release(tx, event.decode()?).await,
            "OrderFulfilled" => {
                let e: OrderFulfilled = event.decode()?;
                set_status(tx, e.order_id, "FULFILLED").await
            }
            "ReturnApproved" => refund_return(tx, event.decode()?).await,
            _ => Ok(()),
        }
    }
}

async fn learn(tx: &mut PgConnection, e: OrderPlaced) -> Outcome {
    let order = OrderFacts {
        order_id: e.order_id,
        customer_id: e.customer_id,
        currency: e.currency,
        total: e.total,
        status: "PLACED".into(),
        stock_reserved: false,
    };
    let lines: Vec<FactLine> = e
        .lines
        .into_iter()
        .map(|l| FactLine {
            sku: l.sku,
            quantity: l.quantity,
            unit_price: l.unit_price,
        })
        .collect();
    facts::insert(tx, &order, &lines).await.map_err(failed)
}

async fn locked(tx: &mut PgConnection, order_id: Uuid) -> Result<OrderFacts, HandlerError> {
    facts::lock(tx, order_id)
        .await
        .map_err(failed)?
        .ok_or_else(|| not_yet_known(order_id))
}

async fn set_status(tx: &mut PgConnection, order_id: Uuid, status: &str) -> Outcome {
    let mut order = locked(tx, order_id).await?;
    // A cancellation is final: an earlier event redelivered late (after a failure, it waits
    // out its backoff while later ones go ahead) must not bring the order back.
    if order.status == "CANCELLED" {
        return Ok(());
    }
    order.status = status.into();
    facts::update(tx, &order).await.map_err(failed)
}

impl Ledger {
    /// Stock is reserved: ask the provider for the amount due, unless the order was paid or
    /// cancelled meanwhile (then there is nothing to authorize).
    async fn authorize(&self, tx: &mut PgConnection, e: StockReserved) -> Outcome {
        let mut order = locked(tx, e.order_id).await?;
        order.stock_reserved = true;
        facts::update(tx, &order).await.map_err(failed)?;
        let payments = db::lock_order_payments(tx, order.order_id)
            .await
            .map_err(failed)?;
        if order.status != "PLACED" || payments.iter().any(Payment::is_live) || order.total == 0 {
            return Ok(());
        }
        let req = AuthorizeRequest::new(order.order_id, order.total, order.currency, Method::Card)
            .map_err(|e| HandlerError(e.to_string()))?;
        tokio::time::sleep(self.provider.latency).await;
        let roll = Uuid::new_v4().as_u64_pair().0 as f64 / (u64::MAX as f64 + 1.0);
        let (status, reason) = match self.provider.decide(&req, roll) {
            Decision::Authorized => (Status::Authorized, None),
            Decision::Failed(reason) => (Status::Failed, Some(reason)),
        };
        let payment = Payment {
            id: Uuid::new_v4(),
            order_id: req.order_id,
            amount: req.amount,
            currency: req.currency,
            captured_amount: 0,
            refunded_amount: 0,
            status,
            method: req.method,
            created_at: Utc::now(),
            customer_id: Some(order.customer_id),
        };
        db::insert_payment(tx, &payment, reason)
            .await
            .map_err(failed)?;
        // The business counters move as the GraphQL path's do, once this commits.
        let currency = payment.currency;
        after_commit(move || match reason {
            None => business::payment_authorized(&currency),
            Some(reason) => business::payment_failed(reason),
        });
        Ok(())
    }
}

/// The order is PAID: capture its authorized payment.
async fn capture(tx: &mut PgConnection, e: OrderPaid) -> Outcome {
    set_status(tx, e.order_id, "PAID").await?;
    let Some(mut payment) = db::lock_payment(tx, e.payment_id).await.map_err(failed)? else {
        return Err(HandlerError(format!("payment {} not found", e.payment_id)));
    };
    if payment.status != Status::Authorized {
        return Ok(());
    }
    payment.capture().map_err(|e| HandlerError(e.to_string()))?;
    db::record_capture(tx, &payment).await.map_err(failed)
}

/// The order is CANCELLED: release what it holds (void an authorization, refund a capture).
async fn release(tx: &mut PgConnection, e: OrderCancelled) -> Outcome {
    set_status(tx, e.order_id, "CANCELLED").await?;
    for mut payment in db::lock_order_payments(tx, e.order_id)
        .await
        .map_err(failed)?
    {
        match payment.status {
            Status::Authorized => {
                payment.void().map_err(|e| HandlerError(e.to_string()))?;
                db::record_void(tx, &payment).await.map_err(failed)?;
            }
            Status::Captured | Status::PartiallyRefunded => {
                let amount = payment.refundable();
                payment
                    .refund(amount)
                    .map_err(|e| HandlerError(e.to_string()))?;
                db::record_refund(tx, &payment, amount, None)
                    .await
                    .map_err(failed)?;
                count_refund(&payment.currency, amount);
            }
            Status::Failed | Status::Refunded | Status::Voided => {}
        }
    }
    Ok(())
}

/// A return was approved: refund its lines at the prices charged from the payment it names
/// (else the order's first with something left to refund), never more than is still refundable.
async fn refund_return(tx: &mut PgConnection, e: ReturnApproved) -> Outcome {
    locked(tx, e.order_id).await?;
    let lines = facts::lines(tx, e.order_id).await.map_err(failed)?;
    let returned: Vec<(String, i32)> = e.lines.into_iter().map(|l| (l.sku, l.quantity)).collect();
    let value = return_value(&lines, &returned);
    let payments = db::lock_order_payments(tx, e.order_id)
        .await
        .map_err(failed)?;
    let payment = match e.payment_id {
        Some(named) => payments.into_iter().find(|p| p.id == named),
        None => payments.into_iter().find(|p| p.refundable() > 0),
    };
    let amount = payment.as_ref().map_or(0, |p| value.min(p.refundable()));
    let Some(mut payment) = payment.filter(|_| amount > 0) else {
        // Refunded in full before the return was approved (or the named payment is not the
        // order's): say so, and returns rejects it.
        tracing::info!(order = %e.order_id, return_id = %e.return_id, "approved return with nothing left to refund");
        let reason = match e.payment_id {
            Some(named) => format!("nothing of payment {named} is left to refund"),
            None => "nothing of the order's payments is left to refund".into(),
        };
        let refused = ReturnRefundRefused {
            return_id: e.return_id,
            order_id: e.order_id,
            reason,
        };
        outbox::record(tx, &refused).await?;
        return Ok(());
    };
    payment
        .refund(amount)
        .map_err(|e| HandlerError(e.to_string()))?;
    db::record_refund(tx, &payment, amount, Some(e.return_id))
        .await
        .map_err(failed)?;
    count_refund(&payment.currency, amount);
    Ok(())
}

/// `refunded_amount_minor_total` moves once the refund commits.
fn count_refund(currency: &str, amount: i64) {
    let currency = currency.to_string();
    after_commit(move || business::refunded(&currency, amount.unsigned_abs()));
}
