//! Conversion from the upstream planner's plan nodes to ours.

use hive_router_query_planner::ast::selection_item::SelectionItem;
use hive_router_query_planner::ast::selection_set::SelectionSet;
use hive_router_query_planner::planner::plan_nodes as up;
use hive_router_query_planner::state::supergraph_state::OperationKind;

use super::plan::{
    EntityGroup, FetchNode, PathSegment, PlanNode, Rewrite, RewriteSegment, Selection,
};

/// Converts one upstream node; an unsupported kind (defer) is an error.
pub fn node(n: &up::PlanNode) -> Result<PlanNode, String> {
    Ok(match n {
        up::PlanNode::Sequence(s) => PlanNode::Sequence {
            nodes: s.nodes.iter().map(node).collect::<Result<_, _>>()?,
        },
        up::PlanNode::Parallel(p) => PlanNode::Parallel {
            nodes: p.nodes.iter().map(node).collect::<Result<_, _>>()?,
        },
        up::PlanNode::Fetch(f) => PlanNode::Fetch(root_fetch(f)),
        up::PlanNode::Flatten(fl) => {
            let up::PlanNode::Fetch(f) = fl.node.as_ref() else {
                return Err("a flatten node must wrap a fetch".into());
            };
            let mut fetch = root_fetch(f);
            fetch.entity_groups.push(EntityGroup {
                response_key: "_entities".into(),
                variable: "representations".into(),
                paths: vec![path(&fl.path)],
                requires: f.requires.as_ref().map(selections).unwrap_or_default(),
                input_rewrites: rewrites(&f.input_rewrites),
                output_rewrites: std::mem::take(&mut fetch.output_rewrites),
            });
            PlanNode::Fetch(fetch)
        }
        up::PlanNode::BatchFetch(b) => PlanNode::Fetch(FetchNode {
            service: b.service_name.clone(),
            operation: b.operation.document_str.clone(),
            is_mutation: false,
            variable_usages: usages(&b.variable_usages),
            entity_groups: b
                .entity_batch
                .aliases
                .iter()
                .map(|a| EntityGroup {
                    response_key: a.alias.clone(),
                    variable: a.representations_variable_name.clone(),
                    paths: a.merge_paths.iter().map(path).collect(),
                    requires: selections(&a.requires),
                    input_rewrites: rewrites(&a.input_rewrites),
                    output_rewrites: rewrites(&a.output_rewrites),
                })
                .collect(),
            output_rewrites: Vec::new(),
        }),
        up::PlanNode::Condition(c) => PlanNode::Condition {
            variable: c.condition.clone(),
            if_clause: c.if_clause.as_deref().map(node).transpose()?.map(Box::new),
            else_clause: c
                .else_clause
                .as_deref()
                .map(node)
                .transpose()?
                .map(Box::new),
        },
        up::PlanNode::Subscription(s) => PlanNode::Subscription {
            primary: root_fetch(&s.primary),
            rest: None,
        },
        up::PlanNode::Defer(_) => return Err("@defer is not supported".into()),
    })
}

fn root_fetch(f: &up::FetchNode) -> FetchNode {
    FetchNode {
        service: f.service_name.clone(),
        operation: f.operation.document_str.clone(),
        is_mutation: matches!(f.operation_kind, Some(OperationKind::Mutation)),
        variable_usages: usages(&f.variable_usages),
        entity_groups: Vec::new(),
        output_rewrites: rewrites(&f.output_rewrites),
    }
}

fn usages(u: &Option<std::collections::BTreeSet<String>>) -> Vec<String> {
    u.iter().flatten().cloned().collect()
}

fn path(p: &up::FlattenNodePath) -> Vec<PathSegment> {
    p.as_slice()
        .iter()
        .map(|s| match s {
            up::FlattenNodePathSegment::Field(f) => PathSegment::Field(f.clone()),
            up::FlattenNodePathSegment::List => PathSegment::List,
            up::FlattenNodePathSegment::TypeCondition(t) => {
                PathSegment::TypeCondition(t.iter().cloned().collect())
            }
        })
        .collect()
}

fn selections(s: &SelectionSet) -> Vec<Selection> {
    s.items
        .iter()
        .filter_map(|item| match item {
            SelectionItem::Field(f) => Some(Selection::Field {
                key: f.alias.clone().unwrap_or_else(|| f.name.clone()),
                name: f.name.clone(),
                selections: selections(&f.selections),
            }),
            SelectionItem::InlineFragment(i) => Some(Selection::InlineFragment {
                type_condition: i.type_condition.clone(),
                selections: selections(&i.selections),
            }),
            SelectionItem::FragmentSpread(_) => None,
        })
        .collect()
}

fn rewrites(r: &Option<Vec<up::FetchRewrite>>) -> Vec<Rewrite> {
    r.iter()
        .flatten()
        .map(|rw| match rw {
            up::FetchRewrite::ValueSetter(v) => Rewrite::ValueSetter {
                path: rewrite_path(&v.path),
                value: v.set_value_to.clone(),
            },
            up::FetchRewrite::KeyRenamer(k) => Rewrite::KeyRenamer {
                path: rewrite_path(&k.path),
                rename_to: k.rename_key_to.clone(),
            },
        })
        .collect()
}

fn rewrite_path(p: &[up::FetchNodePathSegment]) -> Vec<RewriteSegment> {
    p.iter()
        .map(|s| match s {
            up::FetchNodePathSegment::Key(k) => RewriteSegment::Key(k.clone()),
            up::FetchNodePathSegment::TypenameEquals(t) => {
                RewriteSegment::TypenameEquals(t.iter().cloned().collect())
            }
        })
        .collect()
}

/// The upstream planner puts a subscription's primary fetch first in the
/// plan (alone, or heading a sequence); ours holds the rest of the plan
/// inside the subscription node, run once per event.
pub fn subscription(plan: PlanNode) -> Result<PlanNode, String> {
    match plan {
        PlanNode::Subscription { .. } => Ok(plan),
        PlanNode::Sequence { mut nodes }
            if matches!(nodes.first(), Some(PlanNode::Subscription { .. })) =>
        {
            let PlanNode::Subscription { primary, .. } = nodes.remove(0) else {
                return Err("a subscription plan must start with its primary fetch".into());
            };
            let rest = match nodes.len() {
                0 => None,
                1 => nodes.pop().map(Box::new),
                _ => Some(Box::new(PlanNode::Sequence { nodes })),
            };
            Ok(PlanNode::Subscription { primary, rest })
        }
        _ => Err("a subscription plan must start with its primary fetch".into()),
    }
}
