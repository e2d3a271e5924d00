//! Reads a supergraph's authorization directives into per-type and per-field requirements,
//! under the names its `@link`s give them (`as:`, `import:` renames), and derives what
//! selecting each field requires: the field's own directives, its return type's, and for an
//! interface field those of every implementation too (any of them may answer).

use ahash::AHashMap;
use apollo_compiler::schema::{ExtendedType, Implementers};
use apollo_compiler::{Name, Schema};
use graphql_tools::parser::schema::{Definition, Directive, Document, TypeDefinition, Value};

use super::requirement::{normalize, Requirement};

/// Spec names of the three directives (the last path segment before the version).
const AUTHENTICATED: &str = "authenticated";
const REQUIRES_SCOPES: &str = "requiresScopes";
const POLICY: &str = "policy";
/// Stands for a malformed directive argument: no token has it (scopes never contain spaces),
/// so the element stays closed rather than open.
const UNSATISFIABLE: &str = "<malformed authorization directive>";

type Doc = Document<'static, String>;
type Dir = Directive<'static, String>;

/// Every requirement of one supergraph.
#[derive(Debug, Default)]
pub struct SchemaRules {
    /// Distinct requirements; ids index this.
    pub reqs: Vec<Requirement>,
    /// Type name → id of what a fragment on that type requires.
    types: AHashMap<String, usize>,
    /// Parent type → field → id of what selecting the field requires.
    fields: AHashMap<String, AHashMap<String, usize>>,
}

/// The local names of the three directives in one supergraph.
#[derive(Debug, PartialEq)]
struct Names {
    authenticated: String,
    requires_scopes: String,
    policy: String,
}

impl SchemaRules {
    /// Reads the directives of `doc` (the supergraph) for the types of `api` (its API schema).
    pub fn from_supergraph(
        doc: &Doc,
        api: &Schema,
        implementers: &apollo_compiler::collections::HashMap<Name, Implementers>,
    ) -> Self {
        let names = link_names(doc);
        let mut own_types: AHashMap<String, Requirement> = AHashMap::new();
        let mut own_fields: AHashMap<(String, String), Requirement> = AHashMap::new();
        for def in &doc.definitions {
            let Definition::TypeDefinition(t) = def else {
                continue;
            };
            let (name, directives, fields) = match t {
                TypeDefinition::Object(o) => (&o.name, &o.directives, &o.fields[..]),
                TypeDefinition::Interface(i) => (&i.name, &i.directives, &i.fields[..]),
                TypeDefinition::Scalar(s) => (&s.name, &s.directives, &[][..]),
                TypeDefinition::Enum(e) => (&e.name, &e.directives, &[][..]),
                _ => continue,
            };
            let req = requirement(&names, directives);
            if !req.is_none() {
                own_types.insert(name.clone(), req);
            }
            for f in fields {
                let req = requirement(&names, &f.directives);
                if !req.is_none() {
                    own_fields.insert((name.clone(), f.name.clone()), req);
                }
            }
        }
        let mut rules = SchemaRules::default();
        if own_types.is_empty() && own_fields.is_empty() {
            return rules;
        }
        let none = Requirement::default();
        let type_req = |t: &str| own_types.get(t).unwrap_or(&none);
        let field_req = |t: &str, f: &str| {
            own_fields
                .get(&(t.to_string(), f.to_string()))
                .unwrap_or(&none)
        };
        for (type_name, ty) in &api.types {
            let (fields, implementations) = match ty {
                ExtendedType::Object(o) => (&o.fields, None),
                ExtendedType::Interface(i) => (&i.fields, implementers.get(type_name)),
                _ => continue,
            };
            for (field_name, def) in fields {
                let mut req =
                    field_req(type_name, field_name).and(type_req(def.ty.inner_named_type()));
                for object in implementations.iter().flat_map(|imp| &imp.objects) {
                    req = req.and(type_req(object)).and(field_req(object, field_name));
                }
                if !req.is_none() {
                    let id = rules.intern(req);
                    rules
                        .fields
                        .entry(type_name.to_string())
                        .or_default()
                        .insert(field_name.to_string(), id);
                }
            }
        }
        for (type_name, req) in own_types {
            let id = rules.intern(req);
            rules.types.insert(type_name, id);
        }
        rules
    }

    /// Whether the supergraph has no authorization directive at all.
    pub fn is_empty(&self) -> bool {
        self.reqs.is_empty()
    }

    /// What selecting `parent.field` requires.
    pub fn field(&self, parent: &str, field: &str) -> Option<usize> {
        self.fields.get(parent)?.get(field).copied()
    }

    /// What a fragment on `type_name` requires.
    pub fn type_condition(&self, type_name: &str) -> Option<usize> {
        self.types.get(type_name).copied()
    }

    fn intern(&mut self, req: Requirement) -> usize {
        match self.reqs.iter().position(|r| *r == req) {
            Some(id) => id,
            None => {
                self.reqs.push(req);
                self.reqs.len() - 1
            }
        }
    }
}

/// The requirement the directives of one element express (several apply together).
fn requirement(names: &Names, directives: &[Dir]) -> Requirement {
    let mut req = Requirement::default();
    for d in directives {
        if d.name == names.authenticated {
            req.authenticated = true;
        } else if d.name == names.requires_scopes {
            let scopes = Requirement {
                scopes: list_of_lists(d, "scopes"),
                ..Requirement::default()
            };
            req = req.and(&scopes);
        } else if d.name == names.policy {
            let policies = Requirement {
                policies: list_of_lists(d, "policies"),
                ..Requirement::default()
            };
            req = req.and(&policies);
        }
    }
    req
}

fn list_of_lists(d: &Dir, arg: &str) -> Vec<Vec<String>> {
    let value = d.arguments.iter().find(|(n, _)| n == arg).map(|(_, v)| v);
    let parsed = match value {
        Some(Value::List(outer)) => outer
            .iter()
            .map(|inner| match inner {
                Value::List(items) => items
                    .iter()
                    .map(|v| match v {
                        Value::String(s) => Some(s.clone()),
                        _ => None,
                    })
                    .collect::<Option<Vec<_>>>(),
                _ => None,
            })
            .collect::<Option<Vec<_>>>(),
        _ => None,
    };
    match parsed {
        Some(dnf) => normalize(dnf),
        None => {
            tracing::warn!(directive = %d.name, "malformed authorization directive: the element is closed to everyone");
            vec![vec![UNSATISFIABLE.to_string()]]
        }
    }
}

/// The local names of the three directives, from the schema's `@link`s; the spec's own name
/// when a spec is not linked (a supergraph declaring `@authenticated` without linking it is
/// still taken at its word).
fn link_names(doc: &Doc) -> Names {
    let mut names = Names {
        authenticated: AUTHENTICATED.into(),
        requires_scopes: REQUIRES_SCOPES.into(),
        policy: POLICY.into(),
    };
    let links = doc.definitions.iter().flat_map(|def| match def {
        Definition::SchemaDefinition(s) => &s.directives[..],
        _ => &[],
    });
    for link in links.filter(|d| d.name == "link") {
        let arg = |name: &str| {
            link.arguments
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v)
        };
        let Some(Value::String(url)) = arg("url") else {
            continue;
        };
        let Some(spec) = spec_name(url) else { continue };
        let slot = match spec {
            AUTHENTICATED => &mut names.authenticated,
            REQUIRES_SCOPES => &mut names.requires_scopes,
            POLICY => &mut names.policy,
            _ => continue,
        };
        if let Some(Value::String(alias)) = arg("as") {
            *slot = alias.clone();
        }
        if let Some(Value::List(imports)) = arg("import") {
            if let Some(local) = imported_name(imports, spec) {
                *slot = local;
            }
        }
    }
    names
}

/// `https://specs.apollo.dev/requiresScopes/v0.1` → `requiresScopes`.
fn spec_name(url: &str) -> Option<&str> {
    let mut parts = url.trim_end_matches('/').rsplit('/');
    let version = parts.next()?;
    let name = parts.next()?;
    version.starts_with('v').then_some(name)
}

/// The local name an `import:` list gives the spec's directive, if it lists it.
fn imported_name(imports: &[Value<'static, String>], spec: &str) -> Option<String> {
    let wanted = format!("@{spec}");
    imports.iter().find_map(|item| match item {
        Value::String(s) if *s == wanted => Some(spec.to_string()),
        Value::Object(fields) => {
            let field = |k: &str| fields.iter().find(|(n, _)| n == k).map(|(_, v)| v);
            match (field("name"), field("as")) {
                (Some(Value::String(n)), Some(Value::String(alias))) if *n == wanted => {
                    Some(alias.trim_start_matches('@').to_string())
                }
                (Some(Value::String(n)), None) if *n == wanted => Some(spec.to_string()),
                _ => None,
            }
        }
        _ => None,
    })
}

#[cfg(test)]
mod tests;
