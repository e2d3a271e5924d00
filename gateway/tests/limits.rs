//! Abuse refused by the operation limits, against a real gateway over HTTP in
//! front of the shop subgraphs: each class answers 400 with its code before
//! any subgraph is called; measure mode lets it run and counts it.

// Shared with tests/federation.rs, which uses what this file does not.
#[allow(dead_code)]
#[path = "federation/harness.rs"]
mod harness;
#[allow(dead_code)]
#[path = "federation/subgraphs/mod.rs"]
mod subgraphs;
#[path = "federation/tls.rs"]
mod tls;

use crowdcrunch_gateway::limits::LimitsConfig;
use serde_json::Value;

use harness::{start, Options, Shop};

fn explosion(levels: usize, on: &str) -> String {
    let mut doc = format!("fragment F0 on {on} {{ __typename }}");
    for i in 1..=levels {
        doc += &format!(" fragment F{i} on {on} {{ ...F{p} ...F{p} }}", p = i - 1);
    }
    doc
}

/// `{ me { reviews { product { reviews … } } } }`, `levels` fields deep.
fn deep(levels: usize) -> String {
    let mut path = vec!["me"];
    while path.len() < levels - 1 {
        path.push(["reviews", "product"][(path.len() + 1) % 2]);
    }
    let leaf = match path.last() {
        Some(&"product") => "upc",
        _ => "id",
    };
    let mut doc = leaf.to_string();
    for field in path.iter().rev() {
        doc = format!("{field} {{ {doc} }}");
    }
    format!("{{ {doc} }}")
}

fn codes(body: &Value) -> Vec<String> {
    body["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| e["extensions"]["code"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// Sends `query`; asserts 400, `code` among the errors, no data and no
/// subgraph call so far.
async fn refused(shop: &Shop, query: &str, code: &str) -> Value {
    let (status, body) = shop.query(query).await;
    assert_eq!(
        status,
        400,
        "{}",
        &body.to_string()[..body.to_string().len().min(500)]
    );
    assert!(codes(&body).iter().any(|c| c == code), "{code}: {body}");
    assert!(body.get("data").is_none());
    assert_eq!(shop.subgraph_requests(), 0);
    body
}

#[tokio::test]
async fn fragment_explosions_are_refused_by_counting_fields() {
    let shop = start(Options::default()).await;
    let on_query = format!("query {{ ...F30 }} {}", explosion(30, "Query"));
    let body = refused(&shop, &on_query, "MAX_FIELDS_EXCEEDED").await;
    assert!(body.to_string().contains("1073741824"), "{body}");
    let on_user = format!("query {{ me {{ ...F25 }} }} {}", explosion(25, "User"));
    refused(&shop, &on_user, "MAX_FIELDS_EXCEEDED").await;
}

#[tokio::test]
async fn ten_thousand_aliases_stop_at_the_token_limit() {
    let shop = start(Options::default()).await;
    let aliases: Vec<String> = (0..10_000)
        .map(|i| format!("a{i}: me {{ id name }}"))
        .collect();
    let body = refused(
        &shop,
        &format!("{{ {} }}", aliases.join(" ")),
        "MAX_TOKENS_EXCEEDED",
    )
    .await;
    assert_eq!(body["errors"].as_array().unwrap().len(), 1);
    // Within the token limit, the alias limit itself.
    let aliases: Vec<String> = (0..150).map(|i| format!("a{i}: id")).collect();
    refused(
        &shop,
        &format!("{{ me {{ {} }} }}", aliases.join(" ")),
        "MAX_ALIASES_EXCEEDED",
    )
    .await;
}

#[tokio::test]
async fn root_fan_out_is_refused() {
    let shop = start(Options::default()).await;
    let roots = [
        "me { id }",
        "topProducts { upc }",
        "review(id: \"r1\") { id }",
    ];
    let fields: Vec<String> = (0..40).map(|i| format!("r{i}: {}", roots[i % 3])).collect();
    let body = refused(
        &shop,
        &format!("{{ {} }}", fields.join(" ")),
        "MAX_ROOT_FIELDS_EXCEEDED",
    )
    .await;
    assert!(!codes(&body).contains(&"MAX_ALIASES_EXCEEDED".to_string()));
}

#[tokio::test]
async fn depth_is_refused_before_planning_whatever_nests() {
    // Deep shop queries nest lists, which demand control would refuse first.
    let shop = start(Options {
        cost: Some(crowdcrunch_gateway::cost::CostConfig {
            enabled: false,
            ..Default::default()
        }),
        ..Options::default()
    })
    .await;
    let (status, _) = shop.query(&deep(32)).await;
    assert_eq!(status, 200, "depth 32 is within the default");
    let calls = shop.subgraph_requests();
    let (status, body) = shop.query(&deep(33)).await;
    assert_eq!(
        (status, codes(&body)[0].as_str()),
        (400, "MAX_DEPTH_EXCEEDED"),
        "{body}"
    );
    // 60 nested inline fragments used to reach the planner and answer 500.
    let nested = format!(
        "{{ {} __typename {} }}",
        "... on Query { ".repeat(60),
        "} ".repeat(60)
    );
    let (status, body) = shop.query(&nested).await;
    assert_eq!(
        (status, codes(&body)[0].as_str()),
        (400, "MAX_DEPTH_EXCEEDED"),
        "{body}"
    );
    assert_eq!(shop.subgraph_requests(), calls);
}

#[tokio::test]
async fn width_tokens_and_directives_are_refused() {
    let shop = start(Options::default()).await;
    refused(
        &shop,
        &format!("{{ me {{ {} }} }}", "id ".repeat(2_500)),
        "MAX_FIELDS_EXCEEDED",
    )
    .await;
    refused(
        &shop,
        &format!("{{ {} }}", "__typename ".repeat(20_000)),
        "MAX_TOKENS_EXCEEDED",
    )
    .await;
    let many: Vec<String> = (0..20).map(|i| format!("@d{i}")).collect();
    refused(
        &shop,
        &format!("{{ __typename {} }}", many.join(" ")),
        "MAX_DIRECTIVES_EXCEEDED",
    )
    .await;
}

#[tokio::test]
async fn ten_thousand_unknown_directives_do_not_answer_ten_thousand_errors() {
    let shop = start(Options::default()).await;
    let spread: Vec<String> = (0..10_000).map(|i| format!("__typename @d{i}")).collect();
    let doc = format!("{{ {} }}", spread.join(" "));
    let (status, body) = shop.query(&doc).await;
    assert_eq!(status, 400);
    assert_eq!(
        body["errors"].as_array().unwrap().len(),
        1,
        "{}",
        &body.to_string()[..300]
    );
    // Under the token limit, distinct validation errors are capped at 100.
    let unknown: Vec<String> = (0..300).map(|i| format!("x{i}")).collect();
    let (status, body) = shop
        .query(&format!("{{ me {{ {} }} }}", unknown.join(" ")))
        .await;
    assert_eq!(status, 400);
    let errors = body["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 100);
    let last = errors[99]["message"].as_str().unwrap();
    let left_out: usize = last.split(' ').next().unwrap().parse().unwrap();
    assert!(
        left_out > 200 && last.ends_with(" more errors were left out"),
        "{last}"
    );
    assert_eq!(shop.subgraph_requests(), 0);
}

#[tokio::test]
async fn deep_introspection_and_huge_literals_are_client_errors() {
    let shop = start(Options::default()).await;
    let mut inner = "name".to_string();
    for _ in 0..12 {
        inner = format!("fields {{ type {{ {inner} }} }}");
    }
    let intro = format!("{{ __type(name: \"Query\") {{ {inner} }} }}");
    refused(&shop, &intro, "MAX_INTROSPECTION_DEPTH_EXCEEDED").await;
    let mut inner = "name".to_string();
    for _ in 0..31 {
        inner = format!("fields {{ type {{ {inner} }} }}");
    }
    refused(
        &shop,
        &format!("{{ __schema {{ types {{ {inner} }} }} }}"),
        "MAX_DEPTH_EXCEEDED",
    )
    .await;
    let past_i64 = "{ topProducts(first: 9223372036854775808) { upc } }";
    refused(&shop, past_i64, "INT_LITERAL_OUT_OF_RANGE").await;
}

#[tokio::test]
async fn a_syntax_error_is_reported_once() {
    let shop = start(Options::default()).await;
    // `{` alone makes the parser recover and report two mistakes; one is shown.
    for document in ["{ me { name ", "{", "query { me(: 1) { name } }"] {
        let body = refused(&shop, document, "GRAPHQL_PARSE_FAILED").await;
        assert_eq!(body["errors"].as_array().unwrap().len(), 1, "{body}");
    }
}

#[tokio::test]
async fn echoed_input_is_truncated_in_errors() {
    let shop = start(Options::default()).await;
    let huge = "x".repeat(100_000);
    let body = refused(
        &shop,
        &format!("{{ topProducts(first: \"{huge}\") {{ upc }} }}"),
        "GRAPHQL_VALIDATION_FAILED",
    )
    .await;
    assert!(
        body.to_string().len() < 1_000,
        "{} bytes",
        body.to_string().len()
    );
}

#[tokio::test]
async fn an_unreachable_subgraph_is_reported_without_transport_details() {
    let shop = start(Options {
        down: Some("accounts"),
        ..Options::default()
    })
    .await;
    let (status, body) = shop.query("{ me { name } }").await;
    assert_eq!(status, 200);
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert_eq!(
        message,
        "subgraph 'accounts' failed: request to subgraph failed: cannot connect"
    );
}

/// The only test of this binary in measure mode, so the counter's growth is
/// its own.
#[tokio::test]
async fn measure_mode_runs_the_operation_and_counts_it() {
    crowdcrunch_gateway::telemetry::metrics::install().unwrap();
    let shop = start(Options {
        limits: Some(LimitsConfig {
            enforce: false,
            max_aliases: 2,
            ..LimitsConfig::default()
        }),
        ..Options::default()
    })
    .await;
    let before = measured("aliases").await;
    for _ in 0..2 {
        let (status, body) = shop.query("{ me { a: id b: id c: name } }").await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["data"]["me"]["c"], "Ada", "{body}");
    }
    assert!(shop.subgraph_requests() > 0);
    // Counted on every run, the cached second one included.
    assert_eq!(measured("aliases").await - before, 2.0);
    // What cannot be served at all is refused in measure mode too.
    let calls = shop.subgraph_requests();
    let (status, body) = shop
        .query(&format!("query {{ ...F30 }} {}", explosion(30, "Query")))
        .await;
    assert_eq!(
        (status, codes(&body)[0].as_str()),
        (400, "MAX_FIELDS_EXCEEDED"),
        "{body}"
    );
    assert_eq!(shop.subgraph_requests(), calls);
}

/// `gateway_operation_limit_exceeded_total{limit, enforced="false"}`.
async fn measured(limit: &str) -> f64 {
    use axum::response::IntoResponse;
    let response = crowdcrunch_gateway::telemetry::metrics::metrics_handler()
        .await
        .into_response();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    text.lines()
        .filter(|l| l.starts_with("gateway_operation_limit_exceeded_total{"))
        .filter(|l| l.contains(&format!("limit=\"{limit}\"")) && l.contains("enforced=\"false\""))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}
