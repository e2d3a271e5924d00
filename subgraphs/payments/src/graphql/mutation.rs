use super::parse_id;
use super::types::{PaymentMethod, PaymentNode};
use crate::db;
use crate::domain::{AuthorizeRequest, Decision, Payment, RefundRequest, Status};
use async_graphql::{Context, InputObject, Object, Result, ID};
use chrono::Utc;
use serde::Serialize;
use sqlx::PgPool;
use subgraph_kit::idempotency::{claim, complete, Claim};
use subgraph_kit::{AppError, AppResult, Int64};
use uuid::Uuid;

#[derive(InputObject)]
pub struct AuthorizePaymentInput {
    pub order_id: ID,
    /// Amount in minor units of `currency`.
    pub amount: Int64,
    pub currency: String,
    pub method: PaymentMethod,
}

pub struct Mutation;

#[Object]
impl Mutation {
    /// Authorize a payment for an order. Declined authorizations are recorded as FAILED.
    async fn authorize_payment(
        &self,
        ctx: &Context<'_>,
        input: AuthorizePaymentInput,
        idempotency_key: String,
    ) -> Result<PaymentNode> {
        let order_id = parse_id(&input.order_id, "orderId")?;
        let req = AuthorizeRequest::new(
            order_id,
            input.amount.0,
            input.currency,
            input.method.into(),
        )
        .map_err(AppError::from)?;
        let pool = ctx.data::<PgPool>()?;
        Ok(PaymentNode(authorize(pool, req, &idempotency_key).await?))
    }

    /// Capture the whole authorized amount of a payment.
    async fn capture_payment(
        &self,
        ctx: &Context<'_>,
        id: ID,
        idempotency_key: String,
    ) -> Result<PaymentNode> {
        let id = parse_id(&id, "payment id")?;
        let pool = ctx.data::<PgPool>()?;
        Ok(PaymentNode(capture(pool, id, &idempotency_key).await?))
    }

    /// Refund part or all of what was captured; never more than captured minus refunded.
    async fn refund_payment(
        &self,
        ctx: &Context<'_>,
        id: ID,
        amount: Int64,
        idempotency_key: String,
    ) -> Result<PaymentNode> {
        let id = parse_id(&id, "payment id")?;
        let req = RefundRequest::new(id, amount.0).map_err(AppError::from)?;
        let pool = ctx.data::<PgPool>()?;
        Ok(PaymentNode(refund(pool, req, &idempotency_key).await?))
    }
}

async fn authorize(pool: &PgPool, req: AuthorizeRequest, key: &str) -> AppResult<Payment> {
    let mut tx = match claim::<Payment>(pool, "authorizePayment", key, &req).await? {
        Claim::Replay(p) => return Ok(p),
        Claim::New(tx) => tx,
    };
    let decision = req.decide();
    let (status, reason) = match decision {
        Decision::Authorized => (Status::Authorized, None),
        Decision::Failed(reason) => (Status::Failed, Some(reason)),
    };
    let draft = Payment {
        id: Uuid::new_v4(),
        order_id: req.order_id,
        amount: req.amount,
        currency: req.currency.clone(),
        captured_amount: 0,
        refunded_amount: 0,
        status,
        method: req.method,
        created_at: Utc::now(),
    };
    let payment = db::insert_payment(&mut tx, &draft, reason).await?;
    complete(tx, key, &payment).await?;
    match reason {
        None => {
            metrics::counter!("payments_authorized_total", "currency" => payment.currency.clone())
                .increment(1)
        }
        Some(reason) => metrics::counter!("payments_failed_total", "reason" => reason).increment(1),
    }
    Ok(payment)
}

#[derive(Serialize)]
struct CaptureRequest {
    payment_id: Uuid,
}

async fn capture(pool: &PgPool, id: Uuid, key: &str) -> AppResult<Payment> {
    let request = CaptureRequest { payment_id: id };
    let mut tx = match claim::<Payment>(pool, "capturePayment", key, &request).await? {
        Claim::Replay(p) => return Ok(p),
        Claim::New(tx) => tx,
    };
    let mut payment = db::lock_payment(&mut tx, id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("payment {id} not found")))?;
    payment.capture()?;
    db::update_amounts(&mut tx, &payment).await?;
    complete(tx, key, &payment).await?;
    Ok(payment)
}

async fn refund(pool: &PgPool, req: RefundRequest, key: &str) -> AppResult<Payment> {
    let mut tx = match claim::<Payment>(pool, "refundPayment", key, &req).await? {
        Claim::Replay(p) => return Ok(p),
        Claim::New(tx) => tx,
    };
    // The row lock makes concurrent refunds of one payment see each other's amounts.
    let mut payment = db::lock_payment(&mut tx, req.payment_id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("payment {} not found", req.payment_id)))?;
    payment.refund(req.amount)?;
    db::update_amounts(&mut tx, &payment).await?;
    db::insert_refund(&mut tx, payment.id, req.amount).await?;
    complete(tx, key, &payment).await?;
    metrics::counter!("refunded_amount_minor_total", "currency" => payment.currency.clone())
        .increment(req.amount.unsigned_abs());
    Ok(payment)
}
