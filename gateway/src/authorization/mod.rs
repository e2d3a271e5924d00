//! Federation authorization directives (`@authenticated`, `@requiresScopes`, `@policy`),
//! enforced before planning: unauthorized fields leave the planned operation and are answered
//! `null` with an `UNAUTHORIZED_FIELD_OR_TYPE` error at their path.
//!
//! Stages: [`schema_rules`] reads the directives of a supergraph once (names as its `@link`s
//! declare them) into per-field requirements; [`analysis`] finds, once per prepared operation,
//! which of its selections carry a requirement; per request only those requirements are judged,
//! and for a request that fails some, [`filter`] removes the unauthorized selections and plans
//! the rest (cached per set of failed requirements). Operations touching no directive cost
//! nothing extra.

pub mod analysis;
pub mod filter;
mod requirement;
pub mod schema_rules;

use std::collections::HashMap;
use std::sync::Arc;

use apollo_compiler::executable::Operation;
use crowdcrunch_auth::Claims;
use serde::Deserialize;
use serde_json::Value;

pub use analysis::OperationAuth;
pub use filter::{Denied, Filtered};
pub use requirement::Requirement;
pub use schema_rules::SchemaRules;

use crate::auth::Identity;
use crate::operation::{Prepared, RequestFailure};
use crate::supergraph::Supergraph;

/// `extensions.code` of an unauthorized field's error.
pub const UNAUTHORIZED: &str = "UNAUTHORIZED_FIELD_OR_TYPE";

/// The filtered plan for this request when it may not make some of the operation's
/// selections; `None` (the prepared plan stands) when it may make them all, or when the
/// operation touches no authorization directive (then nothing is judged at all).
pub fn authorize(
    sg: &Supergraph,
    prepared: &Prepared,
    operation: &Operation,
    identity: &Identity,
) -> Result<Option<Arc<Filtered>>, RequestFailure> {
    if prepared.authz.is_empty() {
        return Ok(None);
    }
    let failed = prepared.authz.failed(
        &sg.authz,
        identity.claims.as_ref(),
        identity.policies.as_ref(),
    );
    if failed.is_empty() {
        return Ok(None);
    }
    prepared
        .authz
        .filtered(sg, &prepared.document, operation, failed)
        .map(Some)
}

/// Decides `@policy(policies:)` names for a request. Implement it to plug in your own rules
/// (e.g. a lookup in an entitlement service done ahead of time); the gateway's built-in one is
/// [`ClaimPolicies`], configured under `[authorization.policies]`. Called on the request's
/// path with no I/O allowed: it must answer from the claims.
pub trait PolicyEvaluator: Send + Sync {
    /// Whether the request (with `claims` when it carries a valid token) satisfies `policy`.
    fn allows(&self, policy: &str, claims: Option<&Claims>) -> bool;
}

/// The `[authorization]` section.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthorizationConfig {
    /// `@policy` names and the claim each one checks, e.g.
    /// `[authorization.policies.support] claim = "role", values = ["support", "admin"]`.
    /// A policy the supergraph names but this table lacks is never satisfied.
    pub policies: HashMap<String, ClaimPolicy>,
}

/// A policy satisfied when a claim of the token has one of the listed values.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClaimPolicy {
    /// The claim's name: `sub`, `scope`, `customer_id` or any other claim of the token.
    pub claim: String,
    /// Accepted values; a claim that is an array satisfies the policy when it contains one of
    /// them. Numbers and booleans compare by their JSON text (`"1"`, `"true"`).
    pub values: Vec<String>,
}

/// The built-in [`PolicyEvaluator`]: each policy name maps to a [`ClaimPolicy`]. Anonymous
/// requests satisfy no policy.
#[derive(Debug, Clone, Default)]
pub struct ClaimPolicies(HashMap<String, ClaimPolicy>);

impl ClaimPolicies {
    pub fn new(config: &AuthorizationConfig) -> Self {
        Self(config.policies.clone())
    }
}

impl PolicyEvaluator for ClaimPolicies {
    fn allows(&self, policy: &str, claims: Option<&Claims>) -> bool {
        let (Some(rule), Some(claims)) = (self.0.get(policy), claims) else {
            return false;
        };
        let matches = |v: &Value| match v {
            Value::String(s) => rule.values.iter().any(|want| want == s),
            Value::Number(_) | Value::Bool(_) => {
                let text = v.to_string();
                rule.values.contains(&text)
            }
            _ => false,
        };
        match claims.get(&rule.claim) {
            Some(Value::Array(items)) => items.iter().any(matches),
            Some(v) => matches(&v),
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claim_policies_match_a_value_or_an_array_member() {
        let config: AuthorizationConfig = toml::from_str(
            "[policies.support]\nclaim = \"roles\"\nvalues = [\"support\", \"admin\"]\n\
             [policies.tier]\nclaim = \"tier\"\nvalues = [\"2\"]\n",
        )
        .unwrap();
        let policies = ClaimPolicies::new(&config);
        let mut claims = Claims::default();
        claims
            .extra
            .insert("roles".into(), serde_json::json!(["viewer", "admin"]));
        claims.extra.insert("tier".into(), serde_json::json!(2));
        assert!(policies.allows("support", Some(&claims)));
        assert!(policies.allows("tier", Some(&claims)));
        assert!(!policies.allows("support", None));
        assert!(!policies.allows("unknown", Some(&claims)));
        claims
            .extra
            .insert("roles".into(), serde_json::json!("viewer"));
        assert!(!policies.allows("support", Some(&claims)));
    }
}
