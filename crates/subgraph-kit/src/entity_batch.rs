//! One SQL statement per `_entities` request, whatever its size.
//!
//! A `DataLoader` batches what arrives within its delay, so a large `_entities` request can
//! be split into several batches when resolving it takes longer than the delay. Instead, the
//! first resolver of a request that needs entity data reads every representation of its type
//! and loads them all at once; the other resolvers of the request wait for that one load. The
//! state lives in request data added by the [`PerRequest`] extension (nothing is shared
//! between requests), one per `_entities` field: a gateway may alias several in one request.
//!
//! A subgraph declares its batches as a `Default` struct `B` of [`Batch`] fields, adds
//! `PerRequest::<B>::default()` to its schema and calls [`entity_batch::<B>`] in resolvers.

use crate::{AppError, AppResult};
use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextPrepareRequest,
};
use async_graphql::{Any, Context, Request, ServerResult, Value};
use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::marker::PhantomData;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use tokio::sync::OnceCell;

/// A failed load, shared by every resolver that waited for it.
pub type LoadError = Arc<AppError>;

/// The entity batches `B` of one request, by `_entities` field (alias or name).
pub struct RequestBatches<B>(Mutex<HashMap<String, Arc<B>>>);

impl<B> Default for RequestBatches<B> {
    fn default() -> Self {
        RequestBatches(Mutex::new(HashMap::new()))
    }
}

/// The batch of the `_entities` field `ctx` resolves (call from an entity resolver).
pub fn entity_batch<B: Default + Send + Sync + 'static>(ctx: &Context<'_>) -> Option<Arc<B>> {
    let batches = ctx.data_opt::<RequestBatches<B>>()?;
    let field = ctx.field();
    let key = field.alias().unwrap_or(field.name()).to_string();
    // A panic elsewhere while holding the lock leaves the map itself consistent.
    let mut map = batches.0.lock().unwrap_or_else(PoisonError::into_inner);
    Some(map.entry(key).or_default().clone())
}

/// The keys of one entity type in this request's representations, and their values loaded
/// once.
pub struct Batch<K, V> {
    keys: OnceLock<Vec<K>>,
    values: OnceCell<Result<HashMap<K, V>, LoadError>>,
}

impl<K, V> Default for Batch<K, V> {
    fn default() -> Self {
        Batch {
            keys: OnceLock::new(),
            values: OnceCell::new(),
        }
    }
}

impl<K: Clone + Eq + Hash, V: Clone> Batch<K, V> {
    /// Record the keys of every `typename` representation (call from its entity resolver,
    /// whose context holds the `representations` argument). Unparsable keys are skipped:
    /// they resolve to null anyway.
    pub fn note(
        &self,
        ctx: &Context<'_>,
        typename: &str,
        field: &str,
        parse: impl Fn(&str) -> Option<K>,
    ) {
        self.keys
            .get_or_init(|| representation_keys(ctx, typename, field, parse));
    }

    /// Record the keys to load, when they were read earlier (e.g. by the entity resolver,
    /// for a field resolved below it, whose context no longer holds the representations).
    pub fn note_keys(&self, keys: impl FnOnce() -> Vec<K>) {
        self.keys.get_or_init(keys);
    }

    /// Whether [`Batch::note`] ran in this request.
    pub fn is_noted(&self) -> bool {
        self.keys.get().is_some()
    }

    /// The value of `key`, loading every noted key (or just `key` if none were noted) with
    /// one call of `load` per request.
    pub async fn get<F, Fut>(&self, key: &K, load: F) -> Result<Option<V>, LoadError>
    where
        F: FnOnce(Vec<K>) -> Fut,
        Fut: Future<Output = AppResult<HashMap<K, V>>>,
    {
        let values = self
            .values
            .get_or_init(|| async {
                let keys = self
                    .keys
                    .get()
                    .cloned()
                    .unwrap_or_else(|| vec![key.clone()]);
                load(keys).await.map_err(|e| {
                    tracing::error!(error = ?e, "entity batch load failed");
                    Arc::new(e)
                })
            })
            .await;
        Ok(values.as_ref().map_err(Arc::clone)?.get(key).cloned())
    }
}

/// The keys of every `typename` representation of the `_entities` field `ctx` resolves
/// (call from an entity resolver); unparsable keys are skipped.
pub fn representation_keys<K>(
    ctx: &Context<'_>,
    typename: &str,
    field: &str,
    parse: impl Fn(&str) -> Option<K>,
) -> Vec<K> {
    let Ok((_, reps)) = ctx.param_value::<Vec<Any>>("representations", None) else {
        return Vec::new();
    };
    reps.iter()
        .filter_map(|Any(rep)| match rep {
            Value::Object(fields)
                if matches!(fields.get("__typename"), Some(Value::String(t)) if t == typename) =>
            {
                match fields.get(field) {
                    Some(Value::String(key)) => parse(key),
                    _ => None,
                }
            }
            _ => None,
        })
        .collect()
}

/// Schema extension giving every request fresh [`RequestBatches`] of `B`.
pub struct PerRequest<B>(PhantomData<fn() -> B>);

impl<B> Default for PerRequest<B> {
    fn default() -> Self {
        PerRequest(PhantomData)
    }
}

impl<B: Default + Send + Sync + 'static> ExtensionFactory for PerRequest<B> {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(PerRequest::<B>::default())
    }
}

#[async_graphql::async_trait::async_trait]
impl<B: Default + Send + Sync + 'static> Extension for PerRequest<B> {
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        next.run(ctx, request.data(RequestBatches::<B>::default()))
            .await
    }
}
