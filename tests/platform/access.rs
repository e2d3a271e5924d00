//! Who may do what, as data: every mutation and sensitive query field, asked by an anonymous
//! client, the wrong customer, the right customer, staff without the scope and staff with it,
//! through the gateway and straight at the owning subgraph (the bypass). Prints the
//! operation × identity → outcome table (`cargo test --test platform access -- --nocapture`).

use crate::access_cases::{cases, Case, Expect, Fixture, WHO};
use crate::support::{Options, Platform};
use serde_json::{json, Value};
use subgraph_kit::auth::scopes;
use subgraph_kit::testing::TestDb;

/// What one request got, as the table shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Got {
    /// Data, or a domain error (NOT_FOUND, CONFLICT, ...): the caller was let through.
    Allowed,
    /// Let through, and the list came back empty: nothing of theirs to see.
    Empty,
    /// Refused with this code.
    Denied(String),
}

/// Codes that mean "not this caller" (the gateway's directive enforcement answers the last).
const AUTH_CODES: [&str; 3] = ["UNAUTHENTICATED", "FORBIDDEN", "UNAUTHORIZED_FIELD_OR_TYPE"];

fn classify(status: u16, body: &Value, list: Option<&str>) -> Got {
    if status == 401 {
        return Got::Denied("UNAUTHENTICATED".into());
    }
    let errors = body["errors"].as_array().cloned().unwrap_or_default();
    let denied = errors.iter().find_map(|e| {
        let code = e["extensions"]["code"].as_str()?;
        AUTH_CODES.contains(&code).then(|| code.to_string())
    });
    if let Some(code) = denied {
        return Got::Denied(code);
    }
    match list.and_then(|pointer| body.pointer(pointer)) {
        Some(Value::Array(items)) if items.is_empty() => Got::Empty,
        _ => Got::Allowed,
    }
}

/// Whether `got` is what `expect` says for the identity at `who` (0 = anonymous).
fn matches(expect: Expect, who: usize, got: &Got, via_gateway: bool) -> bool {
    match (expect, got) {
        (Expect::Allowed, Got::Allowed) | (Expect::Empty, Got::Empty) => true,
        // Straight at a subgraph the code is exact; the gateway may refuse first with its own.
        (Expect::Denied, Got::Denied(code)) => {
            let exact = if who == 0 {
                "UNAUTHENTICATED"
            } else {
                "FORBIDDEN"
            };
            code == exact || (via_gateway && code == "UNAUTHORIZED_FIELD_OR_TYPE")
        }
        _ => false,
    }
}

fn cell(got: &Got) -> String {
    match got {
        Got::Allowed => "allowed".into(),
        Got::Empty => "allowed (empty)".into(),
        Got::Denied(code) => code.clone(),
    }
}

/// Tokens of the five identities for an operation that needs `scope` ("" = none).
fn tokens(platform: &Platform, fixture: &Fixture, scope: &str) -> [Option<String>; 5] {
    let others: Vec<&str> = scopes::ALL
        .iter()
        .copied()
        .filter(|s| *s != scope)
        .collect();
    let with = if scope.is_empty() { "all" } else { scope };
    [
        None,
        Some(platform.token(&["--customer", &fixture.other_customer.to_string()])),
        Some(platform.token(&["--customer", &fixture.customer.to_string()])),
        Some(platform.token(&["--staff", &others.join(",")])),
        Some(platform.token(&["--staff", with])),
    ]
}

fn run_case(platform: &Platform, fixture: &Fixture, case: &Case, rows: &mut Vec<String>) {
    let tokens = tokens(platform, fixture, case.scope);
    let mut wrong = Vec::new();
    let routes: &[(&str, bool)] = if case.gateway {
        &[("gateway", true), (case.service, false)]
    } else {
        &[(case.service, false)]
    };
    for &(target, via_gateway) in routes {
        let mut cells = Vec::new();
        for (who, token) in tokens.iter().enumerate() {
            let vars = (case.vars)(fixture);
            let (status, body) = platform.gql_as(target, token.as_deref(), &case.query, vars);
            let got = classify(status, &body, case.list);
            if !matches(case.expect[who], who, &got, via_gateway) {
                wrong.push(format!(
                    "{} via {target} as {}: expected {:?}, got {got:?}: {body}",
                    case.op, WHO[who], case.expect[who]
                ));
            }
            cells.push(cell(&got));
        }
        let route = if via_gateway { "gateway" } else { "subgraph" };
        rows.push(format!(
            "| `{}` | {route} | {} | {} |",
            case.op,
            if case.scope.is_empty() {
                "—"
            } else {
                case.scope
            },
            cells.join(" | ")
        ));
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn every_operation_answers_each_identity_as_the_role_table_says() {
    let db = tokio::runtime::Runtime::new()
        .expect("tokio runtime")
        .block_on(TestDb::create());
    let dir = std::env::temp_dir().join(format!("cc-access-{}", uuid::Uuid::new_v4()));
    let platform = Platform::start(Options {
        database_url: Some(&db.url),
        data_dir: &dir,
    });
    let fixture = Fixture::prepare(&platform);
    let mut rows = vec![
        format!("| operation | route | scope | {} |", WHO.join(" | ")),
        format!("|{}", "---|".repeat(3 + WHO.len())),
    ];
    for case in cases() {
        run_case(&platform, &fixture, &case, &mut rows);
    }
    println!("{}", rows.join("\n"));

    // The headline attacks: another customer takes over the e-mail, nothing changes; stock
    // beyond the bounds is refused as bad input, never a server error.
    let attacker = platform.token(&["--customer", &fixture.other_customer.to_string()]);
    let takeover = "mutation($id: ID!) {
        updateCustomer(id: $id, input: { email: \"attacker@example.com\" }) { email } }";
    for target in ["gateway", "customers"] {
        let vars = json!({ "id": fixture.customer });
        let (_, body) = platform.gql_as(target, Some(&attacker), takeover, vars);
        assert_eq!(
            classify(200, &body, None),
            Got::Denied("FORBIDDEN".into()),
            "{body}"
        );
    }
    let (_, now) = platform.gql(
        "customers",
        "query($id: ID!) { customer(id: $id) { email } }",
        json!({ "id": fixture.customer }),
    );
    assert_eq!(
        now["data"]["customer"]["email"], fixture.customer_email,
        "{now}"
    );
    let adjust = "mutation($d: Int!, $key: String!) {
        adjustStock(sku: \"SKU-0001\", delta: $d, idempotencyKey: $key) { stock } }";
    for delta in [2_147_483_647_i64, -1_000_000_000, 1_000_001] {
        let vars = json!({ "d": delta, "key": uuid::Uuid::new_v4().to_string() });
        let (_, body) = platform.gql("gateway", adjust, vars);
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
            "delta {delta}: {body}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_token_that_does_not_verify_is_refused_with_401_everywhere() {
    let db = tokio::runtime::Runtime::new()
        .expect("tokio runtime")
        .block_on(TestDb::create());
    let dir = std::env::temp_dir().join(format!("cc-badtoken-{}", uuid::Uuid::new_v4()));
    let platform = Platform::start(Options {
        database_url: Some(&db.url),
        data_dir: &dir,
    });
    // A token signed by another platform's dev key, and plain garbage.
    let elsewhere = std::env::temp_dir().join(format!("cc-otherkey-{}", uuid::Uuid::new_v4()));
    let foreign = Platform::token_in(&elsewhere, &["--staff", "all"]);
    let query = "{ __typename }";
    // At the gateway and straight at each subgraph.
    for token in [foreign.as_str(), "not-a-jwt"] {
        for target in ["gateway"].into_iter().chain(crate::support::SERVICES) {
            let (status, body) = platform.gql_as(target, Some(token), query, json!({}));
            assert_eq!(status, 401, "{target}: {body}");
            assert_eq!(
                body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
                "{target}: {body}"
            );
            assert!(
                !body.to_string().contains(token),
                "the token is echoed: {body}"
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&elsewhere);
}
