//! Every error a subgraph schema answers leaves with `extensions.code`: the `ErrorCodes`
//! extension's mapping, driven through each way a request can fail.

use async_graphql::{Context, EmptyMutation, EmptySubscription, Object, Request, Schema};
use serde_json::{json, Value};
use subgraph_kit::{AppError, ErrorCodes, Int64};

struct Query;

#[Object]
impl Query {
    async fn echo(&self, amount: Int64) -> Int64 {
        amount
    }

    async fn small(&self, n: i32) -> i32 {
        n
    }

    async fn conflict(&self) -> async_graphql::Result<i32> {
        Err(AppError::conflict("already done").into())
    }

    async fn not_found(&self) -> async_graphql::Result<i32> {
        Err(AppError::not_found("no such thing").into())
    }

    /// A resolver error that is not an `AppError`: ours, so INTERNAL_SERVER_ERROR.
    async fn uncoded(&self) -> async_graphql::Result<i32> {
        Err("something broke".into())
    }

    /// Context data that was never added: ours too.
    async fn missing_data(&self, ctx: &Context<'_>) -> async_graphql::Result<i32> {
        Ok(i32::from(*ctx.data::<u8>()?))
    }
}

async fn run(query: &str, variables: Value) -> Value {
    let schema = Schema::build(Query, EmptyMutation, EmptySubscription)
        .extension(ErrorCodes)
        .limit_depth(5)
        .finish();
    let request = Request::new(query).variables(async_graphql::Variables::from_json(variables));
    serde_json::to_value(schema.execute(request).await).expect("response as JSON")
}

fn codes(response: &Value) -> Vec<&str> {
    response["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("no errors: {response}"))
        .iter()
        .map(|e| {
            e["extensions"]["code"]
                .as_str()
                .unwrap_or_else(|| panic!("uncoded error: {response}"))
        })
        .collect()
}

#[tokio::test]
async fn every_way_a_request_fails_has_a_code() {
    let cases = [
        ("{ echo(amount: ", json!({}), "GRAPHQL_PARSE_FAILED"),
        ("{ nope }", json!({}), "GRAPHQL_VALIDATION_FAILED"),
        (
            "{ a { b { c { d { e { f } } } } } }",
            json!({}),
            "GRAPHQL_VALIDATION_FAILED",
        ),
        (
            "query A { small(n: 1) } query B { small(n: 2) }",
            json!({}),
            "GRAPHQL_VALIDATION_FAILED",
        ),
        (
            "subscription { small }",
            json!({}),
            "GRAPHQL_VALIDATION_FAILED",
        ),
        ("{ small(n: 2147483648) }", json!({}), "BAD_USER_INPUT"),
        ("{ small(n: \"1\") }", json!({}), "BAD_USER_INPUT"),
        (
            "query($n: Int!) { small(n: $n) }",
            json!({"n": true}),
            "BAD_USER_INPUT",
        ),
        ("{ echo(amount: \"0100\") }", json!({}), "BAD_USER_INPUT"),
        ("{ echo(amount: true) }", json!({}), "BAD_USER_INPUT"),
        ("{ echo(amount: []) }", json!({}), "BAD_USER_INPUT"),
        (
            "query($a: Int64!) { echo(amount: $a) }",
            json!({"a": "+100"}),
            "BAD_USER_INPUT",
        ),
        (
            "query($a: Int64!) { echo(amount: $a) }",
            json!({"a": true}),
            "BAD_USER_INPUT",
        ),
        (
            "query($a: Int64!) { echo(amount: $a) }",
            json!({"a": []}),
            "BAD_USER_INPUT",
        ),
        (
            "query($a: Int64!) { echo(amount: $a) }",
            json!({"a": "9223372036854775808"}),
            "BAD_USER_INPUT",
        ),
        (
            "query($a: Int64!) { echo(amount: $a) }",
            json!({}),
            "BAD_USER_INPUT",
        ),
        ("{ conflict }", json!({}), "CONFLICT"),
        ("{ notFound }", json!({}), "NOT_FOUND"),
        ("{ uncoded }", json!({}), "INTERNAL_SERVER_ERROR"),
        ("{ missingData }", json!({}), "INTERNAL_SERVER_ERROR"),
    ];
    for (query, variables, want) in cases {
        let response = run(query, variables.clone()).await;
        let got = codes(&response);
        assert!(
            !got.is_empty() && got.iter().all(|c| *c == want),
            "{query} {variables}: want {want}, got {response}"
        );
    }
}

#[tokio::test]
async fn canonical_int64_input_is_accepted() {
    let response = run(
        "query($a: Int64!) { a: echo(amount: $a) b: echo(amount: \"-42\") c: echo(amount: 7) }",
        json!({"a": "9223372036854775807"}),
    )
    .await;
    assert_eq!(
        response["data"],
        json!({"a": "9223372036854775807", "b": "-42", "c": "7"}),
        "{response}"
    );
}
