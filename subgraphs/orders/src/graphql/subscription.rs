//! Subscription root: orders as their changes commit. The database announces each placement
//! and status change (migration `order_changes`, heard through `subgraph_kit::live`); every
//! event is the order with the status that change gave it, so a follower sees each status in
//! the order the changes committed. Other subgraphs' fields (payments, shipments) are resolved
//! through the gateway for each event.

use crate::db::orders::{self, OrderRow};
use crate::domain::{access, Status, Transition};
use crate::graphql::query::parse_id;
use crate::graphql::types::Order;
use async_graphql::futures_util::{self as futures, Stream, StreamExt};
use async_graphql::{Context, Result, Subscription as SubscriptionRoot, ID};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use std::sync::Arc;
use subgraph_kit::auth::identity;
use subgraph_kit::live::Changes;
use subgraph_kit::AppError;
use uuid::Uuid;

/// The channel the `order_changes` trigger announces on.
pub const CHANNEL: &str = "order_changes";

/// What the trigger announces.
#[derive(Deserialize, Serialize)]
struct Change {
    id: Uuid,
    customer_id: Uuid,
    status: String,
}

/// An order as one change left it, and whether no further change can follow.
type Event = Result<(Order, bool)>;

pub struct Subscription;

#[SubscriptionRoot]
impl Subscription {
    /// The order as it is now, then again at each status change, in order, until it is
    /// FULFILLED or CANCELLED (then the subscription completes). One's own order, or any with
    /// `orders:manage`.
    #[graphql(directive = subgraph_kit::sdl::authenticated::apply())]
    async fn order_status_changed(
        &self,
        ctx: &Context<'_>,
        order_id: ID,
    ) -> Result<impl Stream<Item = Result<Order>>> {
        let who = identity(ctx);
        access::ask(who)?;
        let id = parse_id(&order_id)?;
        let pool = ctx.data::<PgPool>()?.clone();
        // Listening first: no change committed after the read below is missed.
        let changes = ctx
            .data::<Changes>()?
            .subscribe()
            .await
            .map_err(AppError::from)?;
        let row = orders::find_by_ids(&pool, &[id])
            .await?
            .pop()
            .ok_or_else(|| AppError::not_found(format!("order {id} not found")))?;
        access::read(who, row.customer_id)?;
        let status = Status::parse(&row.status);
        let now = event(row, status);
        // A change committed between listening and reading shows in both: once is enough.
        let mut last = status.map(Status::as_str);
        let changes = follow(changes, pool, move |c| c.id == id).filter(move |next| {
            let name = next.as_ref().ok().map(|(o, _)| status_name(o.status));
            let repeat = name.is_some() && name == last;
            if name.is_some() {
                last = name;
            }
            std::future::ready(!repeat)
        });
        Ok(until_final(
            futures::stream::once(std::future::ready(now)).chain(changes),
        ))
    }

    /// Each order placed and each status change of a customer's orders from now on: the
    /// caller's own (`customerId` omitted or theirs), or any customer's with `orders:manage`.
    #[graphql(directive = subgraph_kit::sdl::authenticated::apply())]
    async fn order_updates(
        &self,
        ctx: &Context<'_>,
        customer_id: Option<ID>,
    ) -> Result<impl Stream<Item = Result<Order>>> {
        let who = identity(ctx);
        access::ask(who)?;
        let customer = match &customer_id {
            Some(id) => parse_id(id)?,
            None => who
                .customer_id()
                .ok_or_else(|| AppError::bad_input("customerId is required for staff"))?,
        };
        access::read(who, customer)?;
        let pool = ctx.data::<PgPool>()?.clone();
        let changes = ctx
            .data::<Changes>()?
            .subscribe()
            .await
            .map_err(AppError::from)?;
        Ok(follow(changes, pool, move |c| c.customer_id == customer).map(|e| e.map(|(o, _)| o)))
    }
}

/// The GraphQL name of a status (as the domain spells it).
fn status_name(status: crate::graphql::types::OrderStatus) -> &'static str {
    use crate::graphql::types::OrderStatus as S;
    match status {
        S::Placed => "PLACED",
        S::Paid => "PAID",
        S::Cancelling => "CANCELLING",
        S::Fulfilled => "FULFILLED",
        S::Cancelled => "CANCELLED",
    }
}

/// Whether no transition leaves `status`.
fn is_final(status: Status) -> bool {
    Transition::ALL
        .iter()
        .all(|t| !t.allowed_from().contains(&status))
}

/// The order of `row` with `status` (the change's; the row may have moved on since).
fn event(row: OrderRow, status: Option<Status>) -> Event {
    let mut order = Order::try_from(row)?;
    if let Some(status) = status {
        order.status = status.into();
    }
    Ok((order, status.is_some_and(is_final)))
}

/// The orders of the announced changes `wanted` keeps, each with the status of its change.
fn follow(
    changes: impl Stream<Item = Arc<str>> + Send + 'static,
    pool: PgPool,
    wanted: impl Fn(&Change) -> bool + Send + Sync + 'static,
) -> impl Stream<Item = Event> {
    changes
        .filter_map(move |payload| {
            let change = serde_json::from_str::<Change>(&payload)
                .ok()
                .filter(|c| wanted(c));
            std::future::ready(change)
        })
        .then(move |change| {
            let pool = pool.clone();
            async move {
                let row = orders::find_by_ids(&pool, &[change.id])
                    .await?
                    .pop()
                    .ok_or_else(|| AppError::not_found(format!("order {} not found", change.id)))?;
                event(row, Status::parse(&change.status))
            }
        })
}

/// The events up to and including the first final one (then the stream completes).
fn until_final(
    events: impl Stream<Item = Event> + Send + 'static,
) -> impl Stream<Item = Result<Order>> {
    futures::stream::unfold((events.boxed(), false), |(mut events, done)| async move {
        if done {
            return None;
        }
        let next = events.next().await?;
        let done = matches!(next, Ok((_, true)));
        Some((next.map(|(order, _)| order), (events, done)))
    })
}

/// After a committed placement or status change: announces it in-process where the database
/// cannot (see `subgraph_kit::live`; elsewhere the trigger has announced it already).
pub fn announce(ctx: &Context<'_>, order: &Order) {
    let (Ok(changes), Ok(id), Ok(customer_id)) = (
        ctx.data::<Changes>(),
        Uuid::parse_str(&order.id),
        order.customer_id(),
    ) else {
        return;
    };
    let change = Change {
        id,
        customer_id,
        status: status_name(order.status).to_string(),
    };
    if let Ok(payload) = serde_json::to_string(&change) {
        changes.publish(&payload);
    }
}
