use apollo_compiler::Schema;
use hive_router_query_planner::utils::parsing::safe_parse_schema;

use super::*;

/// Rules of an SDL read both as the "supergraph" and (without the link machinery) as the
/// API schema.
fn rules(links: &str, types: &str) -> SchemaRules {
    let doc = safe_parse_schema(&format!("{links}\n{types}")).unwrap();
    let api = Schema::parse_and_validate(
        format!(
            "directive @authenticated on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM
             directive @requiresScopes(scopes: [[String!]!]!) on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM
             directive @policy(policies: [[String!]!]!) on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM
             directive @mustLogIn on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM
             directive @needs(scopes: [[String!]!]!) on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM
             {types}"
        ),
        "api.graphql",
    )
    .unwrap();
    SchemaRules::from_supergraph(&doc, &api, &api.implementers_map())
}

fn req(rules: &SchemaRules, parent: &str, field: &str) -> Option<Requirement> {
    rules.field(parent, field).map(|id| rules.reqs[id].clone())
}

const LINKS: &str = r#"schema
  @link(url: "https://specs.apollo.dev/link/v1.0")
  @link(url: "https://specs.apollo.dev/authenticated/v0.1", for: SECURITY)
  @link(url: "https://specs.apollo.dev/requiresScopes/v0.1", for: SECURITY)
  @link(url: "https://specs.apollo.dev/policy/v0.1", for: SECURITY)
{ query: Query }"#;

#[test]
fn field_type_and_interface_requirements_combine() {
    let rules = rules(
        LINKS,
        r#"type Query { media: [Media!]! open: String secret: Secret }
           interface Media { id: ID! notes: String }
           type Book implements Media { id: ID! notes: String @requiresScopes(scopes: [["notes:read"]]) }
           type Film implements Media @policy(policies: [["adult"]]) { id: ID! notes: String @authenticated }
           type Secret @authenticated { x: Int }"#,
    );
    assert!(req(&rules, "Query", "open").is_none());
    assert!(req(&rules, "Query", "secret").unwrap().authenticated);
    // An interface field: every implementation's field and type requirements.
    let notes = req(&rules, "Media", "notes").unwrap();
    assert!(notes.authenticated);
    assert_eq!(notes.scopes, [vec!["notes:read".to_string()]]);
    assert_eq!(notes.policies, [vec!["adult".to_string()]]);
    let id = req(&rules, "Media", "id").unwrap();
    assert_eq!(id.policies, [vec!["adult".to_string()]]);
    // The object's own field only needs its own.
    assert!(req(&rules, "Book", "id").is_none());
    let film = rules
        .type_condition("Film")
        .map(|id| rules.reqs[id].clone());
    assert_eq!(film.unwrap().policies, [vec!["adult".to_string()]]);
}

#[test]
fn directive_names_follow_the_links_renames() {
    let links = r#"schema
      @link(url: "https://specs.apollo.dev/link/v1.0")
      @link(url: "https://specs.apollo.dev/authenticated/v0.1", as: "mustLogIn", for: SECURITY)
      @link(url: "https://specs.apollo.dev/requiresScopes/v0.1", import: [{name: "@requiresScopes", as: "@needs"}])
    { query: Query }"#;
    let rules = rules(
        links,
        r#"type Query {
             a: Int @mustLogIn
             b: Int @needs(scopes: [["x"]])
             c: Int @authenticated
           }"#,
    );
    assert!(req(&rules, "Query", "a").unwrap().authenticated);
    assert_eq!(
        req(&rules, "Query", "b").unwrap().scopes,
        [vec!["x".to_string()]]
    );
    // `@authenticated` is not the linked name here: some other directive.
    assert!(req(&rules, "Query", "c").is_none());
}

#[test]
fn a_supergraph_without_directives_has_no_rules() {
    let rules = rules(LINKS, "type Query { a: Int }");
    assert!(rules.is_empty());
}
