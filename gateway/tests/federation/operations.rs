//! Client operation features: aliases, fragments, variables, @skip/@include,
//! mutations in order, introspection, validation.

use serde_json::json;

use crate::harness::{start, Options};

const SELECTIVE: &str = r#"
query Q($n: Int!, $withStock: Boolean!, $skipName: Boolean = true) {
  best: topProducts(first: $n) {
    ...P
    stock: inStock @include(if: $withStock)
    label: name @skip(if: $skipName)
  }
}
fragment P on Product { upc }
"#;

#[tokio::test]
async fn aliases_fragments_variables_and_conditions() {
    let shop = start(Options::default()).await;
    let run =
        |vars| shop.post(json!({"query": SELECTIVE, "operationName": "Q", "variables": vars}));
    let (_, off) = run(json!({"n": 1, "withStock": false})).await;
    assert_eq!(off, json!({"data": {"best": [{"upc": "1"}]}}));
    let (_, on) = run(json!({"n": 1, "withStock": true, "skipName": false})).await;
    assert_eq!(
        on,
        json!({"data": {"best": [{"upc": "1", "stock": true, "label": "Table"}]}})
    );
}

#[tokio::test]
async fn nested_skip_inside_an_outer_include_is_honoured() {
    let shop = start(Options::default()).await;
    let q = "query($a: Boolean!, $b: Boolean!) { topProducts(first: 1) @include(if: $a) { upc ... @skip(if: $b) { inStock } } }";
    let (_, body) = shop
        .post(json!({"query": q, "variables": {"a": true, "b": true}}))
        .await;
    assert_eq!(body, json!({"data": {"topProducts": [{"upc": "1"}]}}));
    let (_, body) = shop
        .post(json!({"query": q, "variables": {"a": false, "b": false}}))
        .await;
    assert_eq!(body, json!({"data": {}}));
}

#[tokio::test]
async fn an_operation_with_every_field_skipped_answers_empty_data_without_fetching() {
    let shop = start(Options::default()).await;
    let q = "query($s: Boolean!) { me @skip(if: $s) { name } }";
    let (status, body) = shop
        .post(json!({"query": q, "variables": {"s": true}}))
        .await;
    assert_eq!((status, body), (200, json!({"data": {}})));
    assert_eq!(shop.subgraph_requests(), 0);
}

#[tokio::test]
async fn fragments_on_abstract_types_match_by_runtime_type() {
    let shop = start(Options::default()).await;
    let q = "{ feed { ...F } } fragment F on Content { ... on User { id } ... on Review { id } __typename }";
    let (_, body) = shop.query(q).await;
    assert_eq!(
        body,
        json!({"data": {"feed": [{"id": "r1", "__typename": "Review"}, {"id": "2", "__typename": "User"}]}})
    );
}

#[tokio::test]
async fn mutation_root_fields_run_in_document_order() {
    let shop = start(Options::default()).await;
    let q = r#"mutation {
      a: createUser(name: "X") { id reviewCount }
      b: addProduct(upc: "9", name: "Lamp") { upc inStock }
      c: createUser(name: "Y") { id }
    }"#;
    let (_, body) = shop.query(q).await;
    assert_eq!(
        body,
        json!({"data": {
            "a": {"id": "new-X", "reviewCount": 0},
            "b": {"upc": "9", "inStock": true},
            "c": {"id": "new-Y"}
        }})
    );
    assert_eq!(
        shop.log.entries(),
        [
            "accounts.createUser(X)",
            "products.addProduct(9)",
            "accounts.createUser(Y)"
        ]
    );
}

#[tokio::test]
async fn introspection_is_answered_by_the_gateway_alongside_real_fields() {
    let shop = start(Options::default()).await;
    let q = r#"{ __typename __schema { queryType { name } } __type(name: "User") { fields { name } } me { name } }"#;
    let (status, body) = shop.query(q).await;
    assert_eq!(status, 200);
    assert_eq!(body["data"]["__typename"], "Query");
    assert_eq!(
        body["data"]["__schema"],
        json!({"queryType": {"name": "Query"}})
    );
    assert_eq!(body["data"]["me"], json!({"name": "Ada"}));
    let fields: Vec<&str> = body["data"]["__type"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert!(
        fields.contains(&"reviews") && fields.contains(&"username"),
        "{fields:?}"
    );
    assert!(
        !fields.contains(&"secret"),
        "@inaccessible field leaked: {fields:?}"
    );
}

#[tokio::test]
async fn introspection_can_be_disabled() {
    let shop = start(Options {
        introspection_off: true,
        ..Options::default()
    })
    .await;
    let (status, body) = shop.query("{ __schema { queryType { name } } }").await;
    assert_eq!(status, 400);
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "INTROSPECTION_DISABLED"
    );
}

#[tokio::test]
async fn invalid_operations_are_rejected_with_codes_before_any_subgraph_call() {
    let shop = start(Options::default()).await;
    let cases = [
        (json!({"query": "{ me { name "}), "GRAPHQL_PARSE_FAILED"),
        (
            json!({"query": "{ me { nope } }"}),
            "GRAPHQL_VALIDATION_FAILED",
        ),
        (
            json!({"query": "{ me { secret } }"}),
            "GRAPHQL_VALIDATION_FAILED",
        ),
        (
            json!({"query": "{ topProducts(first: \"x\") { upc } }"}),
            "GRAPHQL_VALIDATION_FAILED",
        ),
        (
            json!({"query": "query A { me { id } }", "operationName": "B"}),
            "GRAPHQL_VALIDATION_FAILED",
        ),
        (
            json!({"query": "query($n: Int!) { topProducts(first: $n) { upc } }"}),
            "BAD_USER_INPUT",
        ),
        (
            json!({"query": "query($n: Int!) { topProducts(first: $n) { upc } }", "variables": {"n": "many"}}),
            "BAD_USER_INPUT",
        ),
    ];
    for (request, code) in cases {
        let (status, body) = shop.post(request.clone()).await;
        assert_eq!(status, 400, "{request}: {body}");
        assert_eq!(
            body["errors"][0]["extensions"]["code"], code,
            "{request}: {body}"
        );
        assert!(body.get("data").is_none(), "{body}");
    }
    assert_eq!(shop.subgraph_requests(), 0);
}

/// The upstream planner cannot plan @requires under a conditional
/// fragment on Query; the gateway must answer with a coded error (or the
/// right data, should the planner learn it), never crash.
#[tokio::test]
async fn requires_under_a_conditional_query_fragment_answers_cleanly() {
    let shop = start(Options::default()).await;
    let q = "query($x: Boolean!) { ... on Query @include(if: $x) { topProducts(first: 1) { shippingEstimate } } }";
    let (status, body) = shop
        .post(json!({"query": q, "variables": {"x": true}}))
        .await;
    if status == 200 {
        assert_eq!(
            body,
            json!({"data": {"topProducts": [{"shippingEstimate": 50}]}})
        );
    } else {
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "QUERY_PLANNING_FAILED",
            "{body}"
        );
    }
    // The gateway keeps serving afterwards.
    let (status, _) = shop.query("{ me { name } }").await;
    assert_eq!(status, 200);
}
