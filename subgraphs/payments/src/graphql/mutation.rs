use super::parse_id;
use super::types::{PaymentMethod, PaymentNode};
use crate::db;
use crate::domain::{
    access, check_authorization, AuthorizeRequest, Decision, Payment, RefundRequest, Status,
};
use async_graphql::{Context, InputObject, Object, Result, ID};
use chrono::Utc;
use serde::Serialize;
use sqlx::PgPool;
use subgraph_kit::auth::identity;
use subgraph_kit::idempotency::{claim, complete, Claim};
use subgraph_kit::metrics::business;
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
    /// Authorize a payment for an order, as its customer or staff with `payments:manage`:
    /// exactly the amount due, in the order's currency, while the order is PLACED with no
    /// live payment (payments also authorizes it by itself once its stock is reserved).
    /// NOT_YET_KNOWN (retry) while payments has not heard of the order. Declined
    /// authorizations are recorded as FAILED.
    #[graphql(directive = subgraph_kit::sdl::authenticated::apply())]
    async fn authorize_payment(
        &self,
        ctx: &Context<'_>,
        input: AuthorizePaymentInput,
        idempotency_key: String,
    ) -> Result<PaymentNode> {
        let owner = access::authorize(identity(ctx))?;
        let order_id = parse_id(&input.order_id, "orderId")?;
        let req = AuthorizeRequest::new(
            order_id,
            input.amount.0,
            input.currency,
            input.method.into(),
        )
        .map_err(AppError::from)?;
        let pool = ctx.data::<PgPool>()?;
        Ok(PaymentNode(
            authorize(pool, req, owner, &idempotency_key).await?,
        ))
    }

    /// Capture the whole authorized amount of a payment (staff with `payments:manage`).
    #[graphql(requires_scopes = "payments:manage")]
    async fn capture_payment(
        &self,
        ctx: &Context<'_>,
        id: ID,
        idempotency_key: String,
    ) -> Result<PaymentNode> {
        access::capture(identity(ctx))?;
        let id = parse_id(&id, "payment id")?;
        let pool = ctx.data::<PgPool>()?;
        Ok(PaymentNode(capture(pool, id, &idempotency_key).await?))
    }

    /// Refund part or all of what was captured; never more than captured minus refunded
    /// (staff with `payments:refund`).
    #[graphql(requires_scopes = "payments:refund")]
    async fn refund_payment(
        &self,
        ctx: &Context<'_>,
        id: ID,
        amount: Int64,
        idempotency_key: String,
    ) -> Result<PaymentNode> {
        access::refund(identity(ctx))?;
        let id = parse_id(&id, "payment id")?;
        let req = RefundRequest::new(id, amount.0).map_err(AppError::from)?;
        let pool = ctx.data::<PgPool>()?;
        Ok(PaymentNode(refund(pool, req, &idempotency_key).await?))
    }
}

async fn authorize(
    pool: &PgPool,
    req: AuthorizeRequest,
    owner: Option<Uuid>,
    key: &str,
) -> AppResult<Payment> {
    // The payer is part of the request: another caller reusing the key gets
    // IDEMPOTENCY_KEY_REUSED, never the first caller's payment.
    let fingerprint = (owner, &req);
    let mut tx = match claim::<Payment>(pool, "authorizePayment", key, &fingerprint).await? {
        Claim::Replay(p) => return Ok(p),
        Claim::New(tx) => tx,
    };
    // Checked against what payments knows of the order (locked, so a concurrent
    // authorization or cancellation waits): a failed check rolls the key back too.
    let order = db::facts::lock(&mut tx, req.order_id).await?;
    let existing = db::lock_order_payments(&mut tx, req.order_id).await?;
    check_authorization(order.as_ref(), &existing, &req, owner)?;
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
        customer_id: owner,
    };
    let payment = db::insert_payment(&mut tx, &draft, reason).await?;
    complete(tx, key, &payment).await?;
    match reason {
        None => business::payment_authorized(&payment.currency),
        Some(reason) => business::payment_failed(reason),
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
    db::record_capture(&mut tx, &payment).await?;
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
    db::record_refund(&mut tx, &payment, req.amount, None).await?;
    complete(tx, key, &payment).await?;
    business::refunded(&payment.currency, req.amount.unsigned_abs());
    Ok(payment)
}
