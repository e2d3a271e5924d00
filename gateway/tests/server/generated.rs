//! Random operations from the schema against the real gateway and test
//! subgraphs: never a panic (every request gets an answer), never a 5xx from
//! the gateway itself except the upstream planner's known limitations
//! (`QUERY_PLANNING_FAILED`, printed, under 2 %), memory bounded.

use crate::generator::{Generator, Rng};
use crate::harness::{start, Options, SHOP_SUPERGRAPH};
use crowdcrunch_gateway::supergraph::Supergraph;

/// Requests per run, and at once.
const REQUESTS: usize = 600;
const CONCURRENCY: usize = 8;

/// Peak resident memory of this process (gateway, subgraphs and client).
fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

#[tokio::test]
async fn random_operations_from_the_schema_never_crash_the_gateway_or_fail_it() {
    let shop = start(Options::default()).await;
    let supergraph = Supergraph::parse(SHOP_SUPERGRAPH).unwrap();
    let seed = std::env::var("GENERATOR_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5EED);
    let shop = &shop;
    let mut generator = Generator {
        schema: supergraph.api_schema(),
        rng: Rng::new(seed),
        // `slow` answers after two seconds on purpose (subgraph timeout
        // tests). `reviewTotal` selected on a `User` (not through the
        // `@interfaceObject` `Account`) is a known limitation of the upstream
        // planner ("No paths found"), a 500 QUERY_PLANNING_FAILED.
        skip_fields: &["slow", "reviewTotal"],
    };
    let bodies: Vec<_> = (0..REQUESTS).map(|_| generator.request().body).collect();
    let mut statuses = std::collections::BTreeMap::new();
    let mut planner_limits = 0;
    for chunk in bodies.chunks(CONCURRENCY) {
        let answers = futures::future::join_all(chunk.iter().map(|body| async move {
            let res = shop
                .http()
                .post(&shop.url)
                .json(body)
                .send()
                .await
                .unwrap_or_else(|e| panic!("no answer (seed {seed}) to {body}: {e}"));
            let status = res.status().as_u16();
            let answer: serde_json::Value = res
                .json()
                .await
                .unwrap_or_else(|e| panic!("not JSON (seed {seed}) for {body}: {e}"));
            (status, answer, body)
        }))
        .await;
        for (status, answer, body) in answers {
            if status == 500 && answer["errors"][0]["extensions"]["code"] == "QUERY_PLANNING_FAILED"
            {
                // A shape the upstream planner cannot plan (see the issue's
                // "genuine planner limitation"): listed, not hidden.
                eprintln!("planner limitation (seed {seed}): {body}: {answer}");
                planner_limits += 1;
                continue;
            }
            assert!(
                status < 500,
                "HTTP {status} (seed {seed}) for {body}: {answer}"
            );
            assert!(
                answer.get("data").is_some() || answer.get("errors").is_some(),
                "{answer}"
            );
            *statuses.entry(status).or_insert(0usize) += 1;
        }
    }
    eprintln!("statuses (seed {seed}): {statuses:?}, planner limitations: {planner_limits}");
    assert!(
        planner_limits * 50 < REQUESTS,
        "{planner_limits} planning failures"
    );
    // Both valid and refused operations were exercised.
    assert!(
        statuses.get(&200).copied().unwrap_or(0) > REQUESTS / 4,
        "{statuses:?}"
    );
    assert!(statuses.get(&400).copied().unwrap_or(0) > 0, "{statuses:?}");
    let rss_mib = peak_rss_kib() / 1024;
    assert!(rss_mib < 1_024, "peak RSS {rss_mib} MiB");
    let (status, _) = shop.query("{ __typename }").await;
    assert_eq!(status, 200);
}
