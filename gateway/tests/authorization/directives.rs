//! `@authenticated`, `@requiresScopes` and `@policy` on interface fields, entity fields,
//! root fields, mutations and types reached through fragments: anonymous, wrong scope and
//! right scope, with null propagation and no subgraph call when nothing is left.

use insta::assert_json_snapshot;
use serde_json::json;

use crate::harness::start;

const MEDIA: &str = "{ media { id title internalNotes } }";

#[tokio::test]
async fn an_interface_field_needs_what_every_implementation_needs() {
    let library = start().await;
    let (status, anonymous) = library.query(MEDIA, None).await;
    assert_eq!(status, 200);
    assert_json_snapshot!("interface_field_anonymous", anonymous);
    // `admin` opens Film.internalNotes but not Book's: through the interface, still closed.
    let admin = library.token("staff-1", &["admin"]);
    let (_, with_admin) = library.query(MEDIA, Some(&admin)).await;
    assert_eq!(with_admin, anonymous);
    let reader = library.token("staff-2", &["notes:read"]);
    let (_, allowed) = library.query(MEDIA, Some(&reader)).await;
    assert_json_snapshot!("interface_field_allowed", allowed);
}

#[tokio::test]
async fn fields_and_types_reached_through_fragments_are_judged_on_the_fragment_type() {
    let library = start().await;
    let q = "{ media { title ... on Film { internalNotes rating } ...BookNotes } }
             fragment BookNotes on Book { internalNotes isbn }";
    let (_, anonymous) = library.query(q, None).await;
    assert_json_snapshot!("fragments_anonymous", anonymous);
    // Through the Film fragment, `admin` is enough for Film.internalNotes.
    let admin = library.token("staff-1", &["admin"]);
    let (_, admin) = library.query(q, Some(&admin)).await;
    assert_json_snapshot!("fragments_admin", admin);
}

#[tokio::test]
async fn a_closed_type_in_a_union_nulls_only_its_members() {
    let library = start().await;
    let q = r#"{ find(term: "a") { ... on Book { id loanCount } ... on Patron { name } } }"#;
    let (_, anonymous) = library.query(q, None).await;
    assert_json_snapshot!("union_fragment_anonymous", anonymous);
    let token = library.token("reader", &[]);
    let (_, signed_in) = library.query(q, Some(&token)).await;
    assert_eq!(
        signed_in,
        json!({"data": {"find": [{"id": "b1", "loanCount": 3}, {"name": "Alan"}]}})
    );
}

#[tokio::test]
async fn an_entity_field_is_removed_before_planning_and_cached_plans_follow_the_identity() {
    let library = start().await;
    let q = r#"{ book(id: "b1") { title loanCount borrower { name } } }"#;
    let (_, anonymous) = library.query(q, None).await;
    assert_json_snapshot!("entity_field_anonymous", anonymous);
    let token = library.token("staff-1", &["loans:read"]);
    let (_, allowed) = library.query(q, Some(&token)).await;
    assert_eq!(
        allowed,
        json!({"data": {"book": {"title": "Dune", "loanCount": 3, "borrower": {"name": "Ada"}}}})
    );
    // The same document again, anonymous: the filtered plan, not the full one.
    let (_, again) = library.query(q, None).await;
    assert_eq!(again, anonymous);
}

#[tokio::test]
async fn a_closed_root_field_is_null_and_nothing_left_means_no_subgraph_call() {
    let library = start().await;
    let (status, body) = library.query("{ stats { visits } }", None).await;
    assert_eq!(status, 200);
    assert_json_snapshot!("root_field_anonymous", body);
    // A closed non-null root field makes `data` null.
    let (_, body) = library.query("{ auditLog }", None).await;
    assert_json_snapshot!("non_null_root_field_anonymous", body);
    assert_eq!(library.subgraph_requests(), 0);
    let auditor = library.token("auditor", &[]);
    let (_, body) = library
        .query("{ auditLog stats { visits } }", Some(&auditor))
        .await;
    assert_eq!(
        body,
        json!({"data": {"auditLog": ["b1 renewed"], "stats": {"visits": 42}}})
    );
}

#[tokio::test]
async fn a_closed_non_null_field_nulls_its_nearest_nullable_ancestor() {
    let library = start().await;
    let reader = library.token("reader", &[]);
    let (_, body) = library
        .query("{ patrons { name email } }", Some(&reader))
        .await;
    assert_json_snapshot!("null_propagation_without_policy", body);
    let librarian = library.token("librarian", &[]);
    let (_, body) = library
        .query("{ patrons { name email } }", Some(&librarian))
        .await;
    assert_eq!(
        body,
        json!({"data": {"patrons": [
            {"name": "Ada", "email": "ada@library.test"},
            {"name": "Alan", "email": "alan@library.test"}
        ]}})
    );
}

#[tokio::test]
async fn a_closed_mutation_never_reaches_its_subgraph() {
    let library = start().await;
    let renew = r#"mutation { renewLoan(bookId: "b1") }"#;
    let wrong_scope = library.token("staff-1", &["loans:read"]);
    let (status, body) = library.query(renew, Some(&wrong_scope)).await;
    assert_eq!(status, 200);
    assert_json_snapshot!("mutation_wrong_scope", body);
    assert_eq!(library.subgraph_requests(), 0);
    let writer = library.token("staff-1", &["loans:write"]);
    let (_, body) = library.query(renew, Some(&writer)).await;
    assert_eq!(body, json!({"data": {"renewLoan": true}}));
    assert_eq!(library.subgraph_requests(), 1);
}
