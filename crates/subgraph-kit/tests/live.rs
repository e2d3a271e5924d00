//! Live changes on the real PostgreSQL: a subscriber hears every change committed after it
//! subscribed, in commit order, once; a rolled-back change is never heard; a subscriber of
//! another schema's channel hears nothing of this one. A pool of one connection does not
//! listen: what the service publishes in-process is heard instead.

use futures::StreamExt;
use std::time::Duration;
use subgraph_kit::db;
use subgraph_kit::live::Changes;
use subgraph_kit::testing::TestDb;

const TRIGGER: &str = "CREATE TABLE things (id INT PRIMARY KEY, state TEXT NOT NULL);
CREATE FUNCTION announce_thing() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify(current_schema() || '_things', NEW.id || ':' || NEW.state);
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER things_changes AFTER INSERT OR UPDATE ON things
    FOR EACH ROW EXECUTE FUNCTION announce_thing();";

async fn schema(db: &TestDb, name: &str) -> sqlx::PgPool {
    let pool = db::connect(&db.url, name, 4).await.expect("connect");
    sqlx::raw_sql(TRIGGER)
        .execute(&pool)
        .await
        .expect("trigger");
    pool
}

async fn next(stream: &mut (impl futures::Stream<Item = std::sync::Arc<str>> + Unpin)) -> String {
    tokio::time::timeout(Duration::from_secs(20), stream.next())
        .await
        .expect("a change in time")
        .expect("the stream goes on")
        .to_string()
}

#[tokio::test]
async fn subscribers_hear_committed_changes_in_order_and_nothing_rolled_back() {
    let db = TestDb::create().await;
    let pool = schema(&db, "live_a").await;
    let other = schema(&db, "live_b").await;
    let changes = Changes::new(pool.clone(), "things");
    let mut first = changes.subscribe().await.expect("listen");
    let mut second = changes.subscribe().await.expect("listen");
    let mut elsewhere = Changes::new(other.clone(), "things")
        .subscribe()
        .await
        .expect("listen");

    sqlx::query("INSERT INTO things VALUES (1, 'new')")
        .execute(&pool)
        .await
        .unwrap();
    let mut tx = pool.begin().await.unwrap();
    sqlx::query("UPDATE things SET state = 'lost' WHERE id = 1")
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.rollback().await.unwrap();
    sqlx::query("UPDATE things SET state = 'done' WHERE id = 1")
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("INSERT INTO things VALUES (9, 'other')")
        .execute(&other)
        .await
        .unwrap();

    // With listening on, publishing in-process adds nothing (the trigger announced it).
    changes.publish("ignored");
    for stream in [&mut first, &mut second] {
        assert_eq!(next(stream).await, "1:new");
        assert_eq!(next(stream).await, "1:done");
    }
    // The other schema's subscriber hears only its own change.
    assert_eq!(next(&mut elsewhere).await, "9:other");
    // The listeners hold pooled connections until the last stream and handle are gone, and
    // `close` waits for every connection out of its pool: drop them first.
    drop((first, second, elsewhere, changes));
    for pool in [pool, other] {
        tokio::time::timeout(Duration::from_secs(10), pool.close())
            .await
            .expect("the pool closes once its listener is gone");
    }
}

#[tokio::test]
async fn a_one_connection_pool_hears_what_the_service_publishes_not_the_database() {
    let db = TestDb::create().await;
    let pool = db::connect(&db.url, "live_one", 1).await.expect("connect");
    sqlx::raw_sql(TRIGGER)
        .execute(&pool)
        .await
        .expect("trigger");
    let changes = Changes::new(pool.clone(), "things");
    let mut stream = changes.subscribe().await.expect("subscribe");
    // The database's announcement is not heard (no connection listens)…
    sqlx::query("INSERT INTO things VALUES (1, 'new')")
        .execute(&pool)
        .await
        .unwrap();
    // …the service's own is, and the one pooled connection stays free for queries.
    changes.publish("1:published");
    assert_eq!(next(&mut stream).await, "1:published");
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM things")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(n, 1);
}
