//! Deferral plans on the test shop and the public benchmark supergraph (snapshots).

use serde_json::{json, Map, Value};

use super::{DeferPlan, Deferrable};
use crate::supergraph::Supergraph;

const SHOP: &str = include_str!("../../../tests/fixtures/shop/supergraph.graphql");
const BENCH: &str = include_str!("../../../../crates/bench-subgraphs/data/supergraph.graphql");

fn plan_with(sdl: &str, query: &str, variables: Value) -> Option<std::sync::Arc<DeferPlan>> {
    let sg = Supergraph::parse(sdl).unwrap();
    let doc = apollo_compiler::ExecutableDocument::parse_and_validate(
        sg.api_schema(),
        query,
        "query.graphql",
    )
    .unwrap();
    let operation = doc.operations.get(None).unwrap();
    let deferrable = Deferrable::new(&doc, operation)?;
    let variables: Map<String, Value> = serde_json::from_value(variables).unwrap();
    deferrable.plan(&sg, &variables, None).unwrap()
}

fn plan(sdl: &str, query: &str) -> std::sync::Arc<DeferPlan> {
    plan_with(sdl, query, json!({})).unwrap()
}

#[test]
fn a_slow_field_of_a_value_type_is_fetched_by_the_key_of_the_entity_above_it() {
    insta::assert_json_snapshot!(plan(
        SHOP,
        "{ topProducts { name reviews { body ... @defer(label: \"slow\") { slow } } } }"
    ));
}

#[test]
fn a_deferred_entity_field_from_another_subgraph_is_one_entities_fetch() {
    insta::assert_json_snapshot!(plan(
        SHOP,
        "{ product(upc: \"1\") { name ... @defer { inStock shippingEstimate } } }"
    ));
}

#[test]
fn nested_defers_are_parts_of_their_parents() {
    insta::assert_json_snapshot!(plan(
        SHOP,
        "{ me { name ... @defer(label: \"outer\") { reviews { body product { name \
         ... @defer(label: \"inner\") { inStock } } } } } }"
    ));
}

#[test]
fn a_deferred_named_fragment_at_the_root_is_planned_from_the_root() {
    insta::assert_json_snapshot!(plan(
        SHOP,
        "query { me { name } ...Top @defer(label: \"top\") } fragment Top on Query { topProducts { name } }"
    ));
}

#[test]
fn if_false_defers_nothing_and_a_variable_decides_per_request() {
    let q = "query($d: Boolean!) { me { name ... @defer(if: $d) { username } } }";
    assert!(plan_with(SHOP, q, json!({"d": false})).is_none());
    assert_eq!(
        plan_with(SHOP, q, json!({"d": true})).unwrap().parts.len(),
        1
    );
    let literal = "{ me { name ... @defer(if: false) { username } } }";
    let sg = Supergraph::parse(SHOP).unwrap();
    let doc =
        apollo_compiler::ExecutableDocument::parse_and_validate(sg.api_schema(), literal, "q")
            .unwrap();
    assert!(Deferrable::new(&doc, doc.operations.get(None).unwrap()).is_none());
}

#[test]
fn a_mutation_runs_once_and_its_entities_are_deferred_by_key() {
    insta::assert_json_snapshot!(plan(
        SHOP,
        "mutation { createUser(name: \"x\") { id ... @defer { reviews { body } } } }"
    ));
}

#[test]
fn the_benchmark_query_defers_its_deepest_reviews() {
    insta::assert_json_snapshot!(plan(
        BENCH,
        "{ topProducts { name ... @defer(label: \"reviews\") { reviews { body author { username } } } } }"
    ));
}
