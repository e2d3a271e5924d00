//! Validated customer data and who may see or change it. Everything here is checked before
//! any database read or write.

pub mod access;
pub mod notification;

use subgraph_kit::AppError;

/// Longest e-mail address accepted (RFC 5321 path limit).
pub const MAX_EMAIL_LEN: usize = 254;
/// Longest display name accepted.
pub const MAX_NAME_LEN: usize = 200;

/// A syntactically valid e-mail address, lower-cased so uniqueness ignores case.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Email, AppError> {
        let email = raw.trim().to_lowercase();
        let invalid = || AppError::bad_input(format!("{raw:?} is not a valid e-mail address"));
        if email.len() > MAX_EMAIL_LEN || email.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(invalid());
        }
        let (local, domain) = email.split_once('@').ok_or_else(invalid)?;
        let domain_ok = !domain.contains('@')
            && domain.contains('.')
            && domain
                .split('.')
                .all(|label| !label.is_empty() && !label.starts_with('-') && !label.ends_with('-'));
        if local.is_empty() || local.len() > 64 || !domain_ok {
            return Err(invalid());
        }
        Ok(Email(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A non-blank display name, trimmed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CustomerName(String);

impl CustomerName {
    pub fn parse(raw: &str) -> Result<CustomerName, AppError> {
        let name = raw.trim();
        if name.is_empty() {
            return Err(AppError::bad_input("name must not be blank"));
        }
        if name.chars().count() > MAX_NAME_LEN {
            return Err(AppError::bad_input(format!(
                "name must be at most {MAX_NAME_LEN} characters"
            )));
        }
        Ok(CustomerName(name.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A validated new customer. Also the idempotency fingerprint of `createCustomer`, so retries
/// that differ only in case or surrounding blanks count as the same request.
#[derive(Debug, Clone, serde::Serialize)]
pub struct NewCustomer {
    pub email: Email,
    pub name: CustomerName,
}

/// A validated partial update: at least one field is set.
#[derive(Debug, Clone)]
pub struct CustomerPatch {
    pub email: Option<Email>,
    pub name: Option<CustomerName>,
}

impl CustomerPatch {
    pub fn parse(email: Option<&str>, name: Option<&str>) -> Result<CustomerPatch, AppError> {
        if email.is_none() && name.is_none() {
            return Err(AppError::bad_input("nothing to update: give email or name"));
        }
        Ok(CustomerPatch {
            email: email.map(Email::parse).transpose()?,
            name: name.map(CustomerName::parse).transpose()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_is_trimmed_and_lower_cased() {
        let email = Email::parse("  Ada.Lovelace@Example.COM ").unwrap();
        assert_eq!(email.as_str(), "ada.lovelace@example.com");
    }

    #[test]
    fn malformed_emails_are_rejected() {
        for bad in [
            "",
            "plain",
            "@example.com",
            "a@",
            "a@b",
            "a@@b.com",
            "a b@c.com",
            "a@b..com",
            "a@-b.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn overlong_email_is_rejected() {
        let local = "a".repeat(60);
        let domain = format!("{}.com", "d".repeat(MAX_EMAIL_LEN));
        assert!(Email::parse(&format!("{local}@{domain}")).is_err());
    }

    #[test]
    fn blank_and_overlong_names_are_rejected() {
        assert!(CustomerName::parse("   ").is_err());
        assert!(CustomerName::parse(&"x".repeat(MAX_NAME_LEN + 1)).is_err());
        assert_eq!(CustomerName::parse(" Ada ").unwrap().as_str(), "Ada");
    }

    #[test]
    fn empty_patch_is_rejected() {
        assert!(CustomerPatch::parse(None, None).is_err());
        assert!(CustomerPatch::parse(Some("not-an-email"), None).is_err());
        assert!(CustomerPatch::parse(None, Some("Ada")).is_ok());
    }
}
