//! The pipeline's guarantees: the outbox publishes only what commits, once; the inbox applies
//! each event once whatever the broker redelivers; a poison event ends on the dead-letter
//! subject after the allowed attempts, and is applied once replayed after a fix.

use crate::fixture::{eventually, fixture, ThingHappened};
use async_nats::header::{HeaderMap, NATS_MESSAGE_ID};
use serde::{Deserialize, Serialize};
use std::sync::atomic::Ordering;
use subgraph_kit::events::relay::BATCH;
use subgraph_kit::events::{dlq, Envelope, Event};
use uuid::Uuid;

#[tokio::test]
async fn a_committed_event_is_published_once_and_applied_once() {
    let f = fixture().await;
    let sent = f.write("first", true).await;
    assert_eq!(f.relay().publish_batch(BATCH).await.expect("publish"), 1);
    assert_eq!(f.relay().publish_batch(BATCH).await.expect("publish"), 0);
    assert_eq!(f.stream_messages().await, 1);
    assert_eq!(
        f.count("SELECT count(*) FROM outbox WHERE published_at IS NULL")
            .await,
        0
    );

    let config = f.consumer_config();
    let name = config.name.clone();
    f.start_consumer(config);
    f.wait_drained(&name).await;
    let applied: Vec<(Uuid, String)> = sqlx::query_as("SELECT event_id, note FROM effects")
        .fetch_all(&f.pool)
        .await
        .expect("effects");
    assert_eq!(applied, vec![(sent.id, "first".to_string())]);
    f.cleanup().await;
}

#[tokio::test]
async fn a_rolled_back_event_is_never_published() {
    let f = fixture().await;
    f.write("never", false).await;
    assert_eq!(f.relay().publish_batch(BATCH).await.expect("publish"), 0);
    assert_eq!(f.count("SELECT count(*) FROM outbox").await, 0);
    assert_eq!(f.stream_messages().await, 0);
    f.cleanup().await;
}

#[tokio::test]
async fn a_relay_killed_between_publish_and_mark_still_applies_once() {
    let f = fixture().await;
    let sent = f.write("once", true).await;
    assert_eq!(f.relay().publish_batch(BATCH).await.expect("publish"), 1);
    // What a relay that died after JetStream's ack, before its mark committed, leaves behind.
    sqlx::query("UPDATE outbox SET published_at = NULL")
        .execute(&f.pool)
        .await
        .expect("unmark");
    // The restarted relay publishes it again, under the same message id.
    assert_eq!(f.relay().publish_batch(BATCH).await.expect("republish"), 1);
    assert_eq!(
        f.stream_messages().await,
        1,
        "JetStream dropped the duplicate"
    );

    let config = f.consumer_config();
    let name = config.name.clone();
    f.start_consumer(config);
    f.wait_drained(&name).await;
    let applied: Vec<Uuid> = sqlx::query_scalar("SELECT event_id FROM effects")
        .fetch_all(&f.pool)
        .await
        .expect("effects");
    assert_eq!(applied, vec![sent.id]);
    f.cleanup().await;
}

#[tokio::test]
async fn a_duplicate_delivery_of_the_same_event_is_acked_and_ignored() {
    let f = fixture().await;
    let envelope = Envelope::new(&ThingHappened {
        note: "twice".into(),
    })
    .expect("envelope");
    let payload = serde_json::to_vec(&envelope).expect("json");
    // Two messages with one event id (as after the duplicate window, or a redelivery).
    for attempt in 0..2 {
        let mut headers = HeaderMap::new();
        headers.insert(
            NATS_MESSAGE_ID,
            format!("{}-{attempt}", envelope.id).as_str(),
        );
        f.bus
            .jetstream
            .publish_with_headers(f.bus.subject(&envelope), headers, payload.clone().into())
            .await
            .expect("publish")
            .await
            .expect("ack");
    }
    assert_eq!(f.stream_messages().await, 2);

    let config = f.consumer_config();
    let name = config.name.clone();
    f.start_consumer(config);
    f.wait_drained(&name).await;
    assert_eq!(f.count("SELECT count(*) FROM effects").await, 1);
    assert_eq!(f.count("SELECT count(*) FROM inbox").await, 1);
    f.cleanup().await;
}

#[tokio::test]
async fn a_poison_event_is_dead_lettered_after_the_allowed_attempts_and_the_rest_flows() {
    let f = fixture().await;
    let poison = f.write("poison", true).await;
    let good = f.write("good", true).await;
    assert_eq!(f.relay().publish_batch(BATCH).await.expect("publish"), 2);

    let config = f.consumer_config();
    let (name, attempts) = (config.name.clone(), config.max_attempts);
    f.start_consumer(config);
    let dead_letter = f.bus.dead_letter_subject(&name);
    let stream = f
        .bus
        .jetstream
        .get_stream(&f.bus.stream)
        .await
        .expect("stream");
    let letter = eventually("the dead letter", || async {
        stream
            .get_last_raw_message_by_subject(&dead_letter)
            .await
            .ok()
    })
    .await;
    assert_eq!(f.poison_attempts.load(Ordering::SeqCst), attempts);
    let header = |name: &str| letter.headers.get(name).map(|v| v.as_str().to_string());
    assert_eq!(header("CrowdCrunch-Attempts"), Some(attempts.to_string()));
    assert_eq!(
        header("CrowdCrunch-Error").as_deref(),
        Some("cannot digest poison")
    );
    assert_eq!(header("CrowdCrunch-Subject"), Some(f.bus.subject(&poison)));
    let dead: Envelope = serde_json::from_slice(&letter.payload).expect("the event, unchanged");
    assert_eq!(dead, poison);

    f.wait_drained(&name).await;
    let applied: Vec<Uuid> = sqlx::query_scalar("SELECT event_id FROM effects")
        .fetch_all(&f.pool)
        .await
        .expect("effects");
    assert_eq!(applied, vec![good.id]);
    assert_eq!(
        f.count("SELECT count(*) FROM inbox").await,
        1,
        "the poison event is not in the inbox, so a replay after a fix applies it"
    );
    f.cleanup().await;
}

#[tokio::test]
async fn a_dead_letter_is_listed_and_once_fixed_replayed_and_applied_once() {
    let f = fixture().await;
    let poison = f.write("poison", true).await;
    assert_eq!(f.relay().publish_batch(BATCH).await.expect("publish"), 1);
    let config = f.consumer_config();
    let (name, attempts) = (config.name.clone(), config.max_attempts);
    f.start_consumer(config);
    let letters = eventually("the dead letter", || async {
        let letters = dlq::list(&f.bus, &name).await.ok()?;
        (!letters.is_empty()).then_some(letters)
    })
    .await;
    assert_eq!(letters.len(), 1);
    assert_eq!(letters[0].subject, f.bus.subject(&poison));
    assert_eq!(letters[0].attempts, attempts.to_string());
    assert_eq!(letters[0].error, "cannot digest poison");
    let (id, event_type, version) = letters[0].event.clone().expect("an envelope");
    assert_eq!(
        (id, event_type, version),
        (poison.id.to_string(), "ThingHappened".into(), 1)
    );
    assert_eq!(f.count("SELECT count(*) FROM effects").await, 0);

    // The fix is deployed; the operator replays: applied once, the dead letter gone.
    f.cured.store(true, Ordering::SeqCst);
    assert_eq!(dlq::replay(&f.bus, &name).await.expect("replay"), 1);
    assert!(dlq::list(&f.bus, &name).await.expect("list").is_empty());
    let applied: Vec<Uuid> = eventually("the replayed event applied", || async {
        let ids: Vec<Uuid> = sqlx::query_scalar("SELECT event_id FROM effects")
            .fetch_all(&f.pool)
            .await
            .ok()?;
        (!ids.is_empty()).then_some(ids)
    })
    .await;
    assert_eq!(applied, vec![poison.id]);
    // Replaying again finds nothing; the event stays applied once.
    assert_eq!(dlq::replay(&f.bus, &name).await.expect("replay"), 0);
    f.wait_drained(&name).await;
    assert_eq!(f.count("SELECT count(*) FROM effects").await, 1);
    f.cleanup().await;
}

#[test]
fn an_envelope_decodes_only_as_its_type_and_known_versions() {
    #[derive(Debug, Serialize, Deserialize)]
    struct Other {}
    impl Event for Other {
        const DOMAIN: &'static str = "things";
        const TYPE: &'static str = "OtherHappened";
        const VERSION: u32 = 1;
    }
    let mut envelope = Envelope::new(&ThingHappened { note: "x".into() }).expect("envelope");
    let json = serde_json::to_value(&envelope).expect("json");
    assert_eq!(json["type"], "ThingHappened");
    assert_eq!(json["source"], "things");
    assert_eq!(json["version"], 1);
    assert_eq!(json["data"]["note"], "x");
    assert!(envelope.decode::<Other>().is_err());
    assert_eq!(
        envelope.decode::<ThingHappened>().expect("decode"),
        ThingHappened { note: "x".into() }
    );
    envelope.version = 2;
    assert!(envelope.decode::<ThingHappened>().is_err());
}
