//! `multipart/mixed` responses for incremental delivery (`@defer`), framed as Apollo Router
//! and the incremental-delivery RFC (`deferSpec=20220824`) do: boundary `-`, one JSON part
//! per payload, the first with `hasNext: true`, the last with `hasNext: false`. Each chunk
//! ends with the delimiter that follows its part (the closing one after the last), so a
//! client can parse a part as soon as it arrives instead of waiting for the next.

use std::convert::Infallible;

use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;

use crate::engine::Outcome;
use crate::incremental::Payloads;

const CONTENT_TYPE: &str = "multipart/mixed;boundary=\"-\";deferSpec=20220824";
const OPEN: &[u8] = b"\r\n---\r\n";
const HEADERS: &[u8] = b"content-type: application/json; charset=utf-8\r\n\r\n";
const NEXT: &[u8] = b"\r\n---\r\n";
const END: &[u8] = b"\r\n-----\r\n";

/// Whether the client accepts `multipart/mixed` (GraphiQL, Apollo Client and Router send
/// `multipart/mixed;deferSpec=20220824` among their `Accept` types).
pub(super) fn accepts(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|media| {
            let mut params = media.split(';').map(str::trim);
            params
                .next()
                .is_some_and(|m| m.eq_ignore_ascii_case("multipart/mixed"))
                && !params.any(|p| p.replace(' ', "") == "q=0")
        })
}

/// The streamed answer: the first payload (`outcome.response`) then `rest`.
pub(super) fn respond(outcome: Outcome, rest: Payloads) -> Response {
    let mut first = outcome.response.into_json();
    // `{…}` → `{…,"hasNext":true}`
    first.pop();
    first.extend_from_slice(b",\"hasNext\":true}");
    let mut head = OPEN.to_vec();
    head.extend_from_slice(&framed((first, true)));
    let body = futures::stream::once(async move { head })
        .chain(rest.map(framed))
        .map(|chunk| Ok::<_, Infallible>(bytes::Bytes::from(chunk)));
    let mut response = (StatusCode::OK, Body::from_stream(body)).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    response
}

/// One part: its headers, its JSON, then the next delimiter (or the closing one).
fn framed((payload, has_next): (Vec<u8>, bool)) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADERS.len() + payload.len() + END.len());
    out.extend_from_slice(HEADERS);
    out.extend_from_slice(&payload);
    out.extend_from_slice(if has_next { NEXT } else { END });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(value: &str) -> bool {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT, HeaderValue::from_str(value).unwrap());
        accepts(&headers)
    }

    #[test]
    fn multipart_is_negotiated_from_the_accept_header() {
        assert!(accept(
            "multipart/mixed;deferSpec=20220824, application/json"
        ));
        assert!(accept(
            "application/graphql-response+json, multipart/mixed; q=0.9, application/json; q=0.8"
        ));
        assert!(!accept("application/json"));
        assert!(!accept("multipart/mixed;q=0"));
        assert!(!accept("application/graphql-response+json"));
    }
}
