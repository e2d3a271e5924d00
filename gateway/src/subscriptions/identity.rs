//! Who a subscription connection belongs to: the headers its token may come
//! in (a WebSocket's `connection_init` payload over the upgrade request's),
//! the key its connections are counted under, and whether a browser's
//! WebSocket comes from an origin allowed to use the client's cookies.

use std::net::SocketAddr;

use serde_json::{Map, Value};

use crate::auth::{Authenticated, Identity};

/// Payload entries read from `connection_init` (more are ignored).
const MAX_INIT_ENTRIES: usize = 32;
/// Longest payload value read as a header, in bytes.
const MAX_INIT_VALUE: usize = 8 * 1024;

/// An authenticated client: its identity and the headers passed to subgraphs.
#[derive(Clone)]
pub struct Who {
    pub identity: Identity,
    /// The headers fetches forward from (the token as `Authorization` when it
    /// came from elsewhere).
    pub forward: http::HeaderMap,
}

impl Who {
    pub fn new(authenticated: Authenticated, headers: http::HeaderMap) -> Self {
        Self {
            identity: authenticated.identity,
            forward: authenticated.forward.unwrap_or(headers),
        }
    }

    /// How long until the token's `exp` passes (`None`: no token, or no `exp`).
    pub fn expires_in(&self) -> Option<std::time::Duration> {
        let exp = self.identity.claims.as_ref()?.extra.get("exp")?.as_u64()?;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .ok()?
            .as_secs();
        Some(std::time::Duration::from_secs(exp.saturating_sub(now)))
    }

    /// The key a client's connections are counted under: its token's
    /// subject, else its address.
    pub fn client_key(&self, peer: Option<SocketAddr>) -> String {
        match self.identity.claims.as_ref().filter(|c| !c.sub.is_empty()) {
            Some(claims) => format!("sub:{}", claims.sub),
            None => match peer {
                Some(peer) => format!("ip:{}", peer.ip()),
                None => "ip:unknown".into(),
            },
        }
    }
}

/// The upgrade request's headers with the `connection_init` payload's
/// string entries laid over them as headers (`{"Authorization": "Bearer …"}`,
/// or the same inside `"headers"`), as browsers cannot set WebSocket headers.
pub fn init_headers(
    upgrade: &http::HeaderMap,
    payload: Option<&Map<String, Value>>,
) -> http::HeaderMap {
    let mut headers = upgrade.clone();
    let Some(payload) = payload else {
        return headers;
    };
    let nested = payload.get("headers").and_then(Value::as_object);
    let entries = payload
        .iter()
        .chain(nested.into_iter().flatten())
        .take(MAX_INIT_ENTRIES);
    for (name, value) in entries {
        let Some(value) = value.as_str().filter(|v| v.len() <= MAX_INIT_VALUE) else {
            continue;
        };
        let (Ok(name), Ok(value)) = (
            http::HeaderName::from_bytes(name.to_ascii_lowercase().as_bytes()),
            http::HeaderValue::from_str(value),
        ) else {
            continue;
        };
        headers.insert(name, value);
    }
    headers
}

/// Whether a WebSocket upgrade may proceed: no `Origin` (not a browser), the
/// gateway's own origin, or one of `allow_origins` (`*`: any). A browser
/// sends the site's cookies with a WebSocket from any page, so without this
/// check another site could subscribe as the user (cross-site WebSocket hijacking).
pub fn origin_allowed(headers: &http::HeaderMap, allow_origins: &[String]) -> bool {
    let Some(origin) = headers
        .get(http::header::ORIGIN)
        .and_then(|o| o.to_str().ok())
    else {
        return true;
    };
    if allow_origins
        .iter()
        .any(|a| a == "*" || a.eq_ignore_ascii_case(origin))
    {
        return true;
    }
    let host = headers
        .get(http::header::HOST)
        .and_then(|h| h.to_str().ok());
    let own = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"));
    matches!((own, host), (Some(own), Some(host)) if own.eq_ignore_ascii_case(host))
}
