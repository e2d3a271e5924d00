//! The committed `live` fixture SDLs are what the test subgraphs serve;
//! regenerate with
//! `cargo test -p crowdcrunch-gateway --test subscriptions -- --ignored regenerate`
//! then compose: `cd tests/fixtures/compose && npm ci && node compose.mjs ../live`.
//! And the plan the gateway makes of a subscription.

use crowdcrunch_gateway::supergraph::Supergraph;

use crate::harness::{LIVE_SUPERGRAPH, PRICE_CHANGED};
use crate::subgraphs;

fn live_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/live")
}

#[test]
#[ignore = "writes fixture files"]
fn regenerate_live_sdls() {
    std::fs::create_dir_all(live_dir()).unwrap();
    for (name, sdl) in subgraphs::sdls() {
        std::fs::write(live_dir().join(format!("{name}.graphql")), sdl).unwrap();
    }
}

#[test]
fn committed_live_sdls_match_the_test_subgraphs() {
    for (name, sdl) in subgraphs::sdls() {
        let committed =
            std::fs::read_to_string(live_dir().join(format!("{name}.graphql"))).unwrap();
        assert_eq!(
            committed, sdl,
            "{name}.graphql is stale: regenerate and recompose"
        );
    }
}

/// The primary fetch opens on `ticker`; each event then needs `catalog`
/// (name, weight) and, after it, `shipping` (cost `@requires` weight).
#[test]
fn subscription_plan_is_a_primary_fetch_and_the_rest_per_event() {
    let sg = Supergraph::parse(LIVE_SUPERGRAPH).unwrap();
    let plan = sg.plan(PRICE_CHANGED, None).unwrap();
    insta::assert_json_snapshot!("plan_subscription_with_entity_fetches", plan);
}
