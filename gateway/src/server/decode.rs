//! Decoding GraphQL-over-HTTP requests: a POST body (after the CSRF check,
//! within the body limit, one operation per request) or GET parameters.

use std::collections::HashMap;

use axum::body::{Body, Bytes};
use serde_json::Value;

use super::browser::Csrf;
use crate::engine::GraphQLRequest;
use crate::operation::RequestFailure;

/// Reads and decodes a POST: the CSRF check first, so a refused request's
/// body is never read.
pub(super) async fn post(
    csrf: &Csrf,
    headers: &http::HeaderMap,
    body: Body,
    limit: usize,
) -> Result<GraphQLRequest, RequestFailure> {
    csrf.check(headers)?;
    let body = read(body, limit).await?;
    if body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
        return Err(RequestFailure::new(
            400,
            "batching is not supported: send one operation per request",
            "BATCHING_NOT_SUPPORTED",
        ));
    }
    serde_json::from_slice::<GraphQLRequest>(&body).map_err(|e| {
        RequestFailure::new(
            400,
            format!("invalid JSON request body: {e}"),
            "BAD_REQUEST",
        )
    })
}

async fn read(body: Body, limit: usize) -> Result<Bytes, RequestFailure> {
    axum::body::to_bytes(body, limit).await.map_err(|e| {
        let too_large = std::error::Error::source(&e)
            .is_some_and(|s| s.is::<http_body_util::LengthLimitError>());
        if too_large {
            RequestFailure::new(
                413,
                format!("the request body is larger than {limit} bytes"),
                "PAYLOAD_TOO_LARGE",
            )
        } else {
            RequestFailure::new(400, "the request body could not be read", "BAD_REQUEST")
        }
    })
}

/// Decodes GET parameters (`query`, `operationName`, JSON `variables` and
/// `extensions`).
pub(super) fn params(
    mut params: HashMap<String, String>,
) -> Result<GraphQLRequest, RequestFailure> {
    let json = |raw: Option<String>, what: &str| -> Result<Option<Value>, RequestFailure> {
        raw.filter(|s| !s.is_empty())
            .map(|s| serde_json::from_str(&s))
            .transpose()
            .map_err(|e| RequestFailure::new(400, format!("invalid {what}: {e}"), "BAD_REQUEST"))
    };
    let variables = match json(params.remove("variables"), "variables")? {
        Some(Value::Object(map)) => Some(map),
        None | Some(Value::Null) => None,
        Some(_) => {
            return Err(RequestFailure::new(
                400,
                "variables must be an object",
                "BAD_REQUEST",
            ))
        }
    };
    Ok(GraphQLRequest {
        query: params.remove("query"),
        operation_name: params.remove("operationName"),
        variables,
        extensions: json(params.remove("extensions"), "extensions")?,
        document_id: params.remove("documentId"),
    })
}
