//! Rebuilding a consumer's view from a point in time (`events::replay`): the events since then
//! are applied again in place of themselves, those before are untouched, none counts twice; a
//! consumer that cannot rebuild ignores a replay.

use crate::fixture::{eventually, fixture, RecordEffect, ThingHappened};
use chrono::Utc;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use subgraph_kit::events::relay::BATCH;
use subgraph_kit::events::{replay, runtime, Envelope, Handler, HandlerError, Subscription};
use uuid::Uuid;

/// A view of the things: one row per event, its note, or "wrong" until the bug is `fixed`.
/// Counts how often each event was applied.
struct View {
    fixed: Arc<AtomicBool>,
    applied: Arc<Mutex<HashMap<Uuid, u32>>>,
}

#[async_trait::async_trait]
impl Handler for View {
    async fn handle(
        &self,
        tx: &mut sqlx::PgConnection,
        event: &Envelope,
    ) -> Result<(), HandlerError> {
        let thing: ThingHappened = event.decode()?;
        let note = if self.fixed.load(Ordering::SeqCst) {
            thing.note
        } else {
            "wrong".into()
        };
        // No unique key: an event applied twice would show as two rows.
        sqlx::query("INSERT INTO view (event_id, note) VALUES ($1, $2)")
            .bind(event.id)
            .bind(note)
            .execute(tx)
            .await?;
        let mut applied = self.applied.lock().unwrap_or_else(|p| p.into_inner());
        *applied.entry(event.id).or_default() += 1;
        Ok(())
    }

    fn rebuilds(&self) -> bool {
        true
    }

    async fn forget(
        &self,
        tx: &mut sqlx::PgConnection,
        event: &Envelope,
    ) -> Result<(), HandlerError> {
        sqlx::query("DELETE FROM view WHERE event_id = $1")
            .bind(event.id)
            .execute(tx)
            .await?;
        Ok(())
    }
}

#[tokio::test]
async fn a_view_is_rebuilt_from_a_point_in_time_with_nothing_applied_twice() {
    let f = fixture().await;
    sqlx::raw_sql("CREATE TABLE view (event_id UUID NOT NULL, note TEXT NOT NULL)")
        .execute(&f.pool)
        .await
        .expect("view table");
    let (fixed, applied) = (Arc::new(AtomicBool::new(false)), Arc::default());
    let view = View {
        fixed: fixed.clone(),
        applied: Arc::clone(&applied),
    };
    let name = "view_test";
    // As a subgraph runs it: restarted when its durable consumer goes away.
    tokio::spawn(runtime::consume(
        f.pool.clone(),
        f.bus.clone(),
        Subscription {
            name,
            events: vec![("things", "*")],
            handler: Arc::new(view),
        },
    ));
    let rows = || async {
        let rows: Vec<(Uuid, String)> =
            sqlx::query_as("SELECT event_id, note FROM view ORDER BY note, event_id")
                .fetch_all(&f.pool)
                .await
                .expect("view");
        rows
    };

    let mut before = Vec::new();
    for note in ["a1", "a2"] {
        before.push(f.write(note, true).await.id);
    }
    assert_eq!(f.relay().publish_batch(BATCH).await.expect("publish"), 2);
    eventually("the first events in the view", || async {
        (rows().await.len() == 2).then_some(())
    })
    .await;
    // The point in time: after the first events' publication, before the next ones'.
    tokio::time::sleep(Duration::from_millis(50)).await;
    let since = Utc::now();
    tokio::time::sleep(Duration::from_millis(50)).await;
    let mut after = Vec::new();
    for note in ["b1", "b2", "b3"] {
        after.push(f.write(note, true).await.id);
    }
    assert_eq!(f.relay().publish_batch(BATCH).await.expect("publish"), 3);
    eventually("every event in the view", || async {
        (rows().await.len() == 5).then_some(())
    })
    .await;
    assert!(rows().await.iter().all(|(_, note)| note == "wrong"));

    // The bug is fixed; the view is rebuilt from `since`.
    fixed.store(true, Ordering::SeqCst);
    let started = replay::rebuild(&f.bus, name, since).await.expect("replay");
    assert_eq!(started.pending, 3, "the events published since then");
    let rebuilt = eventually("the view rebuilt", || async {
        let rows = rows().await;
        (rows
            .iter()
            .filter(|(_, note)| note.starts_with('b'))
            .count()
            == 3)
            .then_some(rows)
    })
    .await;
    let mut expected: Vec<(Uuid, String)> = vec![
        (after[0], "b1".into()),
        (after[1], "b2".into()),
        (after[2], "b3".into()),
    ];
    let mut untouched: Vec<(Uuid, String)> =
        before.iter().map(|id| (*id, "wrong".into())).collect();
    untouched.sort();
    expected.extend(untouched);
    assert_eq!(rebuilt, expected, "rebuilt since then, untouched before");
    f.wait_drained(name).await;
    {
        let applied = applied.lock().unwrap_or_else(|p| p.into_inner());
        assert!(before.iter().all(|id| applied[id] == 1));
        assert!(
            after.iter().all(|id| applied[id] == 2),
            "once, then rebuilt"
        );
    }

    // What comes after the rebuild is applied once, as ever.
    let later = f.write("c1", true).await.id;
    assert_eq!(f.relay().publish_batch(BATCH).await.expect("publish"), 1);
    eventually("the next event applied", || async {
        (rows().await.len() == 6).then_some(())
    })
    .await;
    f.wait_drained(name).await;
    assert_eq!(rows().await.len(), 6);
    assert_eq!(applied.lock().unwrap_or_else(|p| p.into_inner())[&later], 1);
    assert_eq!(f.count("SELECT count(*) FROM inbox").await, 6);
    f.cleanup().await;
}

#[tokio::test]
async fn a_consumer_that_cannot_rebuild_ignores_a_replay() {
    let f = fixture().await;
    let since = Utc::now() - chrono::Duration::minutes(1);
    for note in ["x1", "x2"] {
        f.write(note, true).await;
    }
    assert_eq!(f.relay().publish_batch(BATCH).await.expect("publish"), 2);
    let name = "effects_test";
    let handler = RecordEffect {
        poison_attempts: f.poison_attempts.clone(),
        cured: f.cured.clone(),
    };
    tokio::spawn(runtime::consume(
        f.pool.clone(),
        f.bus.clone(),
        Subscription {
            name,
            events: vec![("things", "*")],
            handler: Arc::new(handler),
        },
    ));
    f.wait_drained(name).await;
    assert_eq!(f.count("SELECT count(*) FROM effects").await, 2);

    let started = replay::rebuild(&f.bus, name, since).await.expect("replay");
    assert_eq!(started.pending, 2);
    // Delivered again (the recreated consumer drains), and turned away by the inbox.
    eventually("the replayed deliveries", || async {
        let stream = f.bus.jetstream.get_stream(&f.bus.stream).await.ok()?;
        let info = stream.consumer_info(name).await.ok()?;
        (info.num_pending == 0 && info.num_ack_pending == 0 && info.delivered.stream_sequence == 2)
            .then_some(())
    })
    .await;
    assert_eq!(f.count("SELECT count(*) FROM effects").await, 2);
    f.cleanup().await;
}
