//! What every events test shares: a database with the outbox, the inbox and two test tables,
//! a stream and subject prefix of its own on the NATS at `NATS_URL` (default 127.0.0.1:4222),
//! a test event and a handler recording what it applies.

use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use subgraph_kit::db;
use subgraph_kit::events::{
    outbox, Bus, BusConfig, Consumer, ConsumerConfig, Envelope, Event, Handler, HandlerError,
    Relay, MIGRATION_SQL,
};
use subgraph_kit::testing::TestDb;
use uuid::Uuid;

#[derive(Debug, Serialize, Deserialize, PartialEq)]
pub struct ThingHappened {
    pub note: String,
}

impl Event for ThingHappened {
    const DOMAIN: &'static str = "things";
    const TYPE: &'static str = "ThingHappened";
    const VERSION: u32 = 1;
}

/// Records each event it applies in `effects`; refuses notes saying "poison", counting tries,
/// until `cured` (the fix is deployed).
pub struct RecordEffect {
    pub poison_attempts: Arc<AtomicU32>,
    pub cured: Arc<AtomicBool>,
}

#[async_trait::async_trait]
impl Handler for RecordEffect {
    async fn handle(
        &self,
        tx: &mut sqlx::PgConnection,
        event: &Envelope,
    ) -> Result<(), HandlerError> {
        let thing: ThingHappened = event.decode()?;
        if thing.note == "poison" && !self.cured.load(Ordering::SeqCst) {
            self.poison_attempts.fetch_add(1, Ordering::SeqCst);
            return Err(HandlerError("cannot digest poison".into()));
        }
        sqlx::query("INSERT INTO effects (event_id, note) VALUES ($1, $2)")
            .bind(event.id)
            .bind(&thing.note)
            .execute(tx)
            .await?;
        Ok(())
    }
}

pub struct Fixture {
    _db: TestDb,
    pub pool: PgPool,
    pub bus: Bus,
    pub poison_attempts: Arc<AtomicU32>,
    pub cured: Arc<AtomicBool>,
}

pub async fn fixture() -> Fixture {
    let db = TestDb::create().await;
    let pool = db::connect(&db.url, "events_test", 4)
        .await
        .expect("connect");
    sqlx::raw_sql(MIGRATION_SQL)
        .execute(&pool)
        .await
        .expect("outbox and inbox");
    sqlx::raw_sql(
        "CREATE TABLE things (note TEXT NOT NULL);
         CREATE TABLE effects (event_id UUID NOT NULL, note TEXT NOT NULL);",
    )
    .execute(&pool)
    .await
    .expect("test tables");
    let tag = Uuid::new_v4().simple().to_string();
    let url = std::env::var("NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into());
    let mut config = BusConfig::new(url);
    config.stream = format!("TEST_{tag}");
    config.subject_prefix = format!("t{tag}");
    let bus = Bus::connect(&config).await.expect("connect to NATS");
    Fixture {
        _db: db,
        pool,
        bus,
        poison_attempts: Arc::default(),
        cured: Arc::default(),
    }
}

impl Fixture {
    /// Write a thing and its event in one transaction, committed or not.
    pub async fn write(&self, note: &str, commit: bool) -> Envelope {
        let mut tx = self.pool.begin().await.expect("begin");
        sqlx::query("INSERT INTO things (note) VALUES ($1)")
            .bind(note)
            .execute(&mut *tx)
            .await
            .expect("state change");
        let envelope = outbox::record(&mut tx, &ThingHappened { note: note.into() })
            .await
            .expect("record the event");
        if commit {
            tx.commit().await.expect("commit");
        } else {
            tx.rollback().await.expect("rollback");
        }
        envelope
    }

    pub fn relay(&self) -> Relay {
        Relay::new(self.pool.clone(), self.bus.clone())
    }

    pub async fn stream_messages(&self) -> u64 {
        let stream = self.bus.jetstream.get_stream(&self.bus.stream).await;
        stream
            .expect("stream")
            .get_info()
            .await
            .expect("info")
            .state
            .messages
    }

    pub fn consumer_config(&self) -> ConsumerConfig {
        let subject = self.bus.event_subject("things", "*");
        let mut config = ConsumerConfig::new("things_test", vec![subject]);
        config.max_attempts = 3;
        config.retry_base = Duration::from_millis(20);
        config
    }

    /// Run the consumer in the background (stopped when the test's runtime ends).
    pub fn start_consumer(&self, config: ConsumerConfig) {
        let handler = RecordEffect {
            poison_attempts: self.poison_attempts.clone(),
            cured: self.cured.clone(),
        };
        let consumer = Consumer::new(self.pool.clone(), self.bus.clone(), config, handler);
        tokio::spawn(async move { consumer.run().await.expect("consumer") });
    }

    /// Wait until the consumer has acknowledged everything its subjects hold.
    pub async fn wait_drained(&self, name: &str) {
        eventually("the consumer to drain", || async {
            let stream = self.bus.jetstream.get_stream(&self.bus.stream).await.ok()?;
            let consumer: async_nats::jetstream::consumer::PullConsumer =
                stream.get_consumer(name).await.ok()?;
            let info = consumer.get_info().await.ok()?;
            (info.num_pending == 0
                && info.num_ack_pending == 0
                && info.delivered.stream_sequence > 0)
                .then_some(())
        })
        .await
    }

    pub async fn count(&self, sql: &str) -> i64 {
        sqlx::query_scalar(sql)
            .fetch_one(&self.pool)
            .await
            .expect("count")
    }

    pub async fn cleanup(self) {
        let _ = self.bus.jetstream.delete_stream(&self.bus.stream).await;
    }
}

/// Poll `check` until it gives a value (bounded: a broken pipeline fails, never hangs).
pub async fn eventually<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(Instant::now() < deadline, "waited in vain for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
