//! The `live` test subgraphs (not the platform's): `ticker` owns
//! `Subscription.priceChanged` and knows items by SKU only; `catalog` names
//! items and weighs them (and fails for SKU `broken`); `shipping` prices an
//! item's shipping from its weight (`@requires`). An event therefore needs
//! entity fetches from both other subgraphs, one after the other.
//! Each serves `/graphql` (HTTP, and `graphql-transport-ws` on a WebSocket
//! upgrade) and `/graphql/sse` (GraphQL over SSE, distinct connections mode).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use std::time::Duration;

use async_graphql::futures_util::{Stream, StreamExt};
use async_graphql::{
    Context, EmptyMutation, EmptySubscription, Object, Schema, SimpleObject, Subscription, ID,
};
use async_graphql_axum::{GraphQL, GraphQLSubscription};
use axum::routing::{post, post_service};
use axum::Router;
use tokio::sync::broadcast;

/// What the test drives and watches on `ticker`.
#[derive(Clone)]
pub struct Ticker {
    /// Every price change published (sku, price).
    pub prices: broadcast::Sender<(String, i32)>,
    /// Subscription streams open on the subgraph right now.
    pub open: Arc<AtomicUsize>,
    /// Subscription streams ever opened.
    pub opened: Arc<AtomicUsize>,
}

impl Default for Ticker {
    fn default() -> Self {
        Self {
            prices: broadcast::channel(1024).0,
            open: Arc::default(),
            opened: Arc::default(),
        }
    }
}

impl Ticker {
    pub fn open(&self) -> usize {
        self.open.load(Ordering::SeqCst)
    }

    pub fn opened(&self) -> usize {
        self.opened.load(Ordering::SeqCst)
    }
}

#[derive(SimpleObject, Clone)]
#[graphql(unresolvable = "sku")]
pub struct Item {
    pub sku: ID,
}

#[derive(SimpleObject, Clone)]
pub struct PriceChange {
    pub price: i32,
    pub item: Option<Item>,
}

pub struct TickerQuery;

#[Object(name = "Query")]
impl TickerQuery {
    /// The latest price (a query, so the subgraph has a Query type).
    async fn price(&self, _sku: ID) -> i32 {
        0
    }
}

pub struct TickerSubscription;

/// Counts a subscription stream as open until the stream is dropped.
struct Open(Arc<AtomicUsize>);

impl Drop for Open {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

#[Subscription(name = "Subscription")]
impl TickerSubscription {
    /// Changes of one SKU's price.
    async fn price_changed(&self, ctx: &Context<'_>, sku: ID) -> impl Stream<Item = PriceChange> {
        let ticker = ctx.data_unchecked::<Ticker>().clone();
        let rx = ticker.prices.subscribe();
        ticker.open.fetch_add(1, Ordering::SeqCst);
        ticker.opened.fetch_add(1, Ordering::SeqCst);
        let guard = Open(ticker.open.clone());
        let sku = sku.to_string();
        async_graphql::futures_util::stream::unfold(
            (rx, guard, sku),
            |(mut rx, guard, sku)| async move {
                loop {
                    match rx.recv().await {
                        Ok((changed, price)) if changed == sku => {
                            let change = PriceChange {
                                price,
                                item: Some(Item { sku: ID(changed) }),
                            };
                            return Some((change, (rx, guard, sku)));
                        }
                        Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => continue,
                        Err(broadcast::error::RecvError::Closed) => return None,
                    }
                }
            },
        )
    }
}

pub type TickerSchema = Schema<TickerQuery, EmptyMutation, TickerSubscription>;

pub fn ticker(state: Ticker) -> TickerSchema {
    Schema::build(TickerQuery, EmptyMutation, TickerSubscription)
        .data(state)
        .enable_federation()
        .enable_subscription_in_federation()
        .finish()
}

/// `catalog`: an item's name and weight.
pub struct CatalogItem {
    sku: String,
}

#[Object(name = "Item")]
impl CatalogItem {
    async fn sku(&self) -> ID {
        ID(self.sku.clone())
    }

    #[graphql(shareable)]
    async fn name(&self) -> async_graphql::Result<String> {
        if self.sku == "broken" {
            return Err("the catalog has no name for this item".into());
        }
        Ok(format!("Item {}", self.sku))
    }

    #[graphql(shareable)]
    async fn weight(&self) -> i32 {
        self.sku.len() as i32 * 100
    }
}

pub struct CatalogQuery;

#[Object(name = "Query")]
impl CatalogQuery {
    #[graphql(entity)]
    async fn find_item(&self, #[graphql(key)] sku: ID) -> CatalogItem {
        CatalogItem { sku: sku.0 }
    }
}

pub fn catalog() -> Schema<CatalogQuery, EmptyMutation, EmptySubscription> {
    Schema::build(CatalogQuery, EmptyMutation, EmptySubscription)
        .enable_federation()
        .finish()
}

/// `shipping`: the shipping cost of an item from its weight.
pub struct ShippingItem {
    sku: String,
    weight: Option<i32>,
}

#[Object(name = "Item")]
impl ShippingItem {
    async fn sku(&self) -> ID {
        ID(self.sku.clone())
    }

    #[graphql(external)]
    async fn weight(&self) -> i32 {
        self.weight.unwrap_or_default()
    }

    /// One unit per 100 weight, at least 1.
    #[graphql(requires = "weight")]
    async fn shipping_cost(&self) -> Option<i32> {
        self.weight.map(|w| (w / 100).max(1))
    }
}

pub struct ShippingQuery;

#[Object(name = "Query")]
impl ShippingQuery {
    #[graphql(entity)]
    async fn find_item(&self, #[graphql(key)] sku: ID, weight: Option<i32>) -> ShippingItem {
        ShippingItem { sku: sku.0, weight }
    }
}

pub fn shipping() -> Schema<ShippingQuery, EmptyMutation, EmptySubscription> {
    Schema::build(ShippingQuery, EmptyMutation, EmptySubscription)
        .enable_federation()
        .finish()
}

/// Federation SDLs of the three, for the committed fixture.
pub fn sdls() -> Vec<(&'static str, String)> {
    use async_graphql::SDLExportOptions;
    let options = || SDLExportOptions::new().federation();
    vec![
        (
            "ticker",
            ticker(Ticker::default()).sdl_with_options(options()),
        ),
        ("catalog", catalog().sdl_with_options(options())),
        ("shipping", shipping().sdl_with_options(options())),
    ]
}

/// The routes of one subgraph.
pub fn routes<E: async_graphql::Executor>(schema: E) -> Router {
    Router::new()
        .route(
            "/graphql",
            post_service(GraphQL::new(schema.clone()))
                .get_service(GraphQLSubscription::new(schema.clone())),
        )
        .route(
            "/graphql/sse",
            post(move |body: axum::Json<async_graphql::Request>| sse(schema.clone(), body.0)),
        )
}

/// How often the SSE endpoint sends a keep-alive comment.
const SSE_KEEPALIVE: Duration = Duration::from_millis(200);

/// GraphQL over SSE, distinct connections mode, as a subgraph serves it:
/// `event: next` per result, `event: complete` at the end, a `:` comment
/// now and then. The operation's stream is dropped with the response body
/// (the gateway went away).
async fn sse<E: async_graphql::Executor>(
    schema: E,
    request: async_graphql::Request,
) -> axum::response::Response {
    let results = schema.execute_stream(request, None);
    let mut tick = tokio::time::interval(SSE_KEEPALIVE);
    tick.reset();
    let chunks = async_graphql::futures_util::stream::unfold(
        (Some(results), tick),
        |(results, mut tick)| async move {
            let mut results = results?;
            tokio::select! {
                next = results.next() => Some(match next {
                    Some(result) => {
                        let json = serde_json::to_string(&result).unwrap();
                        (format!("event: next\ndata: {json}\n\n"), (Some(results), tick))
                    }
                    None => ("event: complete\ndata:\n\n".to_string(), (None, tick)),
                }),
                _ = tick.tick() => Some((":\n\n".to_string(), (Some(results), tick))),
            }
        },
    );
    axum::response::Response::builder()
        .header("content-type", "text/event-stream")
        .body(axum::body::Body::from_stream(
            chunks.map(Ok::<_, std::convert::Infallible>),
        ))
        .unwrap()
}
