//! Which selections of one prepared operation carry a requirement (found once, when the
//! operation is prepared), which of those a request fails, and the filtered plans per set of
//! failed requirements.

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};

use ahash::AHashSet;
use apollo_compiler::executable::{ExecutableDocument, Operation, Selection, SelectionSet};
use apollo_compiler::Name;
use crowdcrunch_auth::Claims;

use super::filter::{self, Filtered};
use super::{PolicyEvaluator, SchemaRules};
use crate::operation::RequestFailure;
use crate::supergraph::Supergraph;

/// Filtered plans kept per operation: one per distinct set of failed requirements seen
/// (anonymous, each kind of token…); few in practice, bounded regardless.
const FILTERED_PER_OPERATION: usize = 16;

/// A selection that carries a requirement.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Node {
    /// A field selection, by the address of its node in the prepared document.
    Field(usize),
    /// An inline fragment with a type condition, by address.
    Inline(usize),
    /// Every spread of this named fragment (its type condition).
    Fragment(Name),
}

/// The authorization facts of one prepared operation.
pub struct OperationAuth {
    /// Selections with a requirement, and the requirement's id in [`SchemaRules`].
    checks: Vec<(Node, usize)>,
    /// The distinct requirement ids of `checks`.
    used: Vec<usize>,
    filtered: Mutex<lru::LruCache<Vec<usize>, Arc<Filtered>>>,
}

impl OperationAuth {
    /// Finds the selections of `operation` (and the fragments it uses) that carry a
    /// requirement; nothing to do when the supergraph has no directives.
    pub fn analyze(rules: &SchemaRules, doc: &ExecutableDocument, operation: &Operation) -> Self {
        let mut checks = Vec::new();
        if !rules.is_empty() {
            let mut seen = AHashSet::new();
            walk(rules, doc, &operation.selection_set, &mut checks, &mut seen);
        }
        let mut used: Vec<usize> = checks.iter().map(|(_, id)| *id).collect();
        used.sort_unstable();
        used.dedup();
        let cap = NonZeroUsize::new(FILTERED_PER_OPERATION).unwrap_or(NonZeroUsize::MIN);
        Self {
            checks,
            used,
            filtered: Mutex::new(lru::LruCache::new(cap)),
        }
    }

    /// Whether no selection of the operation carries a requirement.
    pub fn is_empty(&self) -> bool {
        self.checks.is_empty()
    }

    /// The ids of the requirements this request fails (sorted; empty: all met).
    pub fn failed(
        &self,
        rules: &SchemaRules,
        claims: Option<&Claims>,
        policies: &dyn PolicyEvaluator,
    ) -> Vec<usize> {
        self.used
            .iter()
            .copied()
            .filter(|id| {
                rules
                    .reqs
                    .get(*id)
                    .is_some_and(|req| !req.allows(claims, policies))
            })
            .collect()
    }

    /// The operation without the selections these failed requirements close, planned;
    /// cached per set of failed requirements.
    pub fn filtered(
        &self,
        sg: &Supergraph,
        doc: &ExecutableDocument,
        operation: &Operation,
        failed: Vec<usize>,
    ) -> Result<Arc<Filtered>, RequestFailure> {
        if let Some(hit) = self.lock().get(&failed) {
            return Ok(hit.clone());
        }
        let closed: AHashSet<&Node> = self
            .checks
            .iter()
            .filter(|(_, id)| failed.binary_search(id).is_ok())
            .map(|(node, _)| node)
            .collect();
        let filtered = Arc::new(filter::build(sg, doc, operation, &closed)?);
        self.lock().put(failed, filtered.clone());
        Ok(filtered)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, lru::LruCache<Vec<usize>, Arc<Filtered>>> {
        self.filtered.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn walk(
    rules: &SchemaRules,
    doc: &ExecutableDocument,
    set: &SelectionSet,
    checks: &mut Vec<(Node, usize)>,
    seen_fragments: &mut AHashSet<Name>,
) {
    for selection in &set.selections {
        match selection {
            Selection::Field(f) => {
                if let Some(id) = rules.field(&set.ty, &f.name) {
                    checks.push((Node::Field(filter::field_addr(f)), id));
                }
                walk(rules, doc, &f.selection_set, checks, seen_fragments);
            }
            Selection::InlineFragment(inline) => {
                let id = inline
                    .type_condition
                    .as_ref()
                    .and_then(|c| rules.type_condition(c));
                if let Some(id) = id {
                    checks.push((Node::Inline(filter::inline_addr(inline)), id));
                }
                walk(rules, doc, &inline.selection_set, checks, seen_fragments);
            }
            Selection::FragmentSpread(spread) => {
                if !seen_fragments.insert(spread.fragment_name.clone()) {
                    continue;
                }
                let Some(fragment) = doc.fragments.get(&spread.fragment_name) else {
                    continue;
                };
                if let Some(id) = rules.type_condition(fragment.type_condition()) {
                    checks.push((Node::Fragment(spread.fragment_name.clone()), id));
                }
                walk(rules, doc, &fragment.selection_set, checks, seen_fragments);
            }
        }
    }
}
