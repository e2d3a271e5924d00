//! The verified claims of a token, with scopes and the customer id pulled out.

use serde_json::{Map, Value};

/// What a verified token says about its bearer.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Claims {
    /// `sub`; empty when the token has none.
    pub sub: String,
    /// From `scope` (space-separated, OAuth 2) or `scp` (an array, or a string).
    pub scopes: Vec<String>,
    /// `customer_id`: set on a customer's token.
    pub customer_id: Option<String>,
    /// Every other claim (`iss`, `aud`, `exp`, custom ones), as sent.
    pub extra: Map<String, Value>,
}

impl Claims {
    /// Splits a token's claim set.
    pub fn from_map(mut map: Map<String, Value>) -> Self {
        let sub = match map.remove("sub") {
            Some(Value::String(s)) => s,
            _ => String::new(),
        };
        let mut scopes = Vec::new();
        for key in ["scope", "scp"] {
            match map.remove(key) {
                Some(Value::String(s)) => scopes.extend(s.split_whitespace().map(str::to_string)),
                Some(Value::Array(items)) => scopes.extend(
                    items
                        .into_iter()
                        .filter_map(|v| v.as_str().map(str::to_string)),
                ),
                _ => {}
            }
        }
        let customer_id = match map.remove("customer_id") {
            Some(Value::String(s)) => Some(s),
            _ => None,
        };
        Claims {
            sub,
            scopes,
            customer_id,
            extra: map,
        }
    }

    /// Whether the token grants `scope`.
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }

    /// A claim by name, including the split-out ones (`sub`, `scope`, `customer_id`), as JSON.
    pub fn get(&self, name: &str) -> Option<Value> {
        match name {
            "sub" => Some(Value::String(self.sub.clone())),
            "scope" | "scp" => Some(Value::Array(
                self.scopes.iter().cloned().map(Value::String).collect(),
            )),
            "customer_id" => self.customer_id.clone().map(Value::String),
            _ => self.extra.get(name).cloned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn claims(v: Value) -> Claims {
        match v {
            Value::Object(m) => Claims::from_map(m),
            _ => unreachable!(),
        }
    }

    #[test]
    fn scopes_come_from_a_scope_string_or_an_scp_array() {
        let c = claims(json!({"sub": "a", "scope": "orders:manage  customers:read"}));
        assert_eq!(c.scopes, ["orders:manage", "customers:read"]);
        let c = claims(json!({"sub": "a", "scp": ["x", 3, "y"]}));
        assert_eq!(c.scopes, ["x", "y"]);
        assert!(c.has_scope("y") && !c.has_scope("z"));
    }

    #[test]
    fn customer_id_and_other_claims_are_kept_apart() {
        let c = claims(json!({"sub": "u", "customer_id": "c1", "iss": "i", "role": "admin"}));
        assert_eq!(c.sub, "u");
        assert_eq!(c.customer_id.as_deref(), Some("c1"));
        assert_eq!(c.extra.get("role"), Some(&json!("admin")));
        assert!(!c.extra.contains_key("sub"));
    }
}
