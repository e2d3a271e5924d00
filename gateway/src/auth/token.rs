//! Finds the token in a request: the configured header (after its scheme), else the cookie.

use http::{HeaderMap, HeaderValue};

use super::AuthenticationConfig;
use crowdcrunch_auth::AuthError;

/// A token and where it came from.
pub struct Found<'h> {
    pub token: &'h str,
    /// Whether it came as `Authorization: Bearer <token>` (what subgraphs read).
    standard: bool,
}

impl Found<'_> {
    /// The client's headers with `Authorization: Bearer <token>` set, when the token came
    /// another way; `None` when the client's headers already carry it so.
    pub fn forward(&self, headers: &HeaderMap) -> Option<HeaderMap> {
        if self.standard {
            return None;
        }
        let value = HeaderValue::from_str(&format!("Bearer {}", self.token)).ok()?;
        let mut forward = headers.clone();
        forward.insert(http::header::AUTHORIZATION, value);
        Some(forward)
    }
}

/// The request's token: `Ok(None)` when it presents none; an error when the header is there
/// but does not hold a token in the configured form.
pub fn find<'h>(
    headers: &'h HeaderMap,
    config: &AuthenticationConfig,
) -> Result<Option<Found<'h>>, AuthError> {
    if let Some(value) = headers.get(config.header.as_str()) {
        let value = value
            .to_str()
            .map_err(|_| AuthError::Malformed("the header is not ASCII"))?
            .trim();
        let token = strip_scheme(value, &config.prefix)
            .ok_or(AuthError::Malformed("the header lacks its scheme"))?;
        if token.is_empty() {
            return Err(AuthError::Missing);
        }
        let standard = config.header.eq_ignore_ascii_case("authorization")
            && config.prefix.eq_ignore_ascii_case("bearer");
        return Ok(Some(Found { token, standard }));
    }
    let Some(cookie) = &config.cookie else {
        return Ok(None);
    };
    let token = headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| name == cookie)
        .map(|(_, value)| value.trim_matches('"'));
    Ok(token.filter(|t| !t.is_empty()).map(|token| Found {
        token,
        standard: false,
    }))
}

fn strip_scheme<'v>(value: &'v str, scheme: &str) -> Option<&'v str> {
    if scheme.is_empty() {
        return Some(value);
    }
    let (given, rest) = value.split_once(' ')?;
    given
        .eq_ignore_ascii_case(scheme)
        .then_some(rest.trim_start())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn the_token_comes_from_the_header_after_its_scheme() {
        let cfg = AuthenticationConfig::default();
        let h = headers(&[("authorization", "bearer abc.def.ghi")]);
        let found = find(&h, &cfg).unwrap().unwrap();
        assert_eq!(found.token, "abc.def.ghi");
        assert!(found.forward(&h).is_none());
        let h = headers(&[("authorization", "Basic dXNlcjpwdw==")]);
        assert_eq!(find(&h, &cfg).err().unwrap().reason(), "malformed");
        assert!(find(&HeaderMap::new(), &cfg).unwrap().is_none());
    }

    #[test]
    fn a_cookie_token_is_forwarded_as_a_bearer_header() {
        let cfg = AuthenticationConfig {
            cookie: Some("session".into()),
            ..AuthenticationConfig::default()
        };
        let h = headers(&[("cookie", "theme=dark; session=abc.def.ghi")]);
        let found = find(&h, &cfg).unwrap().unwrap();
        assert_eq!(found.token, "abc.def.ghi");
        let forward = found.forward(&h).unwrap();
        assert_eq!(forward["authorization"], "Bearer abc.def.ghi");
    }
}
