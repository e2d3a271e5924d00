//! Plans `@defer` (which the upstream planner cannot): the primary part is the operation
//! without its deferred fragments, and each deferred fragment is planned as a follow-up
//! rooted at the nearest entity on its path, fetched by key. No I/O here.
//!
//! A fragment's anchor is the closest object on its path (itself included) whose type some
//! subgraph resolves by key; the planner plans `{ _crowdcrunch_defer_T { …route… { fragment } } }`
//! on the supergraph plus that planning-only root field ([`entities`]), and [`rebase`] turns the
//! root fetch into an `_entities` fetch of the anchored objects, adding the key (and any
//! `@requires` input) the representations read to the part that fetches the anchor. A
//! fragment with no entity above it is planned from the query root (queries only: a
//! mutation's root fields never run twice; such a fragment is answered with its parent).
//! Parts are planned innermost first, so each part's keys join the part that holds its anchor.

mod entities;
mod print;
mod rebase;
#[cfg(test)]
mod tests;
pub mod tree;

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde::Serialize;
use serde_json::{Map, Value};

use super::plan::{PathSegment, PlanNode};
use super::PlanError;
use crate::supergraph::Supergraph;
pub use entities::Entities;
use tree::{Condition, Node, Tree};

/// Planned deferral plans kept per operation (one per set of deferred fragments that
/// `if:` variables switched on).
const PLANS_PER_OPERATION: usize = 16;

/// What deferral needs of a supergraph, built the first time an operation defers.
pub struct Deferral {
    pub entities: Entities,
    pub planner: hive_router_query_planner::planner::Planner,
}

impl Deferral {
    pub fn new(
        planner: &hive_router_query_planner::planner::Planner,
        schema: &graphql_tools::static_graphql::schema::Document,
    ) -> Result<Self, String> {
        let entities = Entities::from_planner(planner);
        let planner = entities.planner(schema, &planner.supergraph.query_type)?;
        Ok(Self { entities, planner })
    }
}

/// An operation with deferred fragments: its selection tree and its plans.
pub struct Deferrable {
    tree: Tree,
    plans: Mutex<lru::LruCache<u32, Arc<DeferPlan>>>,
}

/// The parts of one deferred run.
#[derive(Debug, Serialize)]
pub struct DeferPlan {
    /// The primary part's operation, as planned.
    pub primary_operation: String,
    pub primary: Option<PlanNode>,
    /// Deferred parts, parents before their children.
    pub parts: Vec<DeferredPart>,
}

/// One deferred fragment.
#[derive(Debug, Serialize)]
pub struct DeferredPart {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// The part that must be delivered first (`None`: the primary).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent: Option<usize>,
    /// Where the fragment's objects are in the response.
    pub path: Vec<PathSegment>,
    /// The fragment's type (its condition, else its parent's type).
    pub type_name: String,
    /// The client's fragment (see [`tree::Defer::node`]).
    #[serde(skip)]
    pub node: usize,
    pub operation: String,
    pub plan: Option<PlanNode>,
}

impl Deferrable {
    /// `None` when the operation has no fragment that may be deferred.
    pub fn new(
        doc: &apollo_compiler::executable::ExecutableDocument,
        operation: &apollo_compiler::executable::Operation,
    ) -> Option<Self> {
        let tree = Tree::build(doc, operation)?;
        let cap = NonZeroUsize::new(PLANS_PER_OPERATION).unwrap_or(NonZeroUsize::MIN);
        Some(Self {
            tree,
            plans: Mutex::new(lru::LruCache::new(cap)),
        })
    }

    /// The plan for a request with these (coerced) variables; `None` when `if:` turns every
    /// deferred fragment off.
    pub fn plan(
        &self,
        sg: &Supergraph,
        variables: &Map<String, Value>,
        deadline: Option<Instant>,
    ) -> Result<Option<Arc<DeferPlan>>, PlanError> {
        let active: Vec<bool> = self
            .tree
            .defers
            .iter()
            .map(|d| match &d.condition {
                Condition::Always => true,
                Condition::Variable(v) => variables.get(v) != Some(&Value::Bool(false)),
            })
            .collect();
        if !active.contains(&true) {
            return Ok(None);
        }
        let mask = active
            .iter()
            .enumerate()
            .fold(0u32, |m, (i, on)| if *on { m | (1 << i) } else { m });
        if let Some(hit) = self.lock().get(&mask) {
            return Ok(Some(hit.clone()));
        }
        let deferral = sg.deferral().map_err(PlanError::Failed)?;
        let plan = Arc::new(plan(&self.tree, active, sg, deferral, deadline)?);
        self.lock().put(mask, plan.clone());
        Ok(Some(plan))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, lru::LruCache<u32, Arc<DeferPlan>>> {
        self.plans.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Where a deferred part's plan starts.
struct Anchor {
    /// Route elements down to the anchor's field (0: the root).
    depth: usize,
    /// The entity type fetched by key; `None` at the root.
    entity: Option<String>,
    path: Vec<PathSegment>,
}

fn plan(
    tree: &Tree,
    mut active: Vec<bool>,
    sg: &Supergraph,
    deferral: &Deferral,
    deadline: Option<Instant>,
) -> Result<DeferPlan, PlanError> {
    let mut tree = tree.clone();
    let count = tree.defers.len();
    let anchors: Vec<Option<Anchor>> = (0..count)
        .map(|i| anchor(&tree, i, &deferral.entities))
        .collect();
    for (on, anchor) in active.iter_mut().zip(&anchors) {
        *on &= anchor.is_some();
    }
    let failed = |e: String| PlanError::Failed(e);
    let mut parts: Vec<Option<DeferredPart>> = (0..count).map(|_| None).collect();
    // Innermost first: a fragment's index is larger than its enclosing fragments'.
    for i in (0..count).rev() {
        let (true, Some(anchor)) = (active[i], &anchors[i]) else {
            continue;
        };
        let route = tree.defers[i].route.clone();
        let root_field = anchor
            .entity
            .as_ref()
            .map(|e| format!("{}{e}", entities::ROOT_PREFIX));
        let text = print::part(&tree, &route, anchor.depth, root_field.as_deref(), &active);
        let planner = match root_field {
            Some(_) => &deferral.planner,
            None => &sg.planner,
        };
        let planned = super::plan(planner, &text, None, deadline)?;
        let rebased = match (planned, &anchor.entity, &root_field) {
            (Some(p), Some(entity), Some(field)) => {
                rebase::rebase(p, field, entity, &anchor.path, &deferral.entities)
                    .map_err(failed)?
            }
            (planned, _, _) => rebase::Rebased {
                plan: planned,
                requires: Vec::new(),
            },
        };
        if !rebased.requires.is_empty() {
            let mut text = String::from("__typename");
            rebase::print(&rebased.requires, &mut text);
            if let Some(list) = tree.children_mut(&route[..anchor.depth]) {
                list.push(Node::Text(text));
            }
        }
        // The fragment's type condition is checked against `__typename`.
        if let Some(list) = tree.children_mut(&route[..route.len() - 1]) {
            list.push(Node::Text("__typename".into()));
        }
        let defer = &tree.defers[i];
        let (path, type_name) = path_to(&tree, &route, route.len());
        parts[i] = Some(DeferredPart {
            label: defer.label.clone(),
            parent: None,
            path,
            type_name,
            node: defer.node,
            operation: text,
            plan: rebased.plan,
        });
    }
    let primary_operation = print::primary(&tree, &active);
    let primary = super::plan(&sg.planner, &primary_operation, None, deadline)?;
    // Keep the active parts, parents pointing at the nearest active enclosing fragment.
    let mut index = vec![None; count];
    let mut kept = Vec::new();
    for i in 0..count {
        let Some(mut part) = parts[i].take() else {
            continue;
        };
        let route = &tree.defers[i].route;
        part.parent = (0..i)
            .rev()
            .filter(|j| index[*j].is_some())
            .find(|j| route.starts_with(&tree.defers[*j].route))
            .and_then(|j| index[j]);
        index[i] = Some(kept.len());
        kept.push(part);
    }
    Ok(DeferPlan {
        primary_operation,
        primary,
        parts: kept,
    })
}

/// The response path of the objects `depth` route elements down, and their type.
fn path_to(tree: &Tree, route: &[usize], depth: usize) -> (Vec<PathSegment>, String) {
    let mut path = Vec::new();
    let mut ty = tree.root_type.clone();
    for d in 1..=depth {
        match tree.node(&route[..d]) {
            Some(Node::Field { key, ty: t, .. }) => {
                path.push(PathSegment::Field(key.clone()));
                ty = t.clone();
            }
            Some(Node::Fragment { on: Some(on), .. }) => {
                if *on != ty {
                    path.push(PathSegment::TypeCondition(vec![on.clone()]));
                }
                ty = on.clone();
            }
            _ => {}
        }
    }
    (path, ty)
}

/// The closest anchor of deferred fragment `i` (see the module comment).
fn anchor(tree: &Tree, i: usize, entities: &Entities) -> Option<Anchor> {
    let route = &tree.defers[i].route;
    for depth in (0..route.len()).rev() {
        if depth == 0 {
            return (!tree.is_mutation).then_some(Anchor {
                depth: 0,
                entity: None,
                path: Vec::new(),
            });
        }
        if !matches!(tree.node(&route[..depth]), Some(Node::Field { .. })) {
            continue;
        }
        // The object's type, narrowed by the fragments right below it.
        let mut end = depth;
        while end < route.len() && matches!(tree.node(&route[..=end]), Some(Node::Fragment { .. }))
        {
            end += 1;
        }
        let entity = (depth..=end)
            .rev()
            .map(|d| path_to(tree, route, d))
            .find(|(_, ty)| entities.is_entity(ty));
        if let Some((path, ty)) = entity {
            return Some(Anchor {
                depth,
                entity: Some(ty),
                path,
            });
        }
    }
    None
}
