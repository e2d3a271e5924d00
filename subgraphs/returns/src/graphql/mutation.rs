use super::parse_id;
use super::types::ReturnNode;
use crate::db;
use crate::domain::{DomainError, Line, RequestReturn, Return, Status};
use async_graphql::{Context, InputObject, Object, Result, ID};
use chrono::Utc;
use sqlx::PgPool;
use subgraph_kit::idempotency::{claim, complete, Claim};
use subgraph_kit::{AppError, AppResult};
use uuid::Uuid;

#[derive(InputObject)]
pub struct ReturnLineInput {
    pub sku: ID,
    pub quantity: i32,
}

#[derive(InputObject)]
pub struct RequestReturnInput {
    pub order_id: ID,
    /// The payment to refund, if the order was paid.
    pub payment_id: Option<ID>,
    pub reason: String,
    pub lines: Vec<ReturnLineInput>,
}

pub struct Mutation;

#[Object]
impl Mutation {
    /// Ask to send goods of an order back. The return starts REQUESTED.
    async fn request_return(
        &self,
        ctx: &Context<'_>,
        input: RequestReturnInput,
        idempotency_key: String,
    ) -> Result<ReturnNode> {
        let order_id = parse_id(&input.order_id, "orderId")?;
        let payment_id = input
            .payment_id
            .as_ref()
            .map(|id| parse_id(id, "paymentId"))
            .transpose()?;
        let lines = input
            .lines
            .into_iter()
            .map(|l| Line {
                sku: l.sku.0,
                quantity: l.quantity,
            })
            .collect();
        let req = RequestReturn::new(order_id, payment_id, &input.reason, lines)
            .map_err(AppError::from)?;
        let pool = ctx.data::<PgPool>()?;
        Ok(ReturnNode(request(pool, req, &idempotency_key).await?))
    }

    /// Accept a REQUESTED return.
    async fn approve_return(&self, ctx: &Context<'_>, id: ID) -> Result<ReturnNode> {
        let id = parse_id(&id, "return id")?;
        let pool = ctx.data::<PgPool>()?;
        Ok(ReturnNode(transition(pool, id, Return::approve).await?))
    }

    /// Refuse a REQUESTED return, saying why.
    async fn reject_return(&self, ctx: &Context<'_>, id: ID, reason: String) -> Result<ReturnNode> {
        let id = parse_id(&id, "return id")?;
        let pool = ctx.data::<PgPool>()?;
        Ok(ReturnNode(
            transition(pool, id, |r| r.reject(&reason)).await?,
        ))
    }

    /// Record that an APPROVED return was refunded (through the payments subgraph).
    async fn mark_return_refunded(&self, ctx: &Context<'_>, id: ID) -> Result<ReturnNode> {
        let id = parse_id(&id, "return id")?;
        let pool = ctx.data::<PgPool>()?;
        Ok(ReturnNode(
            transition(pool, id, Return::mark_refunded).await?,
        ))
    }
}

async fn request(pool: &PgPool, req: RequestReturn, key: &str) -> AppResult<Return> {
    let mut tx = match claim::<Return>(pool, "requestReturn", key, &req).await? {
        Claim::Replay(r) => return Ok(r),
        Claim::New(tx) => tx,
    };
    let created = Return {
        id: Uuid::new_v4(),
        order_id: req.order_id,
        payment_id: req.payment_id,
        reason: req.reason,
        status: Status::Requested,
        rejection_reason: None,
        created_at: Utc::now(),
        lines: req.lines,
    };
    db::insert_return(&mut tx, &created).await?;
    complete(tx, key, &created).await?;
    Ok(created)
}

async fn transition(
    pool: &PgPool,
    id: Uuid,
    change: impl FnOnce(&mut Return) -> Result<(), DomainError>,
) -> AppResult<Return> {
    let mut tx = pool.begin().await?;
    let mut found = db::lock_return(&mut tx, id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("return {id} not found")))?;
    change(&mut found)?;
    db::update_status(&mut tx, &found).await?;
    tx.commit().await?;
    Ok(found)
}
