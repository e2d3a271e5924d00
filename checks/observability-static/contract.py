"""The metrics contract (notes: metrics-contract): every metric name and label the services
expose, which dashboards and alert rules may use."""

HISTOGRAMS = {
    "gateway_http_request_duration_seconds": {"operation"},
    "gateway_subgraph_request_duration_seconds": {"subgraph"},
    "subgraph_http_request_duration_seconds": {"service"},
    "db_pool_acquire_wait_seconds": {"service"},
}
COUNTERS_AND_GAUGES = {
    "gateway_http_requests_total": {"operation", "status"},
    "gateway_graphql_errors_total": {"operation", "code"},
    "gateway_subgraph_requests_total": {"subgraph", "status"},
    "gateway_plan_cache_hits_total": set(),
    "gateway_plan_cache_misses_total": set(),
    "gateway_http_requests_in_flight": set(),
    "subgraph_http_requests_total": {"service", "status"},
    "subgraph_graphql_errors_total": {"service", "code"},
    "subgraph_auth_failures_total": {"service", "reason"},
    "db_pool_connections": {"service", "state"},
    "orders_placed_total": {"currency"},
    "payments_authorized_total": {"currency"},
    "payments_failed_total": {"reason"},
    "refunded_amount_minor_total": {"currency"},
    "events_published_total": {"service"},
    "events_consumed_total": {"service", "consumer", "outcome"},
    "events_redeliveries_total": {"service", "consumer"},
    "events_outbox_unpublished": {"service"},
    "events_outbox_oldest_unpublished_seconds": {"service"},
    "events_consumer_pending": {"service", "consumer"},
    "events_consumer_ack_pending": {"service", "consumer"},
    "events_dead_letters": {"service", "consumer"},
    "orders_cancellations_waiting": {"service"},
    "orders_cancellation_oldest_wait_seconds": {"service"},
    "up": set(),
}
# Labels Prometheus adds to every scraped series.
TARGET_LABELS = {"job", "instance"}
JOBS = {"gateway", "customers", "orders", "payments", "fulfillment", "returns"}


def metric_labels() -> dict[str, set[str]]:
    """Every series name with the labels it may carry."""
    out = {name: labels | TARGET_LABELS for name, labels in COUNTERS_AND_GAUGES.items()}
    for name, labels in HISTOGRAMS.items():
        out[f"{name}_bucket"] = labels | TARGET_LABELS | {"le"}
        out[f"{name}_sum"] = labels | TARGET_LABELS
        out[f"{name}_count"] = labels | TARGET_LABELS
    return out
