//! Derives the public API schema (what clients may query) from the planner's
//! consumer schema, as a validated apollo-compiler schema.

use apollo_compiler::{validation::Valid, Schema};
use graphql_tools::static_graphql::schema::{Definition, Document, TypeDefinition};

const BUILTIN_SCALARS: [&str; 5] = ["Boolean", "Float", "Int", "ID", "String"];
const DEFER: &str =
    "\ndirective @defer(label: String, if: Boolean! = true) on FRAGMENT_SPREAD | INLINE_FRAGMENT\n";
const BUILTIN_DIRECTIVES: [&str; 5] = ["skip", "include", "deprecated", "specifiedBy", "oneOf"];

/// The consumer schema already has join/link machinery and `@inaccessible`
/// elements removed, but it also carries the introspection types and
/// `__schema`/`__type` root fields the planner needs; apollo-compiler
/// provides those itself, so they are dropped before validation.
pub fn from_consumer_schema(consumer: &Document) -> Result<Valid<Schema>, String> {
    let mut doc = consumer.clone();
    doc.definitions.retain(|def| match def {
        Definition::TypeDefinition(t) => {
            let name = type_name(t);
            !name.starts_with("__") && !BUILTIN_SCALARS.contains(&name)
        }
        Definition::DirectiveDefinition(d) => !BUILTIN_DIRECTIVES.contains(&d.name.as_str()),
        _ => true,
    });
    for def in &mut doc.definitions {
        if let Definition::TypeDefinition(TypeDefinition::Object(obj)) = def {
            obj.fields.retain(|f| !f.name.starts_with("__"));
        }
    }
    let mut sdl = doc.to_string();
    if !sdl.contains("directive @defer") {
        // Incremental delivery: served by the gateway (see `planner::defer`), not by subgraphs.
        sdl.push_str(DEFER);
    }
    Schema::parse_and_validate(sdl, "api_schema.graphql").map_err(|e| e.errors.to_string())
}

fn type_name(t: &TypeDefinition) -> &str {
    match t {
        TypeDefinition::Scalar(x) => &x.name,
        TypeDefinition::Object(x) => &x.name,
        TypeDefinition::Interface(x) => &x.name,
        TypeDefinition::Union(x) => &x.name,
        TypeDefinition::Enum(x) => &x.name,
        TypeDefinition::InputObject(x) => &x.name,
    }
}
