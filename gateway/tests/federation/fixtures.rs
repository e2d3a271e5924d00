//! The committed subgraph SDLs must be exactly what the test subgraphs
//! serve; regenerate with
//! `cargo test -p crowdcrunch-gateway --test federation -- --ignored regenerate`
//! then compose: `cd tests/fixtures/compose && npm ci && node compose.mjs ../shop`.

use crate::subgraphs;

fn shop_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/shop")
}

#[test]
#[ignore = "writes fixture files"]
fn regenerate_shop_sdls() {
    std::fs::create_dir_all(shop_dir()).unwrap();
    for (name, sdl) in subgraphs::sdls() {
        std::fs::write(shop_dir().join(format!("{name}.graphql")), sdl).unwrap();
    }
}

#[test]
fn committed_subgraph_sdls_match_the_test_subgraphs() {
    for (name, sdl) in subgraphs::sdls() {
        let committed =
            std::fs::read_to_string(shop_dir().join(format!("{name}.graphql"))).unwrap();
        assert_eq!(
            committed, sdl,
            "{name}.graphql is stale: regenerate and recompose"
        );
    }
}
