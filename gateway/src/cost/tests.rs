//! Costs of small operations worked out by hand from the cost spec.

use apollo_compiler::executable::ExecutableDocument;
use apollo_compiler::response::JsonMap;
use apollo_compiler::Schema;

use super::{estimate, CostConfig, CostDirectives};

const SDL: &str = r#"
directive @cost(weight: Int!) on ARGUMENT_DEFINITION | ENUM | FIELD_DEFINITION | INPUT_FIELD_DEFINITION | OBJECT | SCALAR
directive @listSize(assumedSize: Int, slicingArguments: [String!], sizedFields: [String!], requireOneSlicingArgument: Boolean = true) on FIELD_DEFINITION
type Query {
  customers(first: Int = 20, after: String): CustomerConnection! @listSize(slicingArguments: ["first"], sizedFields: ["nodes"])
  top(first: Int): [Product!]! @listSize(slicingArguments: ["first"], assumedSize: 50)
  tags: [String!]!
  plain: [Product!]!
  search(text: String @cost(weight: 7)): Product @cost(weight: 5)
}
type Mutation { place(sku: String!): Product! }
type CustomerConnection { nodes: [Customer!]! total: Int! }
type Customer { id: ID! orders: [Product!]! }
type Product { sku: ID! price: Money! }
type Money @cost(weight: 3) { amount: Int! }
"#;

fn cost(query: &str, variables: Option<serde_json::Value>) -> (f64, bool) {
    let schema = Schema::parse_and_validate(SDL, "s.graphql").unwrap();
    let doc = ExecutableDocument::parse_and_validate(&schema, query, "q.graphql").unwrap();
    let op = doc.operations.get(None).unwrap();
    let dirs = CostDirectives::from_sdl(SDL);
    let vars: Option<JsonMap> = variables.map(|v| serde_json::from_value(v).unwrap());
    estimate(
        &schema,
        &doc,
        op,
        &dirs,
        &CostConfig::default(),
        vars.as_ref(),
    )
}

#[test]
fn objects_cost_one_and_scalars_nothing() {
    assert_eq!(cost("{ search { sku } }", None).0, 5.0 + 0.0);
    assert_eq!(
        cost("{ search(text: \"x\") { price { amount } } }", None).0,
        5.0 + 3.0 + 7.0
    );
}

#[test]
fn lists_multiply_by_slicing_arguments_assumed_or_default_sizes() {
    // 7 products, each 1 + a Money of 3.
    assert_eq!(
        cost("{ top(first: 7) { price { amount } } }", None).0,
        7.0 * 4.0
    );
    assert_eq!(cost("{ top { sku } }", None).0, 50.0);
    assert_eq!(cost("{ plain { sku } }", None).0, 10.0);
    assert_eq!(cost("{ tags }", None).0, 0.0);
}

#[test]
fn sized_fields_size_a_connection_s_nodes() {
    // The connection once, its 30 nodes each 1 + 10 default-sized orders.
    let (c, needs) = cost(
        "{ customers(first: 30) { nodes { orders { sku } } } }",
        None,
    );
    assert_eq!((c, needs), (1.0 + 30.0 * (1.0 + 10.0), false));
    // The argument's default (20) when it is not given.
    assert_eq!(cost("{ customers { nodes { id } } }", None).0, 1.0 + 20.0);
}

#[test]
fn variables_size_lists_when_known() {
    let q = "query($n: Int) { top(first: $n) { sku } }";
    assert!(cost(q, None).1, "depends on variables");
    assert_eq!(cost(q, Some(serde_json::json!({"n": 3}))).0, 3.0);
}

#[test]
fn fragments_cost_what_they_select_and_mutations_ten_more() {
    assert_eq!(
        cost("{ ...F } fragment F on Query { search { sku } }", None).0,
        5.0
    );
    assert_eq!(cost("mutation { place(sku: \"a\") { sku } }", None).0, 11.0);
}
