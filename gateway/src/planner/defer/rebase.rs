//! Turns the plan of a planning-only root field (`_crowdcrunch_defer_T { … }`) into a plan
//! rooted at the entities already in the response: the fetch that selects the root field
//! becomes an `_entities` fetch by the key of `T` in that subgraph, and every path that
//! starts at the root field starts at the anchor's path instead.

use apollo_compiler::ast::{self, Definition};
use apollo_compiler::{name, Name, Node};

use super::entities::Entities;
use crate::planner::plan::{EntityGroup, FetchNode, PathSegment, PlanNode, Selection};

/// A deferred part's plan and what its anchor must hold before it runs.
pub struct Rebased {
    /// `None`: nothing to fetch (the fragment's fields all came with its parent).
    pub plan: Option<PlanNode>,
    /// Selections the representations read at the anchor (keys, `@requires` fields).
    pub requires: Vec<Selection>,
}

/// Rebases `plan` (of `{ root_field { … } }`) onto the objects of type `entity` at `anchor`.
pub fn rebase(
    plan: PlanNode,
    root_field: &str,
    entity: &str,
    anchor: &[PathSegment],
    entities: &Entities,
) -> Result<Rebased, String> {
    let mut pass = Pass {
        root_field,
        entity,
        anchor,
        entities,
        requires: Vec::new(),
    };
    let plan = pass.node(plan)?;
    Ok(Rebased {
        plan,
        requires: pass.requires,
    })
}

struct Pass<'a> {
    root_field: &'a str,
    entity: &'a str,
    anchor: &'a [PathSegment],
    entities: &'a Entities,
    requires: Vec<Selection>,
}

impl Pass<'_> {
    fn node(&mut self, node: PlanNode) -> Result<Option<PlanNode>, String> {
        Ok(match node {
            PlanNode::Sequence { nodes } => Some(PlanNode::Sequence {
                nodes: self.nodes(nodes)?,
            }),
            PlanNode::Parallel { nodes } => Some(PlanNode::Parallel {
                nodes: self.nodes(nodes)?,
            }),
            PlanNode::Condition {
                variable,
                if_clause,
                else_clause,
            } => Some(PlanNode::Condition {
                variable,
                if_clause: self.boxed(if_clause)?,
                else_clause: self.boxed(else_clause)?,
            }),
            PlanNode::Subscription { .. } => {
                return Err("a subscription in a deferred part".into());
            }
            PlanNode::Fetch(fetch) if fetch.entity_groups.is_empty() => {
                self.root_fetch(fetch)?.map(PlanNode::Fetch)
            }
            PlanNode::Fetch(mut fetch) => {
                for group in &mut fetch.entity_groups {
                    for path in &mut group.paths {
                        *path = self.path(path)?;
                    }
                    if group.paths.iter().any(|p| p == self.anchor) {
                        self.requires.extend(group.requires.iter().cloned());
                    }
                }
                Some(PlanNode::Fetch(fetch))
            }
        }
        .and_then(prune))
    }

    fn nodes(&mut self, nodes: Vec<PlanNode>) -> Result<Vec<PlanNode>, String> {
        let mut out = Vec::with_capacity(nodes.len());
        for n in nodes {
            out.extend(self.node(n)?);
        }
        Ok(out)
    }

    fn boxed(&mut self, node: Option<Box<PlanNode>>) -> Result<Option<Box<PlanNode>>, String> {
        Ok(match node {
            Some(n) => self.node(*n)?.map(Box::new),
            None => None,
        })
    }

    fn path(&self, path: &[PathSegment]) -> Result<Vec<PathSegment>, String> {
        match path.split_first() {
            Some((PathSegment::Field(f), rest)) if f == self.root_field => {
                Ok(self.anchor.iter().chain(rest).cloned().collect())
            }
            _ => Err(format!(
                "a deferred fetch path does not start at {}",
                self.root_field
            )),
        }
    }

    /// The fetch of the root field, as an `_entities` fetch; `None` when it would only
    /// fetch the key the anchor already holds.
    fn root_fetch(&mut self, mut fetch: FetchNode) -> Result<Option<FetchNode>, String> {
        if !fetch.output_rewrites.is_empty() {
            return Err("a deferred root fetch with output rewrites".into());
        }
        let key = self
            .entities
            .key(self.entity, &fetch.service)
            .ok_or_else(|| format!("{} has no key in {}", self.entity, fetch.service))?;
        let key_fields = key_selections(&key.fields)?;
        let mut requires = vec![Selection::Field {
            name: "__typename".into(),
            key: "__typename".into(),
            selections: Vec::new(),
        }];
        requires.extend(key_fields);
        let requires = vec![Selection::InlineFragment {
            type_condition: self.entity.to_string(),
            selections: requires,
        }];
        self.requires.extend(requires.iter().cloned());
        let Some(operation) =
            entities_operation(&fetch.operation, self.root_field, self.entity, &requires)?
        else {
            return Ok(None);
        };
        fetch.operation = operation;
        fetch.entity_groups.push(EntityGroup {
            response_key: "_entities".into(),
            variable: "representations".into(),
            paths: vec![self.anchor.to_vec()],
            requires,
            input_rewrites: Vec::new(),
            output_rewrites: Vec::new(),
        });
        Ok(Some(fetch))
    }
}

/// Drops sequences and parallels left empty, unwraps those of one node.
fn prune(node: PlanNode) -> Option<PlanNode> {
    match node {
        PlanNode::Sequence { mut nodes } | PlanNode::Parallel { mut nodes } if nodes.len() <= 1 => {
            nodes.pop()
        }
        PlanNode::Condition {
            if_clause: None,
            else_clause: None,
            ..
        } => None,
        other => Some(other),
    }
}

/// `{ root_field { sel } }` rewritten as
/// `query($representations: [_Any!]!) { _entities(representations: $representations) { ... on T { sel } } }`;
/// `None` when `sel` holds only what `requires` already reads.
fn entities_operation(
    text: &str,
    root_field: &str,
    entity: &str,
    requires: &[Selection],
) -> Result<Option<String>, String> {
    let mut doc = ast::Document::parse(text, "fetch.graphql").map_err(|e| e.to_string())?;
    let operation = doc
        .definitions
        .iter_mut()
        .find_map(|d| match d {
            Definition::OperationDefinition(op) => Some(op.make_mut()),
            _ => None,
        })
        .ok_or("a deferred fetch without an operation")?;
    let [ast::Selection::Field(field)] = operation.selection_set.as_slice() else {
        return Err("a deferred root fetch selects more than its root field".into());
    };
    if field.name != root_field || field.alias.is_some() {
        return Err("a deferred root fetch selects another root field".into());
    }
    if only_requires(&field.selection_set, requires) {
        return Ok(None);
    }
    let entity = Name::new(entity).map_err(|e| e.to_string())?;
    let inner = field.selection_set.clone();
    let entities = ast::Field {
        alias: None,
        name: name!("_entities"),
        arguments: vec![Node::new(ast::Argument {
            name: name!("representations"),
            value: Node::new(ast::Value::Variable(name!("representations"))),
        })],
        directives: ast::DirectiveList::new(),
        selection_set: vec![ast::Selection::InlineFragment(Node::new(
            ast::InlineFragment {
                type_condition: Some(entity),
                directives: ast::DirectiveList::new(),
                selection_set: inner,
            },
        ))],
    };
    operation.selection_set = vec![ast::Selection::Field(Node::new(entities))];
    operation.variables.push(Node::new(ast::VariableDefinition {
        name: name!("representations"),
        ty: Node::new(ast::Type::NonNullList(Box::new(ast::Type::NonNullNamed(
            name!("_Any"),
        )))),
        default_value: None,
        directives: ast::DirectiveList::new(),
    }));
    operation.name = None;
    Ok(Some(doc.serialize().no_indent().to_string()))
}

/// Whether every selection is a leaf field that `requires` reads anyway.
fn only_requires(selections: &[ast::Selection], requires: &[Selection]) -> bool {
    let read = |name: &str| {
        requires.iter().any(|r| match r {
            Selection::InlineFragment { selections, .. } => selections.iter().any(|s| {
                matches!(s, Selection::Field { name: n, key, selections } if n == name && key == name && selections.is_empty())
            }),
            Selection::Field { .. } => false,
        })
    };
    selections.iter().all(|s| match s {
        ast::Selection::Field(f) => {
            f.alias.is_none()
                && f.selection_set.is_empty()
                && f.directives.is_empty()
                && read(&f.name)
        }
        _ => false,
    })
}

/// A key's field set as selections.
pub fn key_selections(fields: &str) -> Result<Vec<Selection>, String> {
    let doc = ast::Document::parse(format!("{{ {fields} }}"), "key.graphql")
        .map_err(|e| e.to_string())?;
    let Some(Definition::OperationDefinition(op)) = doc.definitions.first() else {
        return Err(format!("invalid key {fields:?}"));
    };
    Ok(from_ast(&op.selection_set))
}

fn from_ast(set: &[ast::Selection]) -> Vec<Selection> {
    set.iter()
        .filter_map(|s| match s {
            ast::Selection::Field(f) => Some(Selection::Field {
                name: f.name.to_string(),
                key: f.response_name().to_string(),
                selections: from_ast(&f.selection_set),
            }),
            ast::Selection::InlineFragment(i) => Some(Selection::InlineFragment {
                type_condition: i.type_condition.as_ref()?.to_string(),
                selections: from_ast(&i.selection_set),
            }),
            ast::Selection::FragmentSpread(_) => None,
        })
        .collect()
}

/// Selections as GraphQL text (for the anchor's part to fetch them).
pub fn print(selections: &[Selection], out: &mut String) {
    for s in selections {
        match s {
            Selection::Field {
                name,
                key,
                selections,
            } => {
                out.push(' ');
                if key != name {
                    out.push_str(key);
                    out.push_str(": ");
                }
                out.push_str(name);
                if !selections.is_empty() {
                    out.push_str(" {");
                    print(selections, out);
                    out.push_str(" }");
                }
            }
            Selection::InlineFragment {
                type_condition,
                selections,
            } => {
                out.push_str(" ... on ");
                out.push_str(type_condition);
                out.push_str(" {");
                print(selections, out);
                out.push_str(" }");
            }
        }
    }
}
