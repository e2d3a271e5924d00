//! The committed supergraph is exactly what composing the committed subgraph SDLs gives.

use std::path::Path;
use std::process::Command;

#[test]
fn committed_supergraph_matches_a_fresh_composition() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let version = Command::new("node").arg("--version").output();
    assert!(
        version.is_ok_and(|o| o.status.success()),
        "node is required to check the supergraph composition: install Node.js (Debian: \
         apt-get install nodejs npm), then run `npm ci --prefix compose`"
    );
    assert!(
        root.join("compose/node_modules/@theguild/federation-composition")
            .is_dir(),
        "the composition library is not installed: run `npm ci --prefix compose`"
    );
    let fresh = std::env::temp_dir().join(format!("supergraph-{}.graphql", uuid::Uuid::new_v4()));
    let run = Command::new("node")
        .arg(root.join("compose/compose.mjs"))
        .arg("--out")
        .arg(&fresh)
        .output()
        .expect("run node compose/compose.mjs");
    let composed = std::fs::read_to_string(&fresh);
    let _ = std::fs::remove_file(&fresh);
    assert!(
        run.status.success(),
        "composition failed:\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let composed = composed.expect("composed supergraph");
    let committed = std::fs::read_to_string(root.join("supergraph.graphql"))
        .expect("supergraph.graphql is committed at the repository root");
    if let Some((n, (want, got))) = composed
        .lines()
        .zip(committed.lines())
        .enumerate()
        .find(|(_, (a, b))| a != b)
    {
        panic!(
            "supergraph.graphql differs from a fresh composition at line {}:\n  fresh:     {want}\n  \
             committed: {got}\nrun compose/compose.sh and commit the result",
            n + 1
        );
    }
    assert_eq!(
        composed.lines().count(),
        committed.lines().count(),
        "supergraph.graphql differs from a fresh composition in length: run compose/compose.sh"
    );
    assert_eq!(
        composed, committed,
        "supergraph.graphql differs (whitespace): run compose/compose.sh"
    );
}
