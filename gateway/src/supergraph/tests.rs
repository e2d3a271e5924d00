//! Loading real supergraphs and planning against them.

use super::Supergraph;
use crate::planner;

/// The public federation benchmark fixture, vendored (MIT) by the bench-subgraphs crate.
const BENCH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../crates/bench-subgraphs/data"
);

fn bench_supergraph() -> Supergraph {
    let sdl = std::fs::read_to_string(format!("{BENCH}/supergraph.graphql")).unwrap();
    Supergraph::parse(&sdl).unwrap()
}

#[test]
fn bench_supergraph_loads_with_its_four_subgraphs() {
    let sg = bench_supergraph();
    let mut names: Vec<_> = sg.subgraph_urls().keys().cloned().collect();
    names.sort();
    assert_eq!(names, ["accounts", "inventory", "products", "reviews"]);
    let schema = sg.api_schema();
    assert!(schema.types.contains_key("Product"));
    assert!(!schema
        .types
        .keys()
        .any(|t| t.starts_with("join__") || t.starts_with("link__")));
}

#[test]
fn bench_query_plans_across_all_subgraphs() {
    let sg = bench_supergraph();
    let query = std::fs::read_to_string(format!("{BENCH}/query.graphql")).unwrap();
    let plan = planner::plan(&sg.planner, &query, None, None)
        .unwrap()
        .unwrap();
    insta::assert_json_snapshot!(plan);
}

#[test]
fn garbage_is_not_a_supergraph() {
    assert!(Supergraph::parse("type Query { a: Int").is_err());
    assert!(Supergraph::parse("type Query { a: Int }").is_err());
}
