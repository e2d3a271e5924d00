//! The broker restarted mid-stream: a private `nats-server -js` (its own port and store) is
//! stopped while events are being recorded and started again; the relay and the consumer find
//! it again by themselves, and every event is published and applied exactly once.

use crate::fixture::{eventually, fixture, RecordEffect};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;
use subgraph_kit::events::{runtime, Bus, BusConfig, Subscription};

/// A `nats-server` of this test's own, stopped (and its store removed) when dropped.
struct Broker {
    port: u16,
    store: PathBuf,
    child: Option<Child>,
}

impl Broker {
    fn new() -> Broker {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let store = std::env::temp_dir().join(format!("events-broker-{}", uuid::Uuid::new_v4()));
        Broker {
            port,
            store,
            child: None,
        }
    }

    fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    /// Start it (again, on the same port and store) and wait until it accepts connections.
    async fn start(&mut self) {
        let child = Command::new("nats-server")
            .args([
                "-js",
                "-a",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-sd",
            ])
            .arg(&self.store)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("nats-server on PATH (scripts/install-test-tools nats-server)");
        self.child = Some(child);
        eventually("the broker to listen", || async {
            TcpStream::connect(("127.0.0.1", self.port)).ok().map(drop)
        })
        .await;
    }

    /// Stop it as an operator's restart does (SIGTERM, JetStream flushes its store).
    fn stop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        let status = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .expect("kill");
        assert!(status.success(), "SIGTERM to nats-server");
        child.wait().expect("nats-server exits");
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = std::fs::remove_dir_all(&self.store);
    }
}

#[tokio::test]
async fn events_recorded_while_the_broker_restarts_are_published_and_applied_once() {
    let f = fixture().await;
    let mut broker = Broker::new();
    broker.start().await;
    // The service's event runtime, as a subgraph starts it: relay and consumer.
    let handler = RecordEffect {
        poison_attempts: f.poison_attempts.clone(),
        cured: f.cured.clone(),
    };
    let name = "restart_test";
    let running = runtime::spawn(
        f.pool.clone(),
        broker.url(),
        true,
        vec![Subscription {
            name,
            events: vec![("things", "*")],
            handler: Arc::new(handler),
        }],
    );
    let applied = |n: i64| {
        let f = &f;
        async move { (f.count("SELECT count(*) FROM effects").await == n).then_some(()) }
    };
    for i in 0..10 {
        f.write(&format!("before {i}"), true).await;
    }
    eventually("the events before the outage applied", || applied(10)).await;

    broker.stop();
    for i in 0..20 {
        f.write(&format!("during {i}"), true).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let unpublished = "SELECT count(*) FROM outbox WHERE published_at IS NULL";
    assert_eq!(f.count(unpublished).await, 20, "kept in the outbox");

    broker.start().await;
    eventually("the events of the outage applied", || applied(30)).await;
    eventually("the outbox published", || async {
        (f.count(unpublished).await == 0).then_some(())
    })
    .await;
    // Once the consumer has nothing left to deliver, nothing was applied twice.
    let bus = Bus::connect(&BusConfig::new(broker.url()))
        .await
        .expect("connect");
    let stream = bus.jetstream.get_stream(&bus.stream).await.expect("stream");
    eventually("the consumer drained", || async {
        let info = stream.consumer_info(name).await.ok()?;
        (info.num_pending == 0 && info.num_ack_pending == 0).then_some(())
    })
    .await;
    let mut stream = stream;
    let messages = stream.info().await.expect("stream info").state.messages;
    assert_eq!(messages, 30, "each event published once");
    assert_eq!(f.count("SELECT count(*) FROM effects").await, 30);
    assert_eq!(
        f.count("SELECT count(DISTINCT event_id) FROM effects")
            .await,
        30
    );
    assert_eq!(f.count("SELECT count(*) FROM inbox").await, 30);
    running.abort();
    f.cleanup().await;
}
