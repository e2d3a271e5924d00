//! Browser protections: CSRF prevention on POST and configurable CORS.

use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method};
use tower_http::cors::{AllowOrigin, CorsLayer};

use super::config::{CorsConfig, CsrfConfig};
use crate::operation::RequestFailure;
use crate::Error;

/// Request media types a browser cannot send cross-site without a preflight.
const JSON_TYPES: [&str; 2] = ["application/json", "application/graphql-response+json"];

/// CSRF prevention, ready to check requests.
pub(super) struct Csrf {
    enabled: bool,
    required_headers: Vec<HeaderName>,
}

impl Csrf {
    pub fn new(config: &CsrfConfig) -> Result<Self, Error> {
        let required_headers = config
            .required_headers
            .iter()
            .map(|name| {
                HeaderName::try_from(name.to_ascii_lowercase()).map_err(|e| {
                    Error::Config(format!("server.csrf.required_headers: {name}: {e}"))
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(Self {
            enabled: config.enabled,
            required_headers,
        })
    }

    /// Accepts a POST with a JSON Content-Type (parameters such as charset
    /// allowed) or a preflight-forcing header; refuses anything a browser
    /// could send cross-site without asking first (`text/plain`, form
    /// encodings, no Content-Type) with 415 `UNSUPPORTED_MEDIA_TYPE`, the
    /// status the GraphQL-over-HTTP spec gives a media type the server does
    /// not accept.
    pub fn check(&self, headers: &HeaderMap) -> Result<(), RequestFailure> {
        if !self.enabled || is_json(headers.get(header::CONTENT_TYPE)) {
            return Ok(());
        }
        if self
            .required_headers
            .iter()
            .any(|h| headers.contains_key(h))
        {
            return Ok(());
        }
        let message = if self.required_headers.is_empty() {
            "POST requests need `Content-Type: application/json` \
             (cross-site request forgery prevention)"
                .to_string()
        } else {
            let names: Vec<&str> = self.required_headers.iter().map(|h| h.as_str()).collect();
            format!(
                "POST requests need `Content-Type: application/json` or one of the headers {} \
                 (cross-site request forgery prevention)",
                names.join(", ")
            )
        };
        Err(RequestFailure::new(415, message, "UNSUPPORTED_MEDIA_TYPE"))
    }
}

fn is_json(content_type: Option<&HeaderValue>) -> bool {
    let Some(essence) = content_type
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
    else {
        return false;
    };
    let essence = essence.trim();
    JSON_TYPES.iter().any(|t| essence.eq_ignore_ascii_case(t))
}

/// The CORS layer, or `None` when no origin is allowed (CORS off).
pub(super) fn cors(config: &CorsConfig, csrf: &CsrfConfig) -> Result<Option<CorsLayer>, Error> {
    if config.allow_origins.is_empty() {
        return Ok(None);
    }
    let invalid = |what: &str, value: &str, e: &dyn std::fmt::Display| {
        Error::Config(format!("server.cors.{what}: {value}: {e}"))
    };
    let any = config.allow_origins.iter().any(|o| o == "*");
    if any && config.allow_credentials {
        return Err(Error::Config(
            "server.cors: allow_credentials cannot be used with the origin \"*\"".into(),
        ));
    }
    let origins = if any {
        AllowOrigin::any()
    } else {
        let list = config
            .allow_origins
            .iter()
            .map(|o| HeaderValue::try_from(o.as_str()).map_err(|e| invalid("allow_origins", o, &e)))
            .collect::<Result<Vec<_>, _>>()?;
        AllowOrigin::list(list)
    };
    let mut headers = vec![header::CONTENT_TYPE];
    for name in config.allow_headers.iter().chain(&csrf.required_headers) {
        headers.push(
            HeaderName::try_from(name.to_ascii_lowercase())
                .map_err(|e| invalid("allow_headers", name, &e))?,
        );
    }
    Ok(Some(
        CorsLayer::new()
            .allow_origin(origins)
            .allow_methods([Method::GET, Method::POST])
            .allow_headers(headers)
            .allow_credentials(config.allow_credentials)
            .max_age(std::time::Duration::from_secs(config.max_age_s)),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(k, v)| (HeaderName::from_static(k), HeaderValue::from_static(v)))
            .collect()
    }

    #[test]
    fn json_content_types_with_parameters_pass_and_simple_ones_do_not() {
        let csrf = Csrf::new(&CsrfConfig::default()).unwrap();
        for ok in [
            "application/json",
            "application/json; charset=utf-8",
            "Application/JSON",
            "application/graphql-response+json;charset=utf-8",
        ] {
            assert!(
                csrf.check(&headers(&[("content-type", ok)])).is_ok(),
                "{ok}"
            );
        }
        for refused in [
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
            "application/jsonx",
        ] {
            let failure = csrf
                .check(&headers(&[("content-type", refused)]))
                .unwrap_err();
            assert_eq!(failure.status, 415, "{refused}");
        }
        assert!(csrf.check(&HeaderMap::new()).is_err());
    }

    #[test]
    fn a_preflight_forcing_header_admits_any_content_type() {
        let csrf = Csrf::new(&CsrfConfig::default()).unwrap();
        let h = headers(&[
            ("content-type", "text/plain"),
            ("apollo-require-preflight", "1"),
        ]);
        assert!(csrf.check(&h).is_ok());
        let off = Csrf::new(&CsrfConfig {
            enabled: false,
            ..CsrfConfig::default()
        })
        .unwrap();
        assert!(off.check(&HeaderMap::new()).is_ok());
    }

    #[test]
    fn cors_is_off_without_origins_and_refuses_credentials_with_any_origin() {
        let csrf = CsrfConfig::default();
        assert!(cors(&CorsConfig::default(), &csrf).unwrap().is_none());
        let wild = CorsConfig {
            allow_origins: vec!["*".into()],
            allow_credentials: true,
            ..CorsConfig::default()
        };
        assert!(cors(&wild, &csrf).is_err());
    }
}
