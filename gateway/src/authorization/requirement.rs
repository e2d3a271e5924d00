//! What one schema element requires of a request: authentication, scopes, policies; how
//! requirements combine (AND) and whether a request meets one.

use crowdcrunch_auth::Claims;

use super::PolicyEvaluator;

/// Alternatives beyond this many in a combined requirement are dropped. Dropping an
/// alternative only removes a way to be allowed, so the cap can deny, never allow.
const MAX_ALTERNATIVES: usize = 64;

/// A requirement in disjunctive normal form: `scopes` is OR of AND-lists, as
/// `@requiresScopes(scopes: [[...]])` writes it, and so is `policies`. Empty lists mean
/// "nothing required" of that kind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Requirement {
    pub authenticated: bool,
    pub scopes: Vec<Vec<String>>,
    pub policies: Vec<Vec<String>>,
}

impl Requirement {
    pub fn is_none(&self) -> bool {
        !self.authenticated && self.scopes.is_empty() && self.policies.is_empty()
    }

    /// Both requirements at once.
    pub fn and(&self, other: &Requirement) -> Requirement {
        Requirement {
            authenticated: self.authenticated || other.authenticated,
            scopes: and_dnf(&self.scopes, &other.scopes),
            policies: and_dnf(&self.policies, &other.policies),
        }
    }

    /// Whether a request (its claims, if it is authenticated) meets this requirement.
    pub fn allows(&self, claims: Option<&Claims>, policies: &dyn PolicyEvaluator) -> bool {
        if (self.authenticated || !self.scopes.is_empty()) && claims.is_none() {
            return false;
        }
        let scopes_ok = self.scopes.is_empty()
            || self
                .scopes
                .iter()
                .any(|all| all.iter().all(|s| claims.is_some_and(|c| c.has_scope(s))));
        let policies_ok = self.policies.is_empty()
            || self
                .policies
                .iter()
                .any(|all| all.iter().all(|p| policies.allows(p, claims)));
        scopes_ok && policies_ok
    }
}

/// (a1 OR a2) AND (b1 OR b2) = (a1 AND b1) OR (a1 AND b2) OR …, each AND-list sorted and
/// without repeats, repeated alternatives dropped.
fn and_dnf(a: &[Vec<String>], b: &[Vec<String>]) -> Vec<Vec<String>> {
    if a.is_empty() {
        return b.to_vec();
    }
    if b.is_empty() {
        return a.to_vec();
    }
    let mut out: Vec<Vec<String>> = Vec::new();
    for x in a {
        for y in b {
            let mut all: Vec<String> = x.iter().chain(y).cloned().collect();
            all.sort();
            all.dedup();
            if !out.contains(&all) && out.len() < MAX_ALTERNATIVES {
                out.push(all);
            }
        }
    }
    out
}

/// Normalizes one directive's list of lists (sorted AND-lists, no repeated alternatives).
pub fn normalize(dnf: Vec<Vec<String>>) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = Vec::new();
    for mut all in dnf {
        all.sort();
        all.dedup();
        if !out.contains(&all) && out.len() < MAX_ALTERNATIVES {
            out.push(all);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::authorization::ClaimPolicies;

    fn scopes(dnf: &[&[&str]]) -> Requirement {
        Requirement {
            scopes: dnf
                .iter()
                .map(|all| all.iter().map(|s| s.to_string()).collect())
                .collect(),
            ..Requirement::default()
        }
    }

    fn claims(scopes: &[&str]) -> Claims {
        Claims {
            sub: "u".into(),
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
            ..Claims::default()
        }
    }

    #[test]
    fn scopes_are_an_or_of_and_lists() {
        let req = scopes(&[&["a", "b"], &["c"]]);
        let none = ClaimPolicies::default();
        assert!(req.allows(Some(&claims(&["a", "b"])), &none));
        assert!(req.allows(Some(&claims(&["c"])), &none));
        assert!(!req.allows(Some(&claims(&["a"])), &none));
        assert!(!req.allows(None, &none), "scopes imply authentication");
    }

    #[test]
    fn and_of_two_requirements_needs_both() {
        let req = scopes(&[&["a"], &["b"]]).and(&scopes(&[&["c"]]));
        assert_eq!(req.scopes, [vec!["a", "c"], vec!["b", "c"]]);
        let none = ClaimPolicies::default();
        assert!(req.allows(Some(&claims(&["b", "c"])), &none));
        assert!(!req.allows(Some(&claims(&["a", "b"])), &none));
        let authenticated = Requirement {
            authenticated: true,
            ..Requirement::default()
        };
        assert!(authenticated.and(&Requirement::default()).authenticated);
    }
}
