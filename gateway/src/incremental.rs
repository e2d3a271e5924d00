//! Incremental delivery of `@defer`: runs a request's primary part and answers it, then runs
//! the deferred parts (each after its parent's payload, siblings concurrently) and yields one
//! payload per finished part: `{"hasNext", "incremental": [{data, path, label, errors}]}`.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use futures::stream::{BoxStream, FuturesUnordered};
use futures::{FutureExt, StreamExt};
use serde_json::{Map, Value as JsonValue};

use crate::auth::Identity;
use crate::engine::{Engine, Outcome};
use crate::executor::client::HttpClient;
use crate::executor::projection::Projector;
use crate::executor::{self, ExecCtx, ExecState};
use crate::operation::Prepared;
use crate::planner::defer::{DeferPlan, DeferredPart};
use crate::response::{DataJson, GraphQLError, PathElem, Response};

/// The payloads that follow the first one, as JSON texts, each with its `hasNext`.
pub type Payloads = BoxStream<'static, (Vec<u8>, bool)>;

/// What the deferred parts of one request share (owned: they outlive the first answer).
pub struct Deferred {
    pub engine: Arc<Engine>,
    pub prepared: Arc<Prepared>,
    pub plan: Arc<DeferPlan>,
    pub variables: Map<String, JsonValue>,
    pub headers: http::HeaderMap,
    pub identity: Identity,
    pub http: HttpClient,
    pub deadline: Option<Instant>,
}

struct Shared {
    req: Deferred,
    state: Mutex<ExecState>,
    /// Identities of the deferred fragments, left out of their parents' payloads.
    skip: ahash::AHashSet<usize>,
    /// The data as the client has it so far: a part is delivered only under objects the
    /// client has (not nulled by propagation, not under a skipped field).
    visible: Mutex<JsonValue>,
}

impl Shared {
    fn ctx(&self) -> ExecCtx<'_> {
        ExecCtx {
            supergraph: &self.req.engine.supergraph,
            client: self.req.engine.client(),
            http: &self.req.http,
            variables: &self.req.variables,
            headers: &self.req.headers,
            identity: &self.req.identity,
        }
    }

    fn projector(&self) -> Projector<'_> {
        Projector {
            supergraph: &self.req.engine.supergraph,
            document: &self.req.prepared.document,
            variables: &self.req.variables,
            introspection: None,
            denied: None,
            deferred: Some(&self.skip),
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Runs the primary part; the outcome's first answer is its data, `incremental` the rest.
pub async fn run(req: Deferred, extensions: Option<Map<String, JsonValue>>) -> Outcome {
    let skip = req.plan.parts.iter().map(|p| p.node).collect();
    let shared = Arc::new(Shared {
        req,
        state: Mutex::new(ExecState::root()),
        skip,
        visible: Mutex::new(JsonValue::Null),
    });
    if let Some(primary) = &shared.req.plan.primary {
        executor::execute_on(&shared.ctx(), &shared.state, primary).await;
    }
    let (body, errors) = {
        let mut st = lock(&shared.state);
        let mut errors = std::mem::take(&mut st.errors);
        let mut body = DataJson::buffer(shared.req.prepared.response_size_hint());
        let start = body.len();
        if let Some(operation) = shared.req.prepared.operation() {
            shared
                .projector()
                .project(operation, &st.data, &mut errors, &mut body);
        }
        *lock(&shared.visible) = serde_json::from_slice(&body[start..]).unwrap_or_default();
        (body, errors)
    };
    let running = FuturesUnordered::new();
    for (i, part) in shared.req.plan.parts.iter().enumerate() {
        if part.parent.is_none() {
            running.push(run_part(shared.clone(), i));
        }
    }
    let driver = Driver {
        shared,
        running,
        done: false,
    };
    Outcome {
        status: 200,
        response: Response {
            data: Some(DataJson::from_buffer(body)),
            errors,
            extensions,
        },
        incremental: Some(futures::stream::unfold(driver, Driver::next).boxed()),
    }
}

fn run_part(shared: Arc<Shared>, i: usize) -> futures::future::BoxFuture<'static, usize> {
    async move {
        if let Some(plan) = shared.req.plan.parts.get(i).and_then(|p| p.plan.as_ref()) {
            executor::execute_on(&shared.ctx(), &shared.state, plan).await;
        }
        i
    }
    .boxed()
}

struct Driver {
    shared: Arc<Shared>,
    running: FuturesUnordered<futures::future::BoxFuture<'static, usize>>,
    done: bool,
}

impl Driver {
    /// The next payload, once a part finishes with something to say (or the last one does).
    async fn next(mut self) -> Option<((Vec<u8>, bool), Self)> {
        loop {
            if self.done {
                return None;
            }
            let finished = match self.shared.req.deadline {
                Some(at) => {
                    tokio::time::timeout_at(tokio::time::Instant::from_std(at), self.running.next())
                        .await
                }
                None => Ok(self.running.next().await),
            };
            let Ok(finished) = finished else {
                self.done = true;
                return Some(((timed_out(), false), self));
            };
            let Some(i) = finished else {
                self.done = true;
                return Some(((payload(false, &[], Vec::new()), false), self));
            };
            let items = self.deliver(i);
            if !items.is_empty() {
                for (j, part) in self.shared.req.plan.parts.iter().enumerate() {
                    if part.parent == Some(i) {
                        self.running.push(run_part(self.shared.clone(), j));
                    }
                }
            }
            let has_next = !self.running.is_empty();
            let leftover = if has_next {
                Vec::new()
            } else {
                std::mem::take(&mut lock(&self.shared.state).errors)
            };
            if items.is_empty() && leftover.is_empty() && has_next {
                continue;
            }
            self.done = !has_next;
            return Some(((payload(has_next, &items, leftover), has_next), self));
        }
    }

    /// Part `i`'s incremental items (JSON texts): one per object it is delivered under.
    fn deliver(&self, i: usize) -> Vec<Vec<u8>> {
        let shared = &self.shared;
        let Some(part) = shared.req.plan.parts.get(i) else {
            return Vec::new();
        };
        let sg = &*shared.req.engine.supergraph;
        let doc = &shared.req.prepared.document;
        let Some(set) = fragment_set(doc, part.node) else {
            return Vec::new();
        };
        let mut st = lock(&shared.state);
        let mut visible = lock(&shared.visible);
        let targets: Vec<Vec<PathElem>> = executor::paths_of(sg, &st.data, &part.path)
            .into_iter()
            .filter(|p| object_in(&visible, p).is_some())
            .collect();
        // This part's fetch errors: under its objects, or on the way to them.
        let (mut mine, rest): (Vec<_>, Vec<_>) =
            std::mem::take(&mut st.errors).into_iter().partition(|e| {
                e.path
                    .as_ref()
                    .is_some_and(|p| targets.iter().any(|t| p.starts_with(t) || t.starts_with(p)))
            });
        st.errors = rest;
        let projector = shared.projector();
        let mut delivered: Vec<(&[PathElem], Vec<u8>, Vec<GraphQLError>)> = Vec::new();
        for path in &targets {
            let Some(obj) = executor::object_at(&st.data, path) else {
                continue;
            };
            let runtime = obj
                .get("__typename")
                .and_then(executor::value::Value::as_str)
                .unwrap_or(&part.type_name);
            if !sg.type_matches(runtime, &part.type_name) {
                continue;
            }
            let mut errors = Vec::new();
            let mut data = Vec::new();
            projector.project_part(runtime, set, obj, path, &mut errors, &mut data);
            let (under, others): (Vec<_>, Vec<_>) = mine
                .into_iter()
                .partition(|e| e.path.as_ref().is_some_and(|p| p.starts_with(path)));
            mine = others;
            errors.extend(under);
            if let Ok(value) = serde_json::from_slice::<JsonValue>(&data) {
                merge_at(&mut visible, path, value);
            }
            delivered.push((path, data, errors));
        }
        // Errors on the way to its objects (e.g. the anchor's failed fetch) go with the first.
        match delivered.first_mut() {
            Some(first) => first.2.append(&mut mine),
            None => st.errors.append(&mut mine),
        }
        delivered
            .iter()
            .map(|(path, data, errors)| item(part, data, path, errors))
            .collect()
    }
}

/// The selection set of a deferred fragment of `doc`, by identity.
fn fragment_set(
    doc: &apollo_compiler::executable::ExecutableDocument,
    node: usize,
) -> Option<&apollo_compiler::executable::SelectionSet> {
    use crate::planner::defer::tree::{inline_addr, spread_addr};
    use apollo_compiler::executable::{Selection, SelectionSet};
    fn find<'d>(
        doc: &'d apollo_compiler::executable::ExecutableDocument,
        set: &'d SelectionSet,
        node: usize,
    ) -> Option<&'d SelectionSet> {
        set.selections.iter().find_map(|s| match s {
            Selection::Field(f) => find(doc, &f.selection_set, node),
            Selection::InlineFragment(i) if inline_addr(i) == node => Some(&i.selection_set),
            Selection::InlineFragment(i) => find(doc, &i.selection_set, node),
            Selection::FragmentSpread(s) if spread_addr(s) == node => doc
                .fragments
                .get(&s.fragment_name)
                .map(|f| &f.selection_set),
            Selection::FragmentSpread(_) => None,
        })
    }
    doc.operations
        .iter()
        .map(|op| &op.selection_set)
        .chain(doc.fragments.values().map(|f| &f.selection_set))
        .find_map(|set| find(doc, set, node))
}

fn object_in<'v>(value: &'v JsonValue, path: &[PathElem]) -> Option<&'v Map<String, JsonValue>> {
    let mut at = value;
    for elem in path {
        at = match elem {
            PathElem::Key(k) => at.get(k.as_str())?,
            PathElem::Index(i) => at.get(*i)?,
        };
    }
    at.as_object()
}

/// Merges a delivered fragment's data into the client's view.
fn merge_at(view: &mut JsonValue, path: &[PathElem], data: JsonValue) {
    let mut at = view;
    for elem in path {
        let next = match elem {
            PathElem::Key(k) => at.get_mut(k.as_str()),
            PathElem::Index(i) => at.get_mut(*i),
        };
        let Some(next) = next else { return };
        at = next;
    }
    deep_merge(at, data);
}

fn deep_merge(target: &mut JsonValue, source: JsonValue) {
    match (target, source) {
        (JsonValue::Object(t), JsonValue::Object(s)) => {
            for (k, v) in s {
                match t.get_mut(&k) {
                    Some(existing) => deep_merge(existing, v),
                    None => {
                        t.insert(k, v);
                    }
                }
            }
        }
        (JsonValue::Array(t), JsonValue::Array(s)) if t.len() == s.len() => {
            for (existing, v) in t.iter_mut().zip(s) {
                deep_merge(existing, v);
            }
        }
        (t, s) => *t = s,
    }
}

fn item(part: &DeferredPart, data: &[u8], path: &[PathElem], errors: &[GraphQLError]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + 64);
    out.extend_from_slice(b"{\"data\":");
    out.extend_from_slice(data);
    out.extend_from_slice(b",\"path\":");
    let _ = serde_json::to_writer(&mut out, path);
    if let Some(label) = &part.label {
        out.extend_from_slice(b",\"label\":");
        let _ = serde_json::to_writer(&mut out, label);
    }
    if !errors.is_empty() {
        out.extend_from_slice(b",\"errors\":");
        let _ = serde_json::to_writer(&mut out, errors);
    }
    out.push(b'}');
    out
}

/// A subsequent payload; `errors` no part claimed go in an item of their own at the root.
fn payload(has_next: bool, items: &[Vec<u8>], errors: Vec<GraphQLError>) -> Vec<u8> {
    let mut out = Vec::with_capacity(items.iter().map(Vec::len).sum::<usize>() + 48);
    out.extend_from_slice(if has_next {
        b"{\"hasNext\":true"
    } else {
        b"{\"hasNext\":false"
    });
    if !items.is_empty() || !errors.is_empty() {
        out.extend_from_slice(b",\"incremental\":[");
        for (n, it) in items.iter().enumerate() {
            if n > 0 {
                out.push(b',');
            }
            out.extend_from_slice(it);
        }
        if !errors.is_empty() {
            if !items.is_empty() {
                out.push(b',');
            }
            out.extend_from_slice(b"{\"path\":[],\"errors\":");
            let _ = serde_json::to_writer(&mut out, &errors);
            out.push(b'}');
        }
        out.push(b']');
    }
    out.push(b'}');
    out
}

/// The last payload when the request's deadline passes with parts still running.
fn timed_out() -> Vec<u8> {
    let error = GraphQLError::coded(
        "the request's deadline passed before its deferred parts completed",
        "GATEWAY_TIMEOUT",
    );
    payload(false, &[], vec![error])
}
