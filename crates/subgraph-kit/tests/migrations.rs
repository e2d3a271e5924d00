//! The outbox/inbox tables are created by each service's own migration (sqlx migrations are
//! per service, and applied ones cannot move), copied from `events::MIGRATION_SQL`: every
//! service's copy must stay that SQL exactly, so the kit's relay and consumers fit them all.

use std::path::Path;

#[test]
fn every_service_creates_the_outbox_and_inbox_exactly_as_the_kit_defines_them() {
    let subgraphs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../subgraphs");
    for service in ["customers", "orders", "payments", "fulfillment", "returns"] {
        let dir = subgraphs.join(service).join("migrations");
        let copies: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|entry| std::fs::read_to_string(entry.unwrap().path()).unwrap())
            .filter(|sql| sql.contains("CREATE TABLE outbox"))
            .collect();
        assert_eq!(
            copies.len(),
            1,
            "{service}: one migration creates the outbox"
        );
        assert!(
            copies[0].contains(subgraph_kit::events::MIGRATION_SQL),
            "{service}'s events migration drifted from subgraph_kit::events::MIGRATION_SQL"
        );
    }
}
