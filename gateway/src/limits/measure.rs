//! One pass over a parsed document measuring what the limits bound: depth,
//! fields and aliases after fragment expansion, root fields, directives per
//! location and integer literals. Each fragment is measured once (memoised),
//! so the pass is linear in the document however the fragments multiply.

use std::collections::HashMap;

use apollo_compiler::ast::{self, Definition, Selection, Value};
use apollo_compiler::Node;

/// What a selection set (or a whole operation) amounts to once every
/// fragment in it is expanded. Counts saturate instead of overflowing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Nesting of the deepest field: `{ a }` is 1, `{ a { b } }` is 2; an
    /// inline fragment or a fragment spread is a level too, as it is for
    /// our subgraphs (async-graphql) and for the planner's normaliser.
    pub depth: u64,
    /// Fields, `__typename` included.
    pub fields: u64,
    pub aliases: u64,
    /// Fields at this set's own level (the root fields of an operation).
    pub top: u64,
}

impl Counts {
    fn add(&mut self, other: Counts, levels: u64) {
        self.depth = self.depth.max(other.depth.saturating_add(levels));
        self.fields = self.fields.saturating_add(other.fields);
        self.aliases = self.aliases.saturating_add(other.aliases);
    }

    fn max(self, other: Counts) -> Counts {
        Counts {
            depth: self.depth.max(other.depth),
            fields: self.fields.max(other.fields),
            aliases: self.aliases.max(other.aliases),
            top: self.top.max(other.top),
        }
    }
}

/// The measures of a whole document: the largest over its operations (and
/// its fragments, which validation walks even when nothing uses them).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Measures {
    pub counts: Counts,
    /// Most directives on one location.
    pub directives: u64,
    /// The first integer literal outside the signed 64-bit range, which
    /// the planner cannot parse.
    pub int_out_of_range: Option<usize>,
}

#[derive(Clone, Copy)]
enum Memo {
    Unvisited,
    InProgress,
    Done(Counts),
}

struct Walk<'a> {
    index: HashMap<&'a str, usize>,
    memo: Vec<Memo>,
    directives: u64,
    int_out_of_range: Option<usize>,
}

/// Measures `doc`. Fragment spreads that name no fragment, or that close a
/// cycle, count as empty: validation rejects such documents anyway.
pub fn measure(doc: &ast::Document) -> Measures {
    let fragments: Vec<&Node<ast::FragmentDefinition>> = doc
        .definitions
        .iter()
        .filter_map(|d| match d {
            Definition::FragmentDefinition(f) => Some(f),
            _ => None,
        })
        .collect();
    let mut walk = Walk {
        index: HashMap::with_capacity(fragments.len()),
        memo: vec![Memo::Unvisited; fragments.len()],
        directives: 0,
        int_out_of_range: None,
    };
    for (i, f) in fragments.iter().enumerate() {
        walk.index.entry(f.name.as_str()).or_insert(i);
    }
    walk.fragments_in_dependency_order(&fragments);
    let mut counts = Counts::default();
    for memo in &walk.memo {
        if let Memo::Done(c) = memo {
            counts = counts.max(Counts { top: 0, ..*c });
        }
    }
    for d in &doc.definitions {
        if let Definition::OperationDefinition(op) = d {
            walk.directive_list(&op.directives);
            for var in &op.variables {
                walk.directive_list(&var.directives);
                if let Some(default) = &var.default_value {
                    walk.value(default);
                }
            }
            counts = counts.max(walk.set(&op.selection_set));
        }
    }
    Measures {
        counts,
        directives: walk.directives,
        int_out_of_range: walk.int_out_of_range,
    }
}

impl<'a> Walk<'a> {
    /// Measures every fragment after the fragments it spreads, with an
    /// explicit stack: a chain of thousands of fragments must not recurse.
    fn fragments_in_dependency_order(&mut self, fragments: &[&'a Node<ast::FragmentDefinition>]) {
        let deps: Vec<Vec<usize>> = fragments
            .iter()
            .map(|f| {
                let mut names = Vec::new();
                spreads(&f.selection_set, &mut names);
                names
                    .iter()
                    .filter_map(|n| self.index.get(n).copied())
                    .collect()
            })
            .collect();
        for start in 0..fragments.len() {
            let mut stack = vec![(start, false)];
            while let Some((i, ready)) = stack.pop() {
                if ready {
                    let f = fragments[i];
                    self.directive_list(&f.directives);
                    let counts = self.set(&f.selection_set);
                    self.memo[i] = Memo::Done(counts);
                    continue;
                }
                if !matches!(self.memo[i], Memo::Unvisited) {
                    continue;
                }
                self.memo[i] = Memo::InProgress;
                stack.push((i, true));
                for &dep in &deps[i] {
                    if matches!(self.memo[dep], Memo::Unvisited) {
                        stack.push((dep, false));
                    }
                }
            }
        }
    }

    fn fragment(&self, name: &str) -> Counts {
        match self.index.get(name).map(|&i| self.memo[i]) {
            Some(Memo::Done(c)) => c,
            _ => Counts::default(),
        }
    }

    /// Recursion here follows the document's own nesting, which the
    /// parser's recursion limit bounds.
    fn set(&mut self, selections: &[Selection]) -> Counts {
        let mut c = Counts::default();
        for selection in selections {
            match selection {
                Selection::Field(f) => {
                    self.directive_list(&f.directives);
                    for arg in &f.arguments {
                        self.value(&arg.value);
                    }
                    let child = self.set(&f.selection_set);
                    c.add(child, 1);
                    c.fields = c.fields.saturating_add(1);
                    c.aliases = c.aliases.saturating_add(u64::from(f.alias.is_some()));
                    c.top = c.top.saturating_add(1);
                }
                Selection::InlineFragment(inline) => {
                    self.directive_list(&inline.directives);
                    let inner = self.set(&inline.selection_set);
                    c.add(inner, 1);
                    c.top = c.top.saturating_add(inner.top);
                }
                Selection::FragmentSpread(spread) => {
                    self.directive_list(&spread.directives);
                    let inner = self.fragment(spread.fragment_name.as_str());
                    c.add(inner, 1);
                    c.top = c.top.saturating_add(inner.top);
                }
            }
        }
        c
    }

    fn directive_list(&mut self, list: &ast::DirectiveList) {
        self.directives = self.directives.max(list.len() as u64);
        for directive in list.iter() {
            for arg in &directive.arguments {
                self.value(&arg.value);
            }
        }
    }

    fn value(&mut self, value: &Node<Value>) {
        match &**value {
            Value::Int(i)
                if self.int_out_of_range.is_none() && i.as_str().parse::<i64>().is_err() =>
            {
                self.int_out_of_range = Some(i.as_str().len());
            }
            Value::List(items) => items.iter().for_each(|v| self.value(v)),
            Value::Object(fields) => fields.iter().for_each(|(_, v)| self.value(v)),
            _ => {}
        }
    }
}

/// The names of the fragments a selection set spreads, at any nesting.
fn spreads<'a>(selections: &'a [Selection], out: &mut Vec<&'a str>) {
    for selection in selections {
        match selection {
            Selection::Field(f) => spreads(&f.selection_set, out),
            Selection::InlineFragment(i) => spreads(&i.selection_set, out),
            Selection::FragmentSpread(s) => out.push(s.fragment_name.as_str()),
        }
    }
}
