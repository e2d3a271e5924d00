use crate::support::*;
use metrics_util::debugging::{DebugValue, DebuggingRecorder};

/// A recorded counter: name, labels, value.
type Counter = (String, Vec<(String, String)>, u64);

/// The value of counter `name` carrying `label`, if recorded.
fn counter(counters: &[Counter], name: &str, label: (&str, &str)) -> Option<u64> {
    counters.iter().find_map(|(n, labels, value)| {
        let labelled = labels.iter().any(|(k, v)| k == label.0 && v == label.1);
        (n == name && labelled).then_some(*value)
    })
}

/// Current-thread runtime: the server records on the thread whose local recorder is set.
#[tokio::test]
async fn business_metrics_count_authorizations_failures_and_refunded_minor_units() {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    let _guard = metrics::set_default_local_recorder(&recorder);
    let app = app().await;

    let id = captured_payment(&app, ORDER_ID, 1000).await;
    let other_order = "3f1c8a52-0000-4000-8000-000000000077";
    authorize(&app, other_order, 5_000_001, "too-big").await;
    refund(&app, &id, 300, "r1").await;
    refund(&app, &id, 200, "r2").await;
    // A replayed refund and a rejected one move no money.
    refund(&app, &id, 200, "r2").await;
    refund(&app, &id, 10_000, "r3").await;

    // One snapshot: taking it resets the counters.
    let counters: Vec<Counter> = snapshotter
        .snapshot()
        .into_vec()
        .into_iter()
        .filter_map(|(key, _, _, value)| match value {
            DebugValue::Counter(n) => {
                let key = key.key();
                let labels = key
                    .labels()
                    .map(|l| (l.key().to_string(), l.value().to_string()))
                    .collect();
                Some((key.name().to_string(), labels, n))
            }
            _ => None,
        })
        .collect();
    let auth = counter(&counters, "payments_authorized_total", ("currency", "USD"));
    assert_eq!(auth, Some(1));
    let failed = counter(
        &counters,
        "payments_failed_total",
        ("reason", "limit_exceeded"),
    );
    assert_eq!(failed, Some(1));
    let refunded = counter(
        &counters,
        "refunded_amount_minor_total",
        ("currency", "USD"),
    );
    assert_eq!(refunded, Some(500));
}
