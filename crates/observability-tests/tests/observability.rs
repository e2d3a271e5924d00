//! Live observability tests: the real binaries, a real PostgreSQL, a real OTLP receiver.
//! Needs the workspace's binaries built first (`cargo build --workspace --bins`).

use observability_tests::service::free_port;
use observability_tests::spans::in_trace;
use observability_tests::{OtlpReceiver, Service, Span};
use serde_json::json;
use std::time::Duration;
use subgraph_kit::testing::TestDb;

const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const CALLER_SPAN: &str = "00f067aa0ba902b7";

/// Start subgraph `name` seeded on `db`, logging per `rust_log`, exporting to `otlp` (if any)
/// with a short batch delay.
async fn start_subgraph(
    name: &str,
    db: &TestDb,
    otlp: Option<&OtlpReceiver>,
    rust_log: &str,
) -> Service {
    start_subgraph_with(name, db, otlp, rust_log, &[]).await
}

/// [`start_subgraph`] with extra environment variables.
async fn start_subgraph_with(
    name: &str,
    db: &TestDb,
    otlp: Option<&OtlpReceiver>,
    rust_log: &str,
    extra: &[(&str, &str)],
) -> Service {
    let port = free_port().expect("free port");
    let mut env = vec![
        ("DATABASE_URL".to_string(), db.url.clone()),
        ("SEED".to_string(), "true".to_string()),
        (
            format!("{}_LISTEN", name.to_ascii_uppercase()),
            format!("127.0.0.1:{port}"),
        ),
        ("OTEL_BSP_SCHEDULE_DELAY".to_string(), "100".to_string()),
        ("RUST_LOG".to_string(), rust_log.to_string()),
    ];
    if let Some(otlp) = otlp {
        env.push(("OTEL_EXPORTER_OTLP_ENDPOINT".to_string(), otlp.endpoint()));
    }
    env.extend(auth_env());
    env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    match Service::start(name, port, &env).await {
        Ok(service) => service,
        Err(e) => panic!("{e}"),
    }
}

/// The subgraphs verify tokens of the test key (they refuse anonymous reads of customers).
fn auth_env() -> Vec<(String, String)> {
    let settings = subgraph_kit::testing::test_auth_settings();
    let jwks = settings.jwks_file.expect("the test key has a JWKS file");
    vec![
        ("AUTH_JWKS_FILE".to_string(), jwks.display().to_string()),
        (
            "AUTH_ISSUER".to_string(),
            settings.issuer.unwrap_or_default(),
        ),
        ("AUTH_AUDIENCE".to_string(), settings.audiences.join(",")),
    ]
}

/// POST `query` as an administrator (a staff token with every scope).
async fn post_graphql(url: &str, query: &str, traceparent: Option<&str>) -> serde_json::Value {
    let mut request = reqwest::Client::new()
        .post(url)
        .bearer_auth(subgraph_kit::testing::admin_token())
        .json(&json!({ "query": query }));
    if let Some(tp) = traceparent {
        request = request.header("traceparent", tp);
    }
    request
        .send()
        .await
        .expect("send request")
        .json()
        .await
        .expect("JSON response")
}

fn describe(spans: &[&Span]) -> String {
    spans
        .iter()
        .map(|s| {
            format!(
                "{} {} {} <- {}",
                s.service, s.name, s.span_id, s.parent_span_id
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subgraph_spans_continue_the_callers_trace_down_to_sql() {
    let otlp = OtlpReceiver::start().await.expect("start OTLP receiver");
    let db = TestDb::create().await;
    let mut customers = start_subgraph("customers", &db, Some(&otlp), "info").await;
    let traceparent = format!("00-{TRACE_ID}-{CALLER_SPAN}-01");
    let body = post_graphql(
        &customers.url("/graphql"),
        "{ customers(first: 2) { nodes { id name } } }",
        Some(&traceparent),
    )
    .await;
    assert!(body["errors"].is_null(), "query failed: {body}");
    customers.stop();

    let all = otlp
        .wait_for(Duration::from_secs(10), |spans| {
            spans
                .iter()
                .any(|s| s.attributes.contains_key("db.query.text"))
        })
        .await;
    let trace = in_trace(&all, TRACE_ID);
    let listing = describe(&trace);
    let owned: Vec<Span> = trace.iter().map(|s| (*s).clone()).collect();
    let server = trace
        .iter()
        .find(|s| s.name == "POST /graphql")
        .unwrap_or_else(|| panic!("no server span in trace:\n{listing}"));
    assert_eq!(server.service, "customers");
    assert_eq!(
        server.parent_span_id, CALLER_SPAN,
        "server span must be the caller's child"
    );
    let resolver = trace
        .iter()
        .find(|s| s.name == "field" && s.attributes.values().any(|v| v == "customers"))
        .unwrap_or_else(|| panic!("no resolver span for `customers`:\n{listing}"));
    assert!(resolver.descends_from(server, &owned), "{listing}");
    let sql = trace
        .iter()
        .find(|s| s.name == "SELECT" && s.attributes.contains_key("db.query.text"))
        .unwrap_or_else(|| panic!("no SQL span:\n{listing}"));
    assert!(
        sql.descends_from(resolver, &owned),
        "SQL span must hang under the resolver that ran it:\n{listing}"
    );
    assert_eq!(sql.attributes["db.system.name"], "postgresql");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subgraph_without_an_otlp_endpoint_serves_and_exports_nothing() {
    let otlp = OtlpReceiver::start().await.expect("start OTLP receiver");
    let db = TestDb::create().await;
    let mut customers = start_subgraph("customers", &db, None, "info").await;
    let body = post_graphql(
        &customers.url("/graphql"),
        "{ customers(first: 1) { nodes { id } } }",
        None,
    )
    .await;
    assert!(body["errors"].is_null(), "query failed: {body}");
    customers.stop();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(otlp.spans().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn otel_service_name_and_sampler_come_from_the_environment() {
    let otlp = OtlpReceiver::start().await.expect("start OTLP receiver");
    let db = TestDb::create().await;
    let query = "{ customers(first: 1) { nodes { id } } }";
    let named = [("OTEL_SERVICE_NAME", "customers-canary")];
    let mut canary = start_subgraph_with("customers", &db, Some(&otlp), "info", &named).await;
    post_graphql(&canary.url("/graphql"), query, None).await;
    canary.stop();
    let off = [("OTEL_TRACES_SAMPLER", "always_off")];
    let mut unsampled = start_subgraph_with("customers", &db, Some(&otlp), "info", &off).await;
    for _ in 0..5 {
        post_graphql(&unsampled.url("/graphql"), query, None).await;
    }
    unsampled.stop();
    let spans = otlp.spans();
    assert!(
        spans.iter().any(|s| s.name == "POST /graphql"),
        "the named service exported nothing"
    );
    let services: std::collections::BTreeSet<&str> =
        spans.iter().map(|s| s.service.as_str()).collect();
    assert_eq!(
        services,
        ["customers-canary"].into_iter().collect(),
        "only the first (named) process may export: the second samples nothing"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subgraph_metrics_show_requests_errors_and_pool_use() {
    let db = TestDb::create().await;
    let customers = start_subgraph("customers", &db, None, "info").await;
    let url = customers.url("/graphql");
    post_graphql(&url, "{ customers(first: 1) { nodes { id } } }", None).await;
    let bad = post_graphql(&url, "{ customers(first: -5) { nodes { id } } }", None).await;
    assert!(!bad["errors"].is_null(), "expected an error: {bad}");
    // The pool sampler runs every second.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let text = reqwest::get(customers.url("/metrics"))
        .await
        .expect("GET /metrics")
        .text()
        .await
        .expect("metrics text");
    for expected in [
        r#"subgraph_http_requests_total{service="customers",status="200"}"#,
        r#"subgraph_http_request_duration_seconds_bucket{service="customers",le="0.005"}"#,
        r#"subgraph_graphql_errors_total{service="customers",code="BAD_USER_INPUT"}"#,
        r#"db_pool_connections{service="customers",state="idle"}"#,
        r#"db_pool_connections{service="customers",state="in_use"}"#,
        r#"db_pool_acquire_wait_seconds_count{service="customers"}"#,
    ] {
        assert!(
            text.contains(expected),
            "missing {expected} in /metrics:\n{text}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_lines_carry_the_trace_and_span_ids_of_their_request() {
    let otlp = OtlpReceiver::start().await.expect("start OTLP receiver");
    let db = TestDb::create().await;
    // Statement logs are on so the request writes log lines inside its spans.
    let mut customers =
        start_subgraph("customers", &db, Some(&otlp), "info,sqlx::query=debug").await;
    let traceparent = format!("00-{TRACE_ID}-{CALLER_SPAN}-01");
    post_graphql(
        &customers.url("/graphql"),
        "{ customers(first: 1) { nodes { id } } }",
        Some(&traceparent),
    )
    .await;
    customers.stop();
    let spans = otlp
        .wait_for(Duration::from_secs(10), |spans| {
            spans.iter().any(|s| s.name == "POST /graphql")
        })
        .await;
    let output = customers.output();
    let line: serde_json::Value = output
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|l| l["target"] == "sqlx::query" && l["trace_id"] == TRACE_ID)
        .unwrap_or_else(|| panic!("no statement log line in trace {TRACE_ID}:\n{output}"));
    let span_id = line["span_id"].as_str().unwrap_or_default();
    assert!(
        in_trace(&spans, TRACE_ID)
            .iter()
            .any(|s| s.span_id == span_id),
        "the logged span id {span_id} is not a span of the exported trace"
    );
    assert_eq!(line["service"], "customers");
}

/// The supergraph of the customers and fulfillment subgraphs (see `fixtures/compose.mjs`).
const SUPERGRAPH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/supergraph.graphql");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_gateway_query_is_one_trace_through_two_subgraphs_down_to_sql() {
    let otlp = OtlpReceiver::start().await.expect("start OTLP receiver");
    let db = TestDb::create().await;
    let mut customers = start_subgraph("customers", &db, Some(&otlp), "info").await;
    let mut fulfillment = start_subgraph("fulfillment", &db, Some(&otlp), "info").await;
    let port = free_port().expect("free port");
    let mut env = vec![
        (
            "CROWDCRUNCH_GATEWAY__SUBGRAPHS__CUSTOMERS__URL".to_string(),
            customers.url("/graphql"),
        ),
        (
            "CROWDCRUNCH_GATEWAY__SUBGRAPHS__FULFILLMENT__URL".to_string(),
            fulfillment.url("/graphql"),
        ),
        ("OTEL_EXPORTER_OTLP_ENDPOINT".to_string(), otlp.endpoint()),
        ("OTEL_BSP_SCHEDULE_DELAY".to_string(), "100".to_string()),
    ];
    // The gateway verifies the test key's tokens too (and passes them on).
    env.extend(auth_env().into_iter().map(|(name, value)| {
        let key = match name.as_str() {
            "AUTH_JWKS_FILE" => "JWKS_FILE",
            "AUTH_ISSUER" => "ISSUER",
            _ => "AUDIENCES",
        };
        (format!("CROWDCRUNCH_GATEWAY__AUTHENTICATION__{key}"), value)
    }));
    let args = [
        "--supergraph".to_string(),
        SUPERGRAPH.to_string(),
        "--listen".to_string(),
        format!("127.0.0.1:{port}"),
    ];
    let mut gateway = Service::start_with_args("crowdcrunch-gateway", &args, port, &env)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let traceparent = format!("00-{TRACE_ID}-{CALLER_SPAN}-01");
    let shipment = subgraph_kit::ids::shipment_id(0);
    let query = format!(
        "query Both {{ customers(first: 2) {{ nodes {{ id name }} }} \
         shipment(id: \"{shipment}\") {{ id status }} }}"
    );
    let body = post_graphql(&gateway.url("/graphql"), &query, Some(&traceparent)).await;
    assert!(body["errors"].is_null(), "query failed: {body}");
    gateway.stop();
    customers.stop();
    fulfillment.stop();

    let all = otlp
        .wait_for(Duration::from_secs(10), |spans| {
            ["gateway", "customers", "fulfillment"]
                .iter()
                .all(|svc| spans.iter().any(|s| s.service == *svc))
        })
        .await;
    let trace = in_trace(&all, TRACE_ID);
    let listing = describe(&trace);
    eprintln!("trace {TRACE_ID}:\n{listing}");
    let strays: Vec<&Span> = all.iter().filter(|s| s.trace_id != TRACE_ID).collect();
    assert!(
        strays.is_empty(),
        "spans outside the one trace:\n{}",
        describe(&strays)
    );
    let owned: Vec<Span> = trace.iter().map(|s| (*s).clone()).collect();
    let server_of = |service: &str| {
        trace
            .iter()
            .find(|s| s.service == service && s.name == "POST /graphql")
            .copied()
            .unwrap_or_else(|| panic!("no {service} server span:\n{listing}"))
    };
    let gateway_span = server_of("gateway");
    assert_eq!(gateway_span.parent_span_id, CALLER_SPAN, "{listing}");
    for stage in ["parse", "validate", "plan", "execute"] {
        let span = trace
            .iter()
            .find(|s| s.service == "gateway" && s.name == stage)
            .unwrap_or_else(|| panic!("no gateway `{stage}` span:\n{listing}"));
        assert!(span.descends_from(gateway_span, &owned), "{listing}");
    }
    for subgraph in ["customers", "fulfillment"] {
        let fetch = trace
            .iter()
            .find(|s| {
                s.name == "subgraph_fetch"
                    && s.attributes
                        .get("subgraph")
                        .is_some_and(|v| v.eq_ignore_ascii_case(subgraph))
            })
            .unwrap_or_else(|| panic!("no fetch span for {subgraph}:\n{listing}"));
        assert!(fetch.descends_from(gateway_span, &owned), "{listing}");
        let server = server_of(subgraph);
        assert_eq!(
            server.parent_span_id, fetch.span_id,
            "{subgraph}'s server span must be the child of the gateway's fetch:\n{listing}"
        );
    }
    let sql = trace
        .iter()
        .find(|s| s.service == "customers" && s.attributes.contains_key("db.query.text"))
        .unwrap_or_else(|| panic!("no SQL span in customers:\n{listing}"));
    assert!(
        sql.descends_from(server_of("customers"), &owned),
        "{listing}"
    );
}
