//! Checks on the parsed document and the variables, before async-graphql validates them: its
//! validation walks a fragment once per spread, so a 2 KB document of fragments that spread
//! the one before twice costs 2^30 visits. Here each fragment is counted once (memoised).

use super::{refusal, MAX_COMPLEXITY};
use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextPrepareRequest,
};
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{Request, ServerResult, Value};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// Fragments spread inside fragments, deeper than any client writes them: past this the walk
/// stops (its stack stays small) and the request is refused.
const MAX_FRAGMENT_NESTING: usize = 64;

/// Refuses a document over [`MAX_COMPLEXITY`] fields once fragments are expanded
/// (`MAX_FIELDS_EXCEEDED`, as the gateway says it), and text PostgreSQL cannot store: a NUL
/// character (U+0000) in a variable or a string literal (`BAD_USER_INPUT`).
pub struct DocumentBounds;

impl ExtensionFactory for DocumentBounds {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(DocumentBounds)
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for DocumentBounds {
    /// Before async-graphql's own checks of the parsed document: its depth and directive
    /// checks walk a fragment once per spread too. The document parsed here is the one it
    /// uses (a document that does not parse is left to report its error as usual).
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        mut request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        let query = &request.query;
        if query.contains('\0')
            || query.contains("\\u0000")
            || request.variables.values().any(has_nul)
        {
            return Err(refusal(
                "text may not contain the NUL character (U+0000)".into(),
                "BAD_USER_INPUT",
            ));
        }
        if let Ok(document) = request.parsed_query() {
            if expanded_fields(document) > MAX_COMPLEXITY {
                return Err(refusal(
                    format!(
                        "the operation selects more than {MAX_COMPLEXITY} fields once its \
                         fragments are expanded"
                    ),
                    "MAX_FIELDS_EXCEEDED",
                ));
            }
        }
        next.run(ctx, request).await
    }
}

fn has_nul(value: &Value) -> bool {
    match value {
        Value::String(s) => s.contains('\0'),
        Value::List(items) => items.iter().any(has_nul),
        Value::Object(fields) => fields.iter().any(|(k, v)| k.contains('\0') || has_nul(v)),
        _ => false,
    }
}

/// Fields of every operation with fragments expanded, saturating; `usize::MAX` when fragments
/// nest deeper than [`MAX_FRAGMENT_NESTING`].
pub fn expanded_fields(document: &ExecutableDocument) -> usize {
    let mut walk = Walk {
        document,
        memo: HashMap::new(),
        open: HashSet::new(),
    };
    document.operations.iter().fold(0usize, |total, (_, op)| {
        total.saturating_add(walk.count(&op.node.selection_set.node, 0))
    })
}

struct Walk<'a> {
    document: &'a ExecutableDocument,
    /// Fields of each fragment already counted.
    memo: HashMap<&'a str, usize>,
    /// Fragments being counted: a cycle (refused by validation later) counts as empty.
    open: HashSet<&'a str>,
}

impl<'a> Walk<'a> {
    fn count(&mut self, set: &'a SelectionSet, nesting: usize) -> usize {
        set.items.iter().fold(0usize, |total, item| {
            let n = match &item.node {
                Selection::Field(field) => {
                    1usize.saturating_add(self.count(&field.node.selection_set.node, nesting))
                }
                Selection::InlineFragment(inline) => {
                    self.count(&inline.node.selection_set.node, nesting)
                }
                Selection::FragmentSpread(spread) => {
                    self.fragment(spread.node.fragment_name.node.as_str(), nesting + 1)
                }
            };
            total.saturating_add(n)
        })
    }

    fn fragment(&mut self, name: &'a str, nesting: usize) -> usize {
        if let Some(&n) = self.memo.get(name) {
            return n;
        }
        if nesting > MAX_FRAGMENT_NESTING {
            return usize::MAX;
        }
        let Some((key, fragment)) = self.document.fragments.get_key_value(name) else {
            return 0;
        };
        if !self.open.insert(key.as_str()) {
            return 0;
        }
        let n = self.count(&fragment.node.selection_set.node, nesting);
        self.open.remove(key.as_str());
        self.memo.insert(key.as_str(), n);
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(query: &str) -> usize {
        expanded_fields(&async_graphql::parser::parse_query(query).unwrap())
    }

    #[test]
    fn fragments_are_counted_once_each_and_expanded_by_multiplying() {
        assert_eq!(fields("{ a b { c } }"), 3);
        assert_eq!(fields("{ ...F ...F } fragment F on Query { a b }"), 4);
        let mut bomb = String::from("{ ...F30 } fragment F0 on Query { __typename }");
        for i in 1..=30 {
            bomb.push_str(&format!(
                " fragment F{i} on Query {{ ...F{} ...F{} }}",
                i - 1,
                i - 1
            ));
        }
        assert_eq!(fields(&bomb), 1 << 30);
    }

    #[test]
    fn cycles_count_as_empty_and_deep_chains_as_too_many() {
        assert_eq!(
            fields("{ ...A } fragment A on Query { a ...B } fragment B on Query { ...A }"),
            1
        );
        let mut chain = String::from("{ ...F100 } fragment F0 on Query { a }");
        for i in 1..=100 {
            chain.push_str(&format!(" fragment F{i} on Query {{ ...F{} }}", i - 1));
        }
        assert_eq!(fields(&chain), usize::MAX);
    }
}
