//! Operation limits: what one document may ask of the gateway, checked on the
//! parsed document before validation and planning, in time linear in its size.

mod brackets;
mod measure;

use apollo_compiler::ast;
use serde::Deserialize;

use crate::response::GraphQLError;

pub use brackets::PLANNER_MAX_NESTING;
pub use measure::{measure, Counts, Measures};

/// The `[limits]` section. A limit of 0 is off. Sized so that real clients
/// never meet them (see the gateway README for how they compare with Apollo
/// Router's and Cosmo's).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LimitsConfig {
    /// `true`: an operation over a limit is refused (HTTP 400, coded). `false`
    /// (measure mode): it runs, and what would have been refused is logged
    /// and counted in `gateway_operation_limit_exceeded_total{enforced="false"}`
    /// so limits can be rolled out safely. The planner's own bracket nesting
    /// limit and integer range are refused in both modes: past them the
    /// operation cannot be planned.
    pub enforce: bool,
    /// Deepest nesting of fields, counting inline fragments and fragment
    /// spreads as levels (`{ a { b } }` is 2): our subgraphs refuse more than
    /// 32 levels, so the gateway refuses what it could not send them.
    pub max_depth: u32,
    /// Aliases in an operation after fragment expansion (each alias of a
    /// field is one more resolver call).
    pub max_aliases: u32,
    /// Fields at the operation's root after fragment expansion (each can be
    /// a separate subgraph fetch).
    pub max_root_fields: u32,
    /// Fields in an operation after fragment expansion, counted with one
    /// memoised pass per fragment (fragments that spread each other twice
    /// double at every level).
    pub max_fields: u32,
    /// Lexical tokens in the document; the parser stops there.
    pub max_tokens: u32,
    /// Directives on one location (a field, a fragment, an operation, …).
    pub max_directives: u32,
    /// Errors returned for one document (parse or validation); the rest are
    /// summed up in one last error saying how many were left out.
    pub max_errors: u32,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        Self {
            enforce: true,
            max_depth: 32,
            max_aliases: 100,
            max_root_fields: 30,
            max_fields: 2_000,
            max_tokens: 15_000,
            max_directives: 10,
            max_errors: 100,
        }
    }
}

/// One limit an operation exceeds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// Metric label, e.g. `depth`.
    pub limit: &'static str,
    pub code: &'static str,
    pub actual: u64,
    pub max: u64,
}

impl Violation {
    pub fn error(&self) -> GraphQLError {
        let what = match self.limit {
            "int_range" => {
                return GraphQLError::coded(
                    format!(
                        "an integer literal of {} characters is outside the signed 64-bit range",
                        self.actual
                    ),
                    self.code,
                )
            }
            "depth" => "levels of nesting",
            "aliases" => "aliases",
            "root_fields" => "root fields",
            "fields" | "fields_hard" => "fields after fragment expansion",
            "tokens" => "tokens",
            "directives" => "directives on one location",
            _ => "nested brackets",
        };
        let actual = if self.actual == u64::MAX {
            "too many".to_string()
        } else {
            self.actual.to_string()
        };
        GraphQLError::coded(
            format!(
                "the operation has {actual} {what}; at most {} are allowed",
                self.max
            ),
            self.code,
        )
    }

    /// Counts the violation in `gateway_operation_limit_exceeded_total`.
    pub fn count(&self, enforced: bool) {
        metrics::counter!("gateway_operation_limit_exceeded_total",
            "limit" => self.limit, "enforced" => if enforced { "true" } else { "false" })
        .increment(1);
    }
}

fn over(limit: &'static str, code: &'static str, actual: u64, max: u32) -> Option<Violation> {
    (max > 0 && actual > u64::from(max)).then_some(Violation {
        limit,
        code,
        actual,
        max: u64::from(max),
    })
}

impl LimitsConfig {
    /// The limits `doc` (whose source text is `text`, `tokens` long) exceeds.
    pub fn check(&self, doc: &ast::Document, text: &str, tokens: usize) -> Vec<Violation> {
        let m = measure(doc);
        let c = m.counts;
        [
            over("depth", "MAX_DEPTH_EXCEEDED", c.depth, self.max_depth),
            over(
                "aliases",
                "MAX_ALIASES_EXCEEDED",
                c.aliases,
                self.max_aliases,
            ),
            over(
                "root_fields",
                "MAX_ROOT_FIELDS_EXCEEDED",
                c.top,
                self.max_root_fields,
            ),
            over("fields", "MAX_FIELDS_EXCEEDED", c.fields, self.max_fields),
            over(
                "tokens",
                "MAX_TOKENS_EXCEEDED",
                tokens as u64,
                self.max_tokens,
            ),
            over(
                "directives",
                "MAX_DIRECTIVES_EXCEEDED",
                m.directives,
                self.max_directives,
            ),
        ]
        .into_iter()
        .flatten()
        .chain(planner_limits(text, &m))
        .collect()
    }

    /// Caps a list of errors at `max_errors`, the last one saying how many
    /// were left out.
    pub fn cap_errors(&self, mut errors: Vec<GraphQLError>) -> Vec<GraphQLError> {
        let max = self.max_errors as usize;
        if max == 0 || errors.len() <= max {
            return errors;
        }
        let left_out = errors.len() - (max - 1);
        let code = errors[0]
            .code()
            .unwrap_or("GRAPHQL_VALIDATION_FAILED")
            .to_string();
        errors.truncate(max - 1);
        errors.push(GraphQLError::coded(
            format!("{left_out} more errors were left out"),
            &code,
        ));
        errors
    }
}

/// Fields after expansion refused even in measure mode: measuring must not
/// let a fragment explosion (2^30 fields in 1.3 KB) run.
pub const HARD_MAX_FIELDS: u64 = 100_000;

/// Echoed client input (names, values in validation messages) is cut to this
/// many characters, so an error never reflects a large input back.
pub const MAX_ECHO_CHARS: usize = 100;

/// `message` cut after [`MAX_ECHO_CHARS`] characters (plus an ellipsis)
/// within each quoted or backquoted part; the rest of the message is kept.
pub fn truncate(message: &str) -> String {
    if message.len() <= MAX_ECHO_CHARS * 2 {
        return message.to_string();
    }
    let mut out = String::with_capacity(MAX_ECHO_CHARS * 4);
    let mut quoted = 0usize;
    let mut in_quote: Option<char> = None;
    for ch in message.chars() {
        match in_quote {
            Some(q) if ch == q => {
                in_quote = None;
                out.push(ch);
            }
            Some(_) => {
                quoted += 1;
                if quoted <= MAX_ECHO_CHARS {
                    out.push(ch);
                } else if quoted == MAX_ECHO_CHARS + 1 {
                    out.push('…');
                }
            }
            None => {
                if ch == '"' || ch == '`' {
                    in_quote = Some(ch);
                    quoted = 0;
                }
                out.push(ch);
            }
        }
        if out.len() > MAX_ECHO_CHARS * 8 {
            out.push('…');
            break;
        }
    }
    out
}

/// What the planner cannot take whatever the configuration: refused in
/// measure mode too (see [`Violation::always_enforced`]).
fn planner_limits(text: &str, m: &Measures) -> impl Iterator<Item = Violation> {
    let nesting = brackets::max_nesting(text) as u64;
    let nesting = (nesting > PLANNER_MAX_NESTING as u64).then_some(Violation {
        limit: "nesting",
        code: "MAX_DEPTH_EXCEEDED",
        actual: nesting,
        max: PLANNER_MAX_NESTING as u64,
    });
    let fields = (m.counts.fields > HARD_MAX_FIELDS).then_some(Violation {
        limit: "fields_hard",
        code: "MAX_FIELDS_EXCEEDED",
        actual: m.counts.fields,
        max: HARD_MAX_FIELDS,
    });
    let int = m.int_out_of_range.map(|digits| Violation {
        limit: "int_range",
        code: "INT_LITERAL_OUT_OF_RANGE",
        actual: digits as u64,
        max: 0,
    });
    nesting.into_iter().chain(fields).chain(int)
}

impl Violation {
    /// Whether the violation is refused even in measure mode.
    pub fn always_enforced(&self) -> bool {
        matches!(self.limit, "nesting" | "int_range" | "fields_hard")
    }
}

#[cfg(test)]
mod tests;
