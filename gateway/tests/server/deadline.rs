//! No request can starve others: the request deadline, and expensive
//! preparation off the worker threads.

use serde_json::json;

use crate::harness::{start, Options};
use crate::stalled::Stalled;
use crowdcrunch_gateway::limits::LimitsConfig;
use crowdcrunch_gateway::server::ServerConfig;

/// A valid document that costs seconds of validation and planning: many
/// aliased root fields, each fetching entities from three subgraphs (over
/// the default alias limit: tests run it with limits in measure mode).
pub fn expensive_document(aliases: usize) -> String {
    let mut q = String::from("{");
    for i in 0..aliases {
        q.push_str(&format!(
            " a{i}: topProducts {{ upc name inStock reviews {{ body author {{ name }} }} }}"
        ));
    }
    q.push('}');
    q
}

/// The value of an unlabelled gauge on a metrics page (0 when absent).
fn gauge(page: &str, name: &str) -> f64 {
    page.lines()
        .find(|l| l.starts_with(name) && !l.starts_with('#'))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0)
}

#[tokio::test]
async fn a_request_past_its_deadline_gets_504_and_its_subgraph_call_is_dropped() {
    let stalled = Stalled::start().await;
    let shop = start(Options {
        workers: Some(1),
        urls: vec![("accounts", stalled.url.clone())],
        server: Some(ServerConfig {
            request_timeout_ms: 300,
            ..ServerConfig::default()
        }),
        ..Options::default()
    })
    .await;
    let (status, body) = shop.query("{ me { name } }").await;
    assert_eq!(status, 504, "{body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "GATEWAY_TIMEOUT");
    assert!(body.get("data").is_none(), "{body}");
    // The work stopped: the gateway hung up on the subgraph it was waiting for.
    while stalled.closed_by_gateway() == 0 {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    // And the only worker is free for the next request.
    let (status, body) = shop.query("{ __typename }").await;
    assert_eq!(
        (status, body),
        (200, json!({"data": {"__typename": "Query"}}))
    );
}

#[tokio::test]
async fn plain_queries_answer_while_two_expensive_preparations_run() {
    let _ = crowdcrunch_gateway::telemetry::metrics::install();
    let shop = start(Options {
        // One worker: were preparation on it, nothing else could answer.
        workers: Some(1),
        server: Some(ServerConfig {
            offload_threads: 2,
            ..ServerConfig::default()
        }),
        // Accepted, though over the alias and field limits: measure mode.
        limits: Some(LimitsConfig {
            enforce: false,
            ..LimitsConfig::default()
        }),
        // ... and over the default cost: measured only.
        cost: Some(crowdcrunch_gateway::cost::CostConfig {
            enforce: false,
            ..Default::default()
        }),
        ..Options::default()
    })
    .await;
    let metrics_url = format!("http://{}/metrics", shop.gateway.metrics_addr.unwrap());
    let document = expensive_document(300);
    let expensive: Vec<_> = (0..2)
        .map(|i| {
            // Distinct documents: two cache misses, not one shared preparation.
            let body = json!({ "query": format!("{document} # {i}") });
            let (client, url) = (shop.http().clone(), shop.url.clone());
            tokio::spawn(async move {
                let res = client.post(url).json(&body).send().await.unwrap();
                res.status().as_u16()
            })
        })
        .collect();
    // Both are being prepared (off the worker) before the plain queries go.
    loop {
        let page = shop.http().get(&metrics_url).send().await.unwrap();
        let page = page.text().await.unwrap();
        if gauge(&page, "gateway_offloaded_preparations") >= 2.0 {
            break;
        }
        assert!(
            expensive.iter().all(|e| !e.is_finished()),
            "an expensive request ended before being prepared (refused by a limit?)"
        );
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    for _ in 0..5 {
        let (status, body) = shop.query("{ __typename }").await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body, json!({"data": {"__typename": "Query"}}));
    }
    // Ordering, not timing: the plain queries were answered while both
    // expensive ones were still running.
    assert!(expensive.iter().all(|e| !e.is_finished()));
    let page: String = shop
        .http()
        .get(&metrics_url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(gauge(&page, "gateway_offloaded_preparations"), 2.0);
    for e in expensive {
        assert_eq!(e.await.unwrap(), 200);
    }
}
