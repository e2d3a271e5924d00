//! No write can break a read, and every refusal is coded: the attacks of issue 12 that need no
//! other domain's facts, sent through the gateway to the launcher's real services. Each is
//! refused with its code and writes nothing; a bad row already stored (a return of SKU
//! "BOGUS") nulls only the field that cannot resolve, not the order or anyone's history.

use crate::support::{Options, Platform};
use serde_json::{json, Value};
use sqlx::{Connection, PgConnection};
use subgraph_kit::ids;
use subgraph_kit::testing::TestDb;

/// Every error of `answer` carries `extensions.code`; returns the codes.
fn codes(answer: &Value) -> Vec<String> {
    let errors = answer["errors"].as_array().cloned().unwrap_or_default();
    errors
        .iter()
        .map(|e| {
            e["extensions"]["code"]
                .as_str()
                .unwrap_or_else(|| panic!("an error without a code: {answer}"))
                .to_string()
        })
        .collect()
}

/// `answer` was refused with `code` (and only that code).
fn refused(what: &str, answer: &(u16, Value), code: &str) {
    refused_with(what, answer, &[code]);
}

/// `answer` was refused, every error coded one of `allowed`, and nothing answered.
fn refused_with(what: &str, (status, answer): &(u16, Value), allowed: &[&str]) {
    let got = codes(answer);
    assert!(
        !got.is_empty() && got.iter().all(|c| allowed.contains(&c.as_str())),
        "{what}: want {allowed:?}, got {status} {answer}"
    );
    assert!(
        *status == 200 || (400..500).contains(status),
        "{what}: {status} {answer}"
    );
    let data = &answer["data"];
    assert!(
        data.is_null()
            || data
                .as_object()
                .is_some_and(|d| d.values().all(Value::is_null)),
        "{what}: refused but answered {answer}"
    );
}

const AUTHORIZE: &str = "mutation($o: ID!, $a: Int64!, $k: String!) {
  authorizePayment(input: {orderId: $o, amount: $a, currency: \"USD\", method: CARD},
                   idempotencyKey: $k) { id status } }";

const ADJUST: &str = "mutation($sku: ID!, $d: Int!, $k: String!) {
  adjustStock(sku: $sku, delta: $d, idempotencyKey: $k) { sku stock } }";

const ORDER_PAYMENTS: &str = "query($o: ID!) { order(id: $o) { payments { id } } }";

fn payment_count(platform: &Platform, order: &str) -> usize {
    let (_, answer) = platform.gql("gateway", ORDER_PAYMENTS, json!({ "o": order }));
    answer["data"]["order"]["payments"]
        .as_array()
        .unwrap_or_else(|| panic!("{answer}"))
        .len()
}

fn stock_of(platform: &Platform, sku: &str) -> Value {
    let (_, answer) = platform.gql(
        "gateway",
        "query($s: ID!) { product(sku: $s) { stock } }",
        json!({ "s": sku }),
    );
    answer["data"]["product"]["stock"].clone()
}

fn money_attacks(platform: &Platform) {
    let order = ids::order_id(1).to_string();
    let before = payment_count(platform, &order);
    // Loose or out-of-range Int64, as a variable and as a literal.
    let loose = [
        json!("0100"),
        json!("+100"),
        json!(true),
        json!([]),
        json!("9223372036854775808"),
        json!(1.5),
        json!({}),
    ];
    for (n, amount) in loose.iter().enumerate() {
        let vars = json!({ "o": order, "a": amount, "k": format!("loose-{n}") });
        let answer = platform.gql("gateway", AUTHORIZE, vars);
        refused(
            &format!("amount {amount} as a variable"),
            &answer,
            "BAD_USER_INPUT",
        );
        let literal = format!(
            "mutation {{ authorizePayment(input: {{orderId: \"{order}\", amount: {amount}, \
             currency: \"USD\", method: CARD}}, idempotencyKey: \"loose-lit-{n}\") {{ id }} }}"
        );
        let answer = platform.gql("gateway", &literal, json!({}));
        refused(
            &format!("amount {amount} as a literal"),
            &answer,
            "BAD_USER_INPUT",
        );
    }
    // In range for Int64, but no payment is ever that large: refused, not recorded as FAILED.
    let vars = json!({ "o": order, "a": i64::MAX.to_string(), "k": "huge" });
    let answer = platform.gql("gateway", AUTHORIZE, vars);
    refused("a payment of i64::MAX", &answer, "BAD_USER_INPUT");
    assert_eq!(payment_count(platform, &order), before);
}

fn stock_attacks(platform: &Platform) {
    let sku = ids::product_sku(1);
    let before = stock_of(platform, &sku);
    assert!(before.is_i64(), "{before}");
    for delta in [i32::MAX, i32::MIN, 1_000_001] {
        let vars = json!({ "sku": sku, "d": delta, "k": format!("over-{delta}") });
        let answer = platform.gql("gateway", ADJUST, vars);
        refused(
            &format!("adjustStock by {delta}"),
            &answer,
            "BAD_USER_INPUT",
        );
    }
    for literal in ["2147483648", "true", "\"5\""] {
        let doc = format!(
            "mutation {{ adjustStock(sku: \"{sku}\", delta: {literal}, idempotencyKey: \"lit\") \
             {{ stock }} }}"
        );
        let answer = platform.gql("gateway", &doc, json!({}));
        // A literal that is no `Int` fails the gateway's own validation of the document.
        let codes = ["BAD_USER_INPUT", "GRAPHQL_VALIDATION_FAILED"];
        refused_with(&format!("adjustStock by {literal}"), &answer, &codes);
    }
    assert_eq!(stock_of(platform, &sku), before);
    // An unknown SKU is not found, and the key stores nothing: a replay fails the same way.
    let vars = json!({ "sku": "BOGUS", "d": 5, "k": "bogus-stock" });
    let first = platform.gql("gateway", ADJUST, vars.clone());
    refused("adjustStock of BOGUS", &first, "NOT_FOUND");
    let replay = platform.gql("gateway", ADJUST, vars);
    refused("adjustStock of BOGUS, replayed", &replay, "NOT_FOUND");
    assert_eq!(stock_of(platform, "BOGUS"), Value::Null);
}

/// Store a return of SKU "BOGUS" on `order` directly, as a bad write of the past would have.
async fn store_bogus_return(db_url: &str, order: uuid::Uuid, customer: uuid::Uuid) {
    let mut conn = PgConnection::connect(db_url).await.expect("connect");
    let id = uuid::Uuid::new_v4();
    sqlx::query(
        "INSERT INTO returns.returns (id, order_id, reason, status, customer_id)
         VALUES ($1, $2, 'bogus', 'REQUESTED', $3)",
    )
    .bind(id)
    .bind(order)
    .bind(customer)
    .execute(&mut conn)
    .await
    .expect("insert return");
    sqlx::query(
        "INSERT INTO returns.return_lines (return_id, sku, quantity) VALUES ($1, 'BOGUS', 99)",
    )
    .bind(id)
    .execute(&mut conn)
    .await
    .expect("insert return line");
}

const ORDER_RETURNS: &str = "query($o: ID!) { order(id: $o) { id status
  returns { reason lines { quantity product { sku name } } } } }";

/// One page of customers' histories (the gateway's cost limit bounds a page).
const HISTORIES: &str = "query($after: String) { customers(first: 20, after: $after) {
  nodes { id orders(first: 10) { nodes { id returns { lines { product { name } } } } } }
  pageInfo { hasNextPage endCursor } } }";

/// One customer's whole history.
const HISTORY: &str = "query($c: ID!) { customer(id: $c) { id orders(first: 100) { nodes {
  id returns { reason lines { product { name } } } } } } }";

fn a_bad_row_nulls_only_its_field(platform: &Platform, db: &TestDb) {
    let order = ids::order_id(1);
    let customer = ids::customer_id(ids::order_customer(1));
    tokio::runtime::Runtime::new()
        .expect("tokio runtime")
        .block_on(store_bogus_return(&db.url, order, customer));
    let (status, answer) = platform.gql("gateway", ORDER_RETURNS, json!({ "o": order }));
    assert_eq!(status, 200, "{answer}");
    let o = &answer["data"]["order"];
    assert_eq!(o["id"], order.to_string(), "{answer}");
    let returns = o["returns"]
        .as_array()
        .unwrap_or_else(|| panic!("{answer}"));
    let bogus = returns
        .iter()
        .find(|r| r["reason"] == "bogus")
        .unwrap_or_else(|| panic!("{answer}"));
    assert_eq!(bogus["lines"][0]["quantity"], 99, "{answer}");
    assert_eq!(bogus["lines"][0]["product"], Value::Null, "{answer}");
    assert!(!codes(&answer).is_empty(), "{answer}");
    // Every other return's products still resolve.
    for r in returns.iter().filter(|r| r["reason"] != "bogus") {
        for line in r["lines"].as_array().into_iter().flatten() {
            assert!(line["product"]["name"].is_string(), "{answer}");
        }
    }
    // Every customer's history still answers, page by page.
    let (mut seen, mut after) = (0, Value::Null);
    loop {
        let (status, answer) = platform.gql("gateway", HISTORIES, json!({ "after": after }));
        assert_eq!(status, 200, "{answer}");
        codes(&answer);
        let page = &answer["data"]["customers"];
        let nodes = page["nodes"]
            .as_array()
            .unwrap_or_else(|| panic!("{answer}"));
        assert!(
            nodes.iter().all(|c| c["orders"]["nodes"].is_array()),
            "{answer}"
        );
        seen += nodes.len();
        if page["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(seen, ids::CUSTOMERS);
    // And the history with the bad row in it nulls only that product.
    let (status, answer) = platform.gql("gateway", HISTORY, json!({ "c": customer }));
    assert_eq!(status, 200, "{answer}");
    let orders = answer["data"]["customer"]["orders"]["nodes"].as_array();
    let order = orders
        .into_iter()
        .flatten()
        .find(|o| o["id"] == order.to_string())
        .unwrap_or_else(|| panic!("{answer}"));
    let returns = order["returns"]
        .as_array()
        .unwrap_or_else(|| panic!("{answer}"));
    assert!(returns.iter().any(|r| r["reason"] == "bogus"), "{answer}");
    assert!(!codes(&answer).is_empty(), "{answer}");
}

#[test]
fn single_domain_attacks_are_refused_with_codes_and_bad_rows_null_only_their_field() {
    let db = tokio::runtime::Runtime::new()
        .expect("tokio runtime")
        .block_on(TestDb::create());
    let dir = std::env::temp_dir().join(format!("cc-integrity-{}", uuid::Uuid::new_v4()));
    let platform = Platform::start(Options {
        database_url: Some(&db.url),
        data_dir: &dir,
    });
    money_attacks(&platform);
    stock_attacks(&platform);
    a_bad_row_nulls_only_its_field(&platform, &db);
    let _ = std::fs::remove_dir_all(&dir);
}
