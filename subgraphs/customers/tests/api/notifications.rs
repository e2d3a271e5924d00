//! Notifications are a view of orders' events that `events replay` may rebuild: forgetting an
//! event and applying it again gives back the very notification it gave the first time.

use super::{app, create};
use chrono::Utc;
use customers::events::Notifier;
use serde_json::{json, Value};
use subgraph_kit::events::orders::OrderPlaced;
use subgraph_kit::events::{Envelope, Handler};
use uuid::Uuid;

const NOTIFICATIONS: &str = "query($id: ID!) {
    customer(id: $id) { notifications(first: 10) { id kind subject body sentAt } }
}";

#[tokio::test]
async fn a_rebuilt_notification_is_the_one_first_recorded() {
    let app = app().await;
    let customer = create(&app, "rebuilt@example.com", "Re Built", "rebuild-1").await;
    let customer_id: Uuid = customer["id"].as_str().expect("id").parse().expect("uuid");
    let placed = Envelope::new(&OrderPlaced {
        order_id: Uuid::new_v4(),
        customer_id,
        currency: "USD".into(),
        total: 1200,
        lines: Vec::new(),
        placed_at: Utc::now(),
    })
    .expect("envelope");
    let read = || async {
        let res = app.gql(NOTIFICATIONS, json!({ "id": customer_id })).await;
        assert!(res["errors"].is_null(), "{res}");
        res["data"]["customer"]["notifications"].clone()
    };
    assert!(Notifier.rebuilds());

    let mut tx = app.pool.begin().await.expect("begin");
    Notifier.handle(&mut tx, &placed).await.expect("apply");
    tx.commit().await.expect("commit");
    let first: Value = read().await;
    assert_eq!(first.as_array().map(Vec::len), Some(1), "{first}");
    assert_eq!(first[0]["kind"], "OrderPlaced");

    // A rebuild: forget, then apply again, in one transaction.
    let mut tx = app.pool.begin().await.expect("begin");
    Notifier.forget(&mut tx, &placed).await.expect("forget");
    Notifier
        .handle(&mut tx, &placed)
        .await
        .expect("apply again");
    tx.commit().await.expect("commit");
    assert_eq!(read().await, first, "the same id, text and time, once");
}
