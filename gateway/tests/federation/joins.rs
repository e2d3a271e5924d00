//! Entity joins, @requires, @provides, @shareable, @override, unions.
//! Expected data follows from the subgraphs' fixed data sets.

use crowdcrunch_gateway::supergraph::Supergraph;
use serde_json::json;

use crate::harness::{start, Options, SHOP_SUPERGRAPH};

fn plan(query: &str) -> serde_json::Value {
    let sg = Supergraph::parse(SHOP_SUPERGRAPH).unwrap();
    serde_json::to_value(sg.plan(query, None).unwrap()).unwrap()
}

const TWO_SUBGRAPHS: &str = "{ topProducts(first: 2) { name inStock } }";
const CHAIN: &str = "{ me { name reviews { body product { name shippingEstimate } } } }";

#[test]
fn plans_of_joins_are_stable() {
    insta::assert_json_snapshot!("plan_two_subgraphs", plan(TWO_SUBGRAPHS));
    insta::assert_json_snapshot!("plan_chain_with_requires", plan(CHAIN));
}

#[tokio::test]
async fn entity_join_across_two_subgraphs() {
    let shop = start(Options::default()).await;
    let (status, body) = shop.query(TWO_SUBGRAPHS).await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"data": {"topProducts": [
            {"name": "Table", "inStock": true},
            {"name": "Couch", "inStock": true}
        ]}})
    );
}

/// accounts → reviews → products → inventory (with nested @requires);
/// review r3 points at a product products does not know: a nullable entity
/// position becomes null with an error at the missing non-null field.
#[tokio::test]
async fn nested_entity_chain_across_four_subgraphs_with_requires() {
    let shop = start(Options::default()).await;
    let (status, body) = shop.query(CHAIN).await;
    assert_eq!(status, 200);
    assert_eq!(
        body["data"],
        json!({"me": {"name": "Ada", "reviews": [
            {"body": "Love it", "product": {"name": "Table", "shippingEstimate": 50}},
            {"body": "Ghost product", "product": null}
        ]}})
    );
    let errors = body["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(
        errors[0]["path"],
        json!(["me", "reviews", 1, "product", "name"])
    );
}

#[tokio::test]
async fn requires_sees_values_from_the_owning_subgraph() {
    let shop = start(Options::default()).await;
    let (_, body) = shop.query("{ topProducts { upc shippingEstimate } }").await;
    assert_eq!(
        body,
        json!({"data": {"topProducts": [
            {"upc": "1", "shippingEstimate": 50},
            {"upc": "2", "shippingEstimate": 0},
            {"upc": "3", "shippingEstimate": 25}
        ]}})
    );
}

#[tokio::test]
async fn provides_answers_from_the_providing_subgraph_only() {
    let shop = start(Options::default()).await;
    let (_, body) = shop
        .query(r#"{ review(id: "r1") { author { name } } }"#)
        .await;
    assert_eq!(
        body,
        json!({"data": {"review": {"author": {"name": "Ada"}}}})
    );
    assert_eq!(
        shop.subgraph_requests(),
        1,
        "@provides must avoid the accounts fetch"
    );
}

/// r4's author is unknown to accounts: `author: User!` cannot be null, so
/// the null propagates to the nullable `review`.
#[tokio::test]
async fn entity_not_found_in_non_null_position_nulls_the_nearest_nullable_parent() {
    let shop = start(Options::default()).await;
    let (_, body) = shop
        .query(r#"{ review(id: "r4") { body author { username } } }"#)
        .await;
    assert_eq!(body["data"], json!({"review": null}));
    let errors = body["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0]["path"], json!(["review", "author", "username"]));
    assert_eq!(
        errors[0]["extensions"]["code"], "DOWNSTREAM_SERVICE_ERROR",
        "{errors:?}"
    );
}

#[tokio::test]
async fn override_routes_the_field_to_the_overriding_subgraph() {
    let shop = start(Options::default()).await;
    let (_, body) = shop.query("{ users { username reviewCount } }").await;
    assert_eq!(
        body,
        json!({"data": {"users": [
            {"username": "ada", "reviewCount": 2},
            {"username": "alan", "reviewCount": 1}
        ]}})
    );
}

#[tokio::test]
async fn shareable_field_is_served() {
    let shop = start(Options::default()).await;
    let (_, body) = shop
        .query(r#"{ product(upc: "3") { name inStock } }"#)
        .await;
    assert_eq!(
        body,
        json!({"data": {"product": {"name": "Chair", "inStock": false}}})
    );
}

#[tokio::test]
async fn union_members_resolve_fields_from_different_subgraphs() {
    let shop = start(Options::default()).await;
    let (_, body) = shop
        .query("{ feed { __typename ... on Review { body author { username } } ... on User { username } } }")
        .await;
    assert_eq!(
        body,
        json!({"data": {"feed": [
            {"__typename": "Review", "body": "Love it", "author": {"username": "ada"}},
            {"__typename": "User", "username": "alan"}
        ]}})
    );
}

#[tokio::test]
async fn interface_object_fields_join_onto_the_implementing_types() {
    let shop = start(Options::default()).await;
    let (_, body) = shop
        .query("{ accounts { __typename id reviewTotal ... on User { username } } }")
        .await;
    assert_eq!(
        body,
        json!({"data": {"accounts": [
            {"__typename": "User", "id": "1", "reviewTotal": 2, "username": "ada"},
            {"__typename": "User", "id": "2", "reviewTotal": 1, "username": "alan"}
        ]}})
    );
}

#[tokio::test]
async fn interface_object_root_field_learns_each_concrete_type_from_the_interface_owner() {
    let shop = start(Options::default()).await;
    let (_, body) = shop
        .query("{ topAccounts { __typename id reviewTotal ... on User { username } } }")
        .await;
    assert_eq!(
        body,
        json!({"data": {"topAccounts": [
            {"__typename": "User", "id": "2", "reviewTotal": 1, "username": "alan"},
            {"__typename": "User", "id": "1", "reviewTotal": 2, "username": "ada"}
        ]}})
    );
}

#[tokio::test]
async fn inaccessible_enum_value_from_a_subgraph_reads_as_null() {
    let shop = start(Options::default()).await;
    let (_, body) = shop
        .query(r#"{ a: product(upc: "1") { stockLevel } b: product(upc: "2") { stockLevel } }"#)
        .await;
    assert_eq!(
        body,
        json!({"data": {"a": {"stockLevel": "PLENTY"}, "b": {"stockLevel": null}}})
    );
}
