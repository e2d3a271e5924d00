//! The gateway's own plan types: what the executor runs. Converted from the
//! upstream planner's nodes at the boundary so the planner can be replaced.

use serde::Serialize;

/// A node of an executable plan.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind")]
pub enum PlanNode {
    Sequence {
        nodes: Vec<PlanNode>,
    },
    Parallel {
        nodes: Vec<PlanNode>,
    },
    Fetch(FetchNode),
    /// Runs `if_clause` when the boolean variable is true, else `else_clause`.
    Condition {
        variable: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        if_clause: Option<Box<PlanNode>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        else_clause: Option<Box<PlanNode>>,
    },
    /// A subscription: `primary` is opened on the subgraph owning the root
    /// field and streams events; `rest` runs for each event like a query.
    Subscription {
        primary: FetchNode,
        #[serde(skip_serializing_if = "Option::is_none")]
        rest: Option<Box<PlanNode>>,
    },
}

/// One request to one subgraph.
#[derive(Debug, Clone, Serialize)]
pub struct FetchNode {
    pub service: String,
    /// Ready-to-send subgraph operation text.
    pub operation: String,
    pub is_mutation: bool,
    /// Client variables the operation uses.
    pub variable_usages: Vec<String>,
    /// Empty for a root fetch; otherwise the `_entities` selections it feeds.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub entity_groups: Vec<EntityGroup>,
    /// Rewrites of a root fetch's response data.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub output_rewrites: Vec<Rewrite>,
}

/// One `_entities` field of a fetch: where its entities live in the response
/// and how to build their representations.
#[derive(Debug, Clone, Serialize)]
pub struct EntityGroup {
    /// Response key of the `_entities` field (`_entities` or a batch alias).
    pub response_key: String,
    /// The variable carrying the representations list.
    pub variable: String,
    pub paths: Vec<Vec<PathSegment>>,
    pub requires: Vec<Selection>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub input_rewrites: Vec<Rewrite>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub output_rewrites: Vec<Rewrite>,
}

/// A step of a path into response data.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub enum PathSegment {
    Field(String),
    /// Every element of a list.
    List,
    /// Only objects whose `__typename` is one of these.
    TypeCondition(Vec<String>),
}

/// A selection used to build an entity representation.
#[derive(Debug, Clone, Serialize)]
pub enum Selection {
    /// Reads `name` from the entity, writes it as `key`.
    Field {
        name: String,
        key: String,
        selections: Vec<Selection>,
    },
    InlineFragment {
        type_condition: String,
        selections: Vec<Selection>,
    },
}

/// A rewrite of representations (input) or fetched data (output).
#[derive(Debug, Clone, Serialize)]
pub enum Rewrite {
    /// Sets the value at `path` to a string.
    ValueSetter {
        path: Vec<RewriteSegment>,
        value: String,
    },
    /// Renames the last key of `path`.
    KeyRenamer {
        path: Vec<RewriteSegment>,
        rename_to: String,
    },
}

/// A step of a rewrite path.
#[derive(Debug, Clone, Serialize)]
pub enum RewriteSegment {
    Key(String),
    TypenameEquals(Vec<String>),
}
