//! Fuzzes the request path short of the network: an HTTP body decoded as a
//! GraphQL request, then parse → operation limits → validation → cost → planning
//! against the platform's supergraph, as a plan-cache miss does. Any panic
//! (the planner's included) is a finding; refusals are the expected answer.

#![no_main]

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crowdcrunch_gateway::cost::CostConfig;
use crowdcrunch_gateway::engine::GraphQLRequest;
use crowdcrunch_gateway::limits::LimitsConfig;
use crowdcrunch_gateway::operation::OperationCache;
use crowdcrunch_gateway::supergraph::Supergraph;
use libfuzzer_sys::fuzz_target;

static SUPERGRAPH: OnceLock<Supergraph> = OnceLock::new();

fn supergraph() -> &'static Supergraph {
    SUPERGRAPH.get_or_init(|| {
        Supergraph::parse(include_str!("../../../supergraph.graphql"))
            .expect("the committed supergraph loads")
    })
}

fuzz_target!(|body: &[u8]| {
    let Ok(request) = serde_json::from_slice::<GraphQLRequest>(body) else {
        return;
    };
    let Some(query) = request.query else {
        return;
    };
    // A fresh cache: every input is a miss, prepared in full.
    let cache = OperationCache::new(1, LimitsConfig::default(), CostConfig::default());
    // Planning stops at a deadline, as a request's does.
    let deadline = Instant::now() + Duration::from_secs(5);
    let _ = cache.get_or_prepare(
        supergraph(),
        &query,
        request.operation_name.as_deref(),
        Some(deadline),
    );
});
