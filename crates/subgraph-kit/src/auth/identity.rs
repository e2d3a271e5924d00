//! The caller as the domain layer sees it, and the checks every ownership rule is built from.

use crate::AppError;
use std::collections::BTreeSet;
use uuid::Uuid;

/// Who sent a request: nobody (anonymous), a customer (their customer id), staff (their
/// scopes), or a token with both a customer id and scopes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Identity {
    /// The token's `sub`; `None` only for anonymous requests.
    subject: Option<String>,
    /// The customer the token speaks for (`customer_id` claim).
    customer: Option<Uuid>,
    /// Staff scopes granted by the token.
    scopes: BTreeSet<String>,
    /// When the token's `exp` passes (seconds since the epoch); `None` without one.
    expires_at: Option<u64>,
}

/// Which rows of a list the caller may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    /// Every row (staff with the scope).
    All,
    /// Only rows owned by this customer.
    Owner(Uuid),
}

impl Identity {
    /// The identity of a request without a token.
    pub const ANONYMOUS: Identity = Identity {
        subject: None,
        customer: None,
        scopes: BTreeSet::new(),
        expires_at: None,
    };

    /// An authenticated caller. A `customer_id` that is not a UUID names no customer here.
    pub fn authenticated(
        subject: String,
        customer_id: Option<&str>,
        scopes: impl IntoIterator<Item = String>,
    ) -> Identity {
        Identity {
            subject: Some(subject),
            customer: customer_id.and_then(|c| Uuid::parse_str(c).ok()),
            scopes: scopes.into_iter().collect(),
            expires_at: None,
        }
    }

    /// This identity, valid until `exp` (its token's, seconds since the epoch).
    pub fn expiring_at(mut self, exp: Option<u64>) -> Identity {
        self.expires_at = exp;
        self
    }

    /// How long until the token expires (`None`: no token, or no `exp`); zero once it has.
    pub fn expires_in(&self) -> Option<std::time::Duration> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .ok()?
            .as_secs();
        Some(std::time::Duration::from_secs(
            self.expires_at?.saturating_sub(now),
        ))
    }

    /// A customer's identity (tests and tools).
    pub fn customer(id: Uuid) -> Identity {
        Identity::authenticated(format!("customer:{id}"), Some(&id.to_string()), [])
    }

    /// A staff member's identity with `scopes` (tests and tools).
    pub fn staff(scopes: &[&str]) -> Identity {
        Identity::authenticated("staff".into(), None, scopes.iter().map(|s| s.to_string()))
    }

    pub fn is_anonymous(&self) -> bool {
        self.subject.is_none()
    }

    pub fn subject(&self) -> Option<&str> {
        self.subject.as_deref()
    }

    pub fn customer_id(&self) -> Option<Uuid> {
        self.customer
    }

    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.contains(scope)
    }

    /// Any token at all.
    pub fn require_authenticated(&self) -> Result<(), AppError> {
        if self.is_anonymous() {
            return Err(unauthenticated());
        }
        Ok(())
    }

    /// The token speaks for customer `id`.
    pub fn require_customer(&self, id: Uuid) -> Result<(), AppError> {
        self.require_authenticated()?;
        if self.customer == Some(id) {
            return Ok(());
        }
        Err(AppError::Forbidden(
            "this belongs to another customer".into(),
        ))
    }

    /// The token carries staff scope `scope`.
    pub fn require_scope(&self, scope: &str) -> Result<(), AppError> {
        self.require_authenticated()?;
        if self.has_scope(scope) {
            return Ok(());
        }
        Err(AppError::Forbidden(format!("needs the {scope} scope")))
    }

    /// The token carries `scope`, or speaks for `owner` (a row with no owner is staff-only).
    pub fn require_owner_or_scope(&self, owner: Option<Uuid>, scope: &str) -> Result<(), AppError> {
        self.require_authenticated()?;
        if self.has_scope(scope) || (owner.is_some() && owner == self.customer) {
            return Ok(());
        }
        Err(AppError::Forbidden(format!(
            "only its customer or staff with the {scope} scope may do this"
        )))
    }

    /// What a list may show: everything with `scope`, else the caller's own rows.
    pub fn visibility(&self, scope: &str) -> Result<Visibility, AppError> {
        self.require_authenticated()?;
        if self.has_scope(scope) {
            return Ok(Visibility::All);
        }
        match self.customer {
            Some(id) => Ok(Visibility::Owner(id)),
            None => Err(AppError::Forbidden(format!("needs the {scope} scope"))),
        }
    }
}

impl Visibility {
    /// Whether a row owned by `owner` is visible.
    pub fn allows(self, owner: Option<Uuid>) -> bool {
        match self {
            Visibility::All => true,
            Visibility::Owner(id) => owner == Some(id),
        }
    }
}

fn unauthenticated() -> AppError {
    AppError::Unauthenticated("authentication required: send a bearer token".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;

    fn code(r: Result<(), AppError>) -> Option<ErrorCode> {
        r.err().map(|e| e.code())
    }

    #[test]
    fn anonymous_is_refused_as_unauthenticated_everywhere() {
        let anon = Identity::ANONYMOUS;
        let id = Uuid::new_v4();
        assert_eq!(
            code(anon.require_customer(id)),
            Some(ErrorCode::Unauthenticated)
        );
        assert_eq!(
            code(anon.require_scope("x")),
            Some(ErrorCode::Unauthenticated)
        );
        assert_eq!(
            code(anon.require_owner_or_scope(Some(id), "x")),
            Some(ErrorCode::Unauthenticated)
        );
        assert!(anon.visibility("x").is_err());
    }

    #[test]
    fn a_customer_reaches_only_their_own_rows() {
        let (me, other) = (Uuid::new_v4(), Uuid::new_v4());
        let who = Identity::customer(me);
        assert!(who.require_customer(me).is_ok());
        assert_eq!(
            code(who.require_customer(other)),
            Some(ErrorCode::Forbidden)
        );
        assert!(who.require_owner_or_scope(Some(me), "x").is_ok());
        assert_eq!(
            code(who.require_owner_or_scope(None, "x")),
            Some(ErrorCode::Forbidden)
        );
        assert_eq!(who.visibility("x").unwrap(), Visibility::Owner(me));
        assert!(!Visibility::Owner(me).allows(Some(other)));
        assert!(!Visibility::Owner(me).allows(None));
    }

    #[test]
    fn staff_need_the_named_scope() {
        let staff = Identity::staff(&["orders:manage"]);
        assert!(staff.require_scope("orders:manage").is_ok());
        assert_eq!(
            code(staff.require_scope("payments:refund")),
            Some(ErrorCode::Forbidden)
        );
        assert!(staff.require_owner_or_scope(None, "orders:manage").is_ok());
        assert_eq!(staff.visibility("orders:manage").unwrap(), Visibility::All);
        assert!(staff.visibility("payments:manage").is_err());
    }

    #[test]
    fn a_customer_id_that_is_not_a_uuid_names_no_customer() {
        let who = Identity::authenticated("s".into(), Some("not-a-uuid"), []);
        assert_eq!(who.customer_id(), None);
        assert!(!who.is_anonymous());
    }
}
