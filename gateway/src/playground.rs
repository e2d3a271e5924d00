//! The offline GraphiQL playground, every asset inside the binary.
//!
//! The bundle is built from npm `graphiql` by `gateway/playground/build.sh` and committed
//! in `gateway/playground/dist/`, so building the gateway never needs Node. The server
//! merges [`routes`]; [`page_response`] is the page for a browser's `GET /graphql`.

use axum::extract::Path;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

const PAGE: &str = include_str!("../playground/dist/index.html");
const SCRIPT: &[u8] = include_bytes!("../playground/dist/playground.js");
const STYLE: &[u8] = include_bytes!("../playground/dist/playground.css");

/// The page may load and fetch only from its own origin; data: URLs cover the icons
/// GraphiQL inlines in its CSS. A browser then refuses any request that would leave the
/// gateway, whatever a future bundle tries.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
                   img-src 'self' data:; font-src 'self' data:; connect-src 'self'; \
                   object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/// Asset URLs carry a content hash (`?v=`, written by the build), so a year is safe.
const ASSET_CACHE: &str = "public, max-age=31536000, immutable";

/// Routes serving the playground page and its assets.
pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/playground", get(|| async { page_response() }))
        .route("/playground/assets/{file}", get(asset))
}

/// The playground page (HTML), revalidated on every load so a new gateway version's
/// asset hashes are picked up at once.
pub fn page_response() -> Response {
    let mut response = ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], PAGE).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

async fn asset(Path(file): Path<String>) -> Response {
    let (content_type, body) = match file.as_str() {
        "playground.js" => ("text/javascript; charset=utf-8", SCRIPT),
        "playground.css" => ("text/css; charset=utf-8", STYLE),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, ASSET_CACHE),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::{to_bytes, Body};
    use axum::http::Request;
    use tower::ServiceExt;

    async fn get(uri: &str) -> Response {
        routes::<()>()
            .oneshot(Request::get(uri).body(Body::empty()).unwrap())
            .await
            .unwrap()
    }

    fn header(response: &Response, name: header::HeaderName) -> &str {
        response.headers()[name].to_str().unwrap()
    }

    /// The asset URLs the page references, e.g. `/playground/assets/playground.js?v=…`.
    fn asset_urls(page: &str) -> Vec<&str> {
        page.split(['"', '\''])
            .filter(|s| s.starts_with("/playground/assets/"))
            .collect()
    }

    #[tokio::test]
    async fn playground_page_is_html_that_is_revalidated_and_locked_to_its_origin() {
        let response = get("/playground").await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            header(&response, header::CONTENT_TYPE),
            "text/html; charset=utf-8"
        );
        assert_eq!(header(&response, header::CACHE_CONTROL), "no-cache");
        assert!(header(&response, header::CONTENT_SECURITY_POLICY).contains("connect-src 'self'"));
        let body = to_bytes(response.into_body(), usize::MAX).await.unwrap();
        assert!(std::str::from_utf8(&body)
            .unwrap()
            .contains("<div id=\"graphiql\">"));
    }

    #[tokio::test]
    async fn every_asset_the_page_references_is_served_with_its_type_and_a_long_cache() {
        let urls = asset_urls(PAGE);
        assert_eq!(urls.len(), 2, "{urls:?}");
        for url in urls {
            let response = get(url).await;
            assert_eq!(response.status(), StatusCode::OK, "{url}");
            let expected = if url.contains(".js") {
                "text/javascript"
            } else {
                "text/css"
            };
            assert!(
                header(&response, header::CONTENT_TYPE).starts_with(expected),
                "{url}"
            );
            assert_eq!(header(&response, header::CACHE_CONTROL), ASSET_CACHE);
            let body = to_bytes(response.into_body(), usize::MAX).await.unwrap();
            assert!(body.len() > 1000, "{url} is suspiciously small");
        }
    }

    #[test]
    fn page_references_no_other_origin() {
        for needle in ["http://", "https://", "//cdn", "fonts.g"] {
            assert!(!PAGE.contains(needle), "page mentions {needle}");
        }
    }

    #[tokio::test]
    async fn unknown_asset_is_not_found() {
        assert_eq!(
            get("/playground/assets/secret.txt").await.status(),
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            get("/playground/assets/..%2FCargo.toml").await.status(),
            StatusCode::NOT_FOUND
        );
    }

    #[test]
    fn page_response_is_the_playground_page() {
        let response = page_response();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            header(&response, header::CONTENT_TYPE),
            "text/html; charset=utf-8"
        );
    }
}
