//! The client operation as a tree of printable selections (named fragments inlined), with
//! its `@defer` fragments marked, so that each part of a deferred operation can be printed.

use apollo_compiler::ast::Value;
use apollo_compiler::executable::{
    DirectiveList, ExecutableDocument, Operation, Selection, SelectionSet,
};

/// Deferred fragments beyond this many (in document order) are answered with their parent:
/// each one costs a planning run, and `@defer` is only a hint (the spec lets a server ignore it).
pub const MAX_DEFERS: usize = 32;

/// One selection of the tree.
#[derive(Debug, Clone)]
pub enum Node {
    Field {
        /// `alias: name(args) @directives`, as the client wrote it.
        head: String,
        /// Response key.
        key: String,
        /// The field's named type.
        ty: String,
        children: Vec<Node>,
    },
    /// An inline fragment, or a named fragment's spread written as one.
    Fragment {
        on: Option<String>,
        /// Its directives except `@defer`.
        directives: String,
        /// Index into [`Tree::defers`] when it is deferred.
        defer: Option<usize>,
        children: Vec<Node>,
    },
    /// Selections the gateway adds (keys, `__typename`).
    Text(String),
}

impl Node {
    pub fn children(&self) -> &[Node] {
        match self {
            Node::Field { children, .. } | Node::Fragment { children, .. } => children,
            Node::Text(_) => &[],
        }
    }

    pub fn children_mut(&mut self) -> Option<&mut Vec<Node>> {
        match self {
            Node::Field { children, .. } | Node::Fragment { children, .. } => Some(children),
            Node::Text(_) => None,
        }
    }
}

/// When a deferred fragment is deferred.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    Always,
    /// `if: $name`: when the variable is not false.
    Variable(String),
}

/// One `@defer` fragment of the tree.
#[derive(Debug, Clone)]
pub struct Defer {
    pub label: Option<String>,
    pub condition: Condition,
    /// Identity of the client's fragment (inline fragment or spread) in the prepared
    /// document, which lives as long as the plan (see `authorization::filter::field_addr`).
    pub node: usize,
    /// Child indices from the root down to the fragment.
    pub route: Vec<usize>,
}

/// An operation's selections plus what the parts' texts need.
#[derive(Debug, Clone)]
pub struct Tree {
    pub root: Vec<Node>,
    pub root_type: String,
    pub is_mutation: bool,
    /// `($a: Int, …)` or empty.
    pub variables: String,
    pub defers: Vec<Defer>,
}

impl Tree {
    /// The tree of `operation`, `None` when it has no fragment that may be deferred.
    pub fn build(doc: &ExecutableDocument, operation: &Operation) -> Option<Tree> {
        let mut defers = Vec::new();
        let mut route = Vec::new();
        let root = build_set(doc, &operation.selection_set, &mut defers, &mut route);
        if defers.is_empty() {
            return None;
        }
        let variables = if operation.variables.is_empty() {
            String::new()
        } else {
            let defs: Vec<String> = operation.variables.iter().map(|v| v.to_string()).collect();
            format!("({})", defs.join(", "))
        };
        Some(Tree {
            root,
            root_type: operation.selection_set.ty.to_string(),
            is_mutation: operation.operation_type
                == apollo_compiler::executable::OperationType::Mutation,
            variables,
            defers,
        })
    }

    /// The node at `route` (empty: none).
    pub fn node(&self, route: &[usize]) -> Option<&Node> {
        let (first, rest) = route.split_first()?;
        let mut node = self.root.get(*first)?;
        for i in rest {
            node = node.children().get(*i)?;
        }
        Some(node)
    }

    /// The children list under `route` (empty route: the root's).
    pub fn children_mut(&mut self, route: &[usize]) -> Option<&mut Vec<Node>> {
        let mut list = &mut self.root;
        for i in route {
            list = list.get_mut(*i)?.children_mut()?;
        }
        Some(list)
    }
}

/// Fragment spreads nest at most as deep as validation allows (no cycles), and the
/// operation limits bound how many fields the inlining yields.
fn build_set(
    doc: &ExecutableDocument,
    set: &SelectionSet,
    defers: &mut Vec<Defer>,
    route: &mut Vec<usize>,
) -> Vec<Node> {
    let mut out = Vec::with_capacity(set.selections.len());
    for selection in &set.selections {
        route.push(out.len());
        let node = match selection {
            Selection::Field(f) => {
                let mut head = String::new();
                if let Some(alias) = &f.alias {
                    head.push_str(alias);
                    head.push_str(": ");
                }
                head.push_str(&f.name);
                if !f.arguments.is_empty() {
                    let args: Vec<String> = f
                        .arguments
                        .iter()
                        .map(|a| format!("{}: {}", a.name, a.value))
                        .collect();
                    head.push('(');
                    head.push_str(&args.join(", "));
                    head.push(')');
                }
                head.push_str(&directives(&f.directives));
                Node::Field {
                    head,
                    key: f.response_key().to_string(),
                    ty: f.ty().inner_named_type().to_string(),
                    children: build_set(doc, &f.selection_set, defers, route),
                }
            }
            Selection::InlineFragment(inline) => {
                let defer = mark(&inline.directives, inline_addr(inline), defers, route);
                Node::Fragment {
                    on: inline.type_condition.as_ref().map(|t| t.to_string()),
                    directives: directives(&inline.directives),
                    defer,
                    children: build_set(doc, &inline.selection_set, defers, route),
                }
            }
            Selection::FragmentSpread(spread) => {
                let Some(fragment) = doc.fragments.get(&spread.fragment_name) else {
                    route.pop();
                    continue;
                };
                let addr = &**spread as *const _ as usize;
                let defer = mark(&spread.directives, addr, defers, route);
                Node::Fragment {
                    on: Some(fragment.type_condition().to_string()),
                    directives: directives(&spread.directives),
                    defer,
                    children: build_set(doc, &fragment.selection_set, defers, route),
                }
            }
        };
        route.pop();
        out.push(node);
    }
    out
}

/// Identity of an inline fragment of the prepared document.
pub fn inline_addr(inline: &apollo_compiler::executable::InlineFragment) -> usize {
    inline as *const _ as usize
}

/// Identity of a fragment spread of the prepared document.
pub fn spread_addr(spread: &apollo_compiler::executable::FragmentSpread) -> usize {
    spread as *const _ as usize
}

/// Records a `@defer` that may apply (not `if: false`, within [`MAX_DEFERS`]).
fn mark(
    list: &DirectiveList,
    node: usize,
    defers: &mut Vec<Defer>,
    route: &[usize],
) -> Option<usize> {
    let directive = list.get("defer")?;
    let condition = match directive
        .specified_argument_by_name("if")
        .map(|v| v.as_ref())
    {
        None | Some(Value::Boolean(true)) => Condition::Always,
        Some(Value::Variable(name)) => Condition::Variable(name.to_string()),
        Some(_) => return None,
    };
    if defers.len() >= MAX_DEFERS {
        return None;
    }
    let label = directive
        .specified_argument_by_name("label")
        .and_then(|v| v.as_str().map(str::to_string));
    defers.push(Defer {
        label,
        condition,
        node,
        route: route.to_vec(),
    });
    Some(defers.len() - 1)
}

/// ` @a(…) @b` without `@defer`.
fn directives(list: &DirectiveList) -> String {
    let mut out = String::new();
    for d in list.iter().filter(|d| d.name != "defer") {
        out.push(' ');
        out.push_str(&d.to_string());
    }
    out
}
