use super::parse_id;
use super::types::ReturnNode;
use crate::db;
use crate::domain::{access, check_return, DomainError, Line, RequestReturn, Return, Status};
use async_graphql::{Context, InputObject, Object, Result, ID};
use sqlx::PgPool;
use subgraph_kit::auth::identity;
use subgraph_kit::clock;
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
    /// Ask to send goods of an order back (its customer, or staff with `returns:manage`):
    /// delivered units not returned yet (BAD_USER_INPUT otherwise), NOT_YET_KNOWN (retry)
    /// while returns has not heard of the order. The return starts REQUESTED.
    #[graphql(directive = subgraph_kit::sdl::authenticated::apply())]
    async fn request_return(
        &self,
        ctx: &Context<'_>,
        input: RequestReturnInput,
        idempotency_key: String,
    ) -> Result<ReturnNode> {
        let owner = access::request(identity(ctx))?;
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
        Ok(ReturnNode(
            request(pool, req, owner, &idempotency_key).await?,
        ))
    }

    /// Accept a REQUESTED return (`returns:manage`): payments refunds it, and then it
    /// becomes REFUNDED.
    #[graphql(requires_scopes = "returns:manage")]
    async fn approve_return(&self, ctx: &Context<'_>, id: ID) -> Result<ReturnNode> {
        access::review(identity(ctx))?;
        let id = parse_id(&id, "return id")?;
        let pool = ctx.data::<PgPool>()?;
        Ok(ReturnNode(transition(pool, id, Return::approve).await?))
    }

    /// Refuse a REQUESTED return, saying why (`returns:manage`).
    #[graphql(requires_scopes = "returns:manage")]
    async fn reject_return(&self, ctx: &Context<'_>, id: ID, reason: String) -> Result<ReturnNode> {
        access::review(identity(ctx))?;
        let id = parse_id(&id, "return id")?;
        let pool = ctx.data::<PgPool>()?;
        Ok(ReturnNode(
            transition(pool, id, |r| r.reject(&reason)).await?,
        ))
    }
}

async fn request(
    pool: &PgPool,
    req: RequestReturn,
    owner: Option<Uuid>,
    key: &str,
) -> AppResult<Return> {
    // The requester is part of the request: another caller reusing the key gets
    // IDEMPOTENCY_KEY_REUSED, never the first caller's return.
    let fingerprint = (owner, &req);
    let mut tx = match claim::<Return>(pool, "requestReturn", key, &fingerprint).await? {
        Claim::Replay(r) => return Ok(r),
        Claim::New(tx) => tx,
    };
    // Checked against what returns knows of the order (locked, so two returns of one order
    // are checked one after the other): a failed check rolls the key back too.
    let order = db::facts::lock_order(&mut tx, req.order_id).await?;
    check_return(order.as_ref(), owner, &req)?;
    let created = Return {
        id: Uuid::new_v4(),
        order_id: req.order_id,
        payment_id: req.payment_id,
        reason: req.reason,
        status: Status::Requested,
        rejection_reason: None,
        created_at: clock::now(),
        customer_id: owner,
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
