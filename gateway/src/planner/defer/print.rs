//! Prints the parts of a deferred operation as GraphQL text for the planner: the primary
//! part without the deferred fragments, and each deferred fragment wrapped in the
//! selections that lead to it from its anchor.

use super::tree::{Node, Tree};

/// Appends `{ … }` of `nodes` to `out`, leaving out the fragments deferred in `active`;
/// a selection set left empty gets `__typename` (an empty one is not GraphQL).
pub fn selection_set(nodes: &[Node], active: &[bool], out: &mut String) {
    out.push('{');
    let start = out.len();
    for node in nodes {
        match node {
            Node::Field { head, children, .. } => {
                out.push(' ');
                out.push_str(head);
                if !children.is_empty() {
                    out.push(' ');
                    selection_set(children, active, out);
                }
            }
            Node::Fragment {
                on,
                directives,
                defer,
                children,
            } => {
                if defer.is_some_and(|d| active.get(d).copied().unwrap_or(false)) {
                    continue;
                }
                fragment_head(on.as_deref(), directives, out);
                selection_set(children, active, out);
            }
            Node::Text(text) => {
                out.push(' ');
                out.push_str(text);
            }
        }
    }
    if out.len() == start {
        out.push_str(" __typename");
    }
    out.push_str(" }");
}

fn fragment_head(on: Option<&str>, directives: &str, out: &mut String) {
    out.push_str(" ...");
    if let Some(on) = on {
        out.push_str(" on ");
        out.push_str(on);
    }
    out.push_str(directives);
    out.push(' ');
}

/// The primary part's operation.
pub fn primary(tree: &Tree, active: &[bool]) -> String {
    let mut out = String::from(if tree.is_mutation {
        "mutation"
    } else {
        "query"
    });
    out.push_str(&tree.variables);
    out.push(' ');
    selection_set(&tree.root, active, &mut out);
    out
}

/// A deferred fragment's operation: the selections on the route from the anchor (exclusive,
/// `anchor` route elements deep) down to the fragment, then the fragment itself (without
/// `@defer`, its own deferred fragments left out), under `root_field` when given.
pub fn part(
    tree: &Tree,
    route: &[usize],
    anchor: usize,
    root_field: Option<&str>,
    active: &[bool],
) -> String {
    let mut out = String::from("query");
    out.push_str(&tree.variables);
    out.push_str(" {");
    if let Some(field) = root_field {
        out.push(' ');
        out.push_str(field);
        out.push_str(" {");
    }
    let mut closing = 0;
    for depth in anchor + 1..=route.len() {
        let Some(node) = tree.node(&route[..depth]) else {
            break;
        };
        match node {
            Node::Field { head, .. } => {
                out.push(' ');
                out.push_str(head);
                out.push_str(" {");
                closing += 1;
            }
            Node::Fragment {
                on,
                directives,
                children,
                ..
            } => {
                fragment_head(on.as_deref(), directives, &mut out);
                if depth == route.len() {
                    selection_set(children, active, &mut out);
                } else {
                    out.push('{');
                    closing += 1;
                }
            }
            Node::Text(_) => {}
        }
    }
    for _ in 0..closing {
        out.push_str(" }");
    }
    if root_field.is_some() {
        out.push_str(" }");
    }
    out.push_str(" }");
    out
}
