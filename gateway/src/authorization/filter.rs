//! Removes the selections a request may not make: the closed ones, and any field, fragment
//! or selection set left with nothing in it. Yields the planned rest and the set of removed
//! selections the response writer answers with `null` and an error.

use ahash::{AHashMap, AHashSet};
use apollo_compiler::executable::{
    ExecutableDocument, Field, InlineFragment, Operation, OperationMap, Selection, SelectionSet,
};
use apollo_compiler::{Name, Node as AstNode};

use super::analysis::Node;
use crate::operation::RequestFailure;
use crate::planner::PlanNode;
use crate::supergraph::Supergraph;

/// A field selection's identity while its document lives (prepared documents are shared,
/// never copied).
pub fn field_addr(f: &Field) -> usize {
    f as *const Field as usize
}

/// An inline fragment's identity, likewise.
pub fn inline_addr(inline: &InlineFragment) -> usize {
    inline as *const InlineFragment as usize
}

/// The selections removed for one set of failed requirements.
#[derive(Debug, Default)]
pub struct Denied {
    fields: AHashSet<usize>,
    inlines: AHashSet<usize>,
    fragments: AHashSet<Name>,
}

impl Denied {
    pub fn field(&self, f: &Field) -> bool {
        self.fields.contains(&field_addr(f))
    }

    pub fn inline(&self, inline: &InlineFragment) -> bool {
        self.inlines.contains(&inline_addr(inline))
    }

    pub fn fragment(&self, name: &Name) -> bool {
        self.fragments.contains(name)
    }
}

/// A filtered operation: its plan (`None`: nothing left to fetch) and what was removed.
pub struct Filtered {
    pub plan: Option<PlanNode>,
    pub denied: Denied,
}

pub(super) fn build(
    sg: &Supergraph,
    doc: &ExecutableDocument,
    operation: &Operation,
    closed: &AHashSet<&Node>,
) -> Result<Filtered, RequestFailure> {
    let mut pass = Pass {
        doc,
        closed,
        denied: Denied::default(),
        fragments_done: AHashMap::new(),
    };
    pass.all_removed(&operation.selection_set);
    let denied = pass.denied;
    let selection_set = filter_set(&denied, &operation.selection_set);
    if selection_set.selections.is_empty() {
        return Ok(Filtered { plan: None, denied });
    }
    let mut op = operation.clone();
    op.selection_set = selection_set;
    let mut filtered = ExecutableDocument::new();
    let mut used = Vec::new();
    spreads(&op.selection_set, doc, &denied, &mut used);
    for name in used {
        if let Some(fragment) = doc.fragments.get(&name) {
            let mut fragment = fragment.clone();
            let set = filter_set(&denied, &fragment.selection_set);
            fragment.make_mut().selection_set = set;
            filtered.fragments.insert(name, fragment);
        }
    }
    let name = op.name.as_ref().map(|n| n.to_string());
    filtered.operations = OperationMap::from_one(op);
    let text = filtered.to_string();
    // Smaller than the operation already planned in full, so no deadline of its own.
    let plan = crate::planner::plan(&sg.planner, &text, name.as_deref(), None)?;
    Ok(Filtered { plan, denied })
}

struct Pass<'a> {
    doc: &'a ExecutableDocument,
    closed: &'a AHashSet<&'a Node>,
    denied: Denied,
    /// Named fragments already judged: whether all of their selections were removed.
    fragments_done: AHashMap<Name, bool>,
}

impl Pass<'_> {
    /// Judges every selection of `set`; true when none is left.
    fn all_removed(&mut self, set: &SelectionSet) -> bool {
        let mut all = true;
        for selection in &set.selections {
            all &= self.removed(selection);
        }
        all
    }

    fn removed(&mut self, selection: &Selection) -> bool {
        match selection {
            Selection::Field(f) => {
                let key = field_addr(f);
                let gone = self.closed.contains(&Node::Field(key))
                    || (!f.selection_set.selections.is_empty()
                        && self.all_removed(&f.selection_set));
                if gone {
                    self.denied.fields.insert(key);
                }
                gone
            }
            Selection::InlineFragment(inline) => {
                let key = inline_addr(inline);
                let gone = self.closed.contains(&Node::Inline(key))
                    || self.all_removed(&inline.selection_set);
                if gone {
                    self.denied.inlines.insert(key);
                }
                gone
            }
            Selection::FragmentSpread(spread) => {
                let name = &spread.fragment_name;
                if let Some(done) = self.fragments_done.get(name) {
                    return *done;
                }
                let gone = self.closed.contains(&Node::Fragment(name.clone()))
                    || match self.doc.fragments.get(name) {
                        Some(fragment) => self.all_removed(&fragment.selection_set),
                        None => true,
                    };
                self.fragments_done.insert(name.clone(), gone);
                if gone {
                    self.denied.fragments.insert(name.clone());
                }
                gone
            }
        }
    }
}

fn removed(denied: &Denied, selection: &Selection) -> bool {
    match selection {
        Selection::Field(f) => denied.field(f),
        Selection::InlineFragment(inline) => denied.inline(inline),
        Selection::FragmentSpread(spread) => denied.fragment(&spread.fragment_name),
    }
}

/// `set` without its removed selections, at every depth.
fn filter_set(denied: &Denied, set: &SelectionSet) -> SelectionSet {
    let selections = set
        .selections
        .iter()
        .filter(|s| !removed(denied, s))
        .map(|s| match s {
            Selection::Field(f) if !f.selection_set.selections.is_empty() => {
                let mut f: AstNode<Field> = f.clone();
                let inner = filter_set(denied, &f.selection_set);
                f.make_mut().selection_set = inner;
                Selection::Field(f)
            }
            Selection::InlineFragment(inline) => {
                let mut inline = inline.clone();
                let inner = filter_set(denied, &inline.selection_set);
                inline.make_mut().selection_set = inner;
                Selection::InlineFragment(inline)
            }
            other => other.clone(),
        })
        .collect();
    SelectionSet {
        ty: set.ty.clone(),
        selections,
    }
}

/// Names of the fragments a (filtered) selection set still spreads, transitively.
fn spreads(set: &SelectionSet, doc: &ExecutableDocument, denied: &Denied, out: &mut Vec<Name>) {
    for selection in &set.selections {
        match selection {
            Selection::Field(f) => spreads(&f.selection_set, doc, denied, out),
            Selection::InlineFragment(i) => spreads(&i.selection_set, doc, denied, out),
            Selection::FragmentSpread(s) => {
                if out.contains(&s.fragment_name) {
                    continue;
                }
                out.push(s.fragment_name.clone());
                if let Some(fragment) = doc.fragments.get(&s.fragment_name) {
                    let inner = filter_set(denied, &fragment.selection_set);
                    spreads(&inner, doc, denied, out);
                }
            }
        }
    }
}
