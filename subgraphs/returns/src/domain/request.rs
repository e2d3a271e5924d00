use super::{required_text, DomainError, MAX_REASON_LEN, MAX_SKU_LEN};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use uuid::Uuid;

/// Lifecycle of a return: requested, then approved (and later refunded) or rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Status {
    Requested,
    Approved,
    Rejected,
    Refunded,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Requested => "REQUESTED",
            Status::Approved => "APPROVED",
            Status::Rejected => "REJECTED",
            Status::Refunded => "REFUNDED",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        [
            Status::Requested,
            Status::Approved,
            Status::Rejected,
            Status::Refunded,
        ]
        .into_iter()
        .find(|st| st.as_str() == s)
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One returned product line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Line {
    pub sku: String,
    pub quantity: i32,
}

/// A return as stored and returned (also the stored result of `requestReturn`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Return {
    pub id: Uuid,
    pub order_id: Uuid,
    pub payment_id: Option<Uuid>,
    pub reason: String,
    pub status: Status,
    pub rejection_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    /// The customer who asked for it, the only one who may see it; `None` when staff did.
    #[serde(default)]
    pub customer_id: Option<Uuid>,
    pub lines: Vec<Line>,
}

impl Return {
    fn require(&self, expected: Status, action: &'static str) -> Result<(), DomainError> {
        if self.status != expected {
            return Err(DomainError::WrongState {
                current: self.status,
                action,
            });
        }
        Ok(())
    }

    pub fn approve(&mut self) -> Result<(), DomainError> {
        self.require(Status::Requested, "approve it")?;
        self.status = Status::Approved;
        Ok(())
    }

    pub fn reject(&mut self, reason: &str) -> Result<(), DomainError> {
        let reason = required_text("reason", reason, MAX_REASON_LEN)?;
        self.require(Status::Requested, "reject it")?;
        self.status = Status::Rejected;
        self.rejection_reason = Some(reason);
        Ok(())
    }

    /// Payments found nothing left to refund for this approved return: it ends REJECTED.
    pub fn refund_refused(&mut self, reason: &str) -> Result<(), DomainError> {
        let reason = required_text("reason", reason, MAX_REASON_LEN)?;
        self.require(Status::Approved, "refuse its refund")?;
        self.status = Status::Rejected;
        self.rejection_reason = Some(reason);
        Ok(())
    }

    /// The money went back to the customer (the payments subgraph's refund succeeded).
    pub fn mark_refunded(&mut self) -> Result<(), DomainError> {
        self.require(Status::Approved, "mark it refunded")?;
        self.status = Status::Refunded;
        Ok(())
    }
}

/// Most lines one return may have.
pub const MAX_LINES: usize = 100;

/// A validated `requestReturn` input; lines sorted by SKU.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RequestReturn {
    pub order_id: Uuid,
    pub payment_id: Option<Uuid>,
    pub reason: String,
    pub lines: Vec<Line>,
}

impl RequestReturn {
    pub fn new(
        order_id: Uuid,
        payment_id: Option<Uuid>,
        reason: &str,
        lines: Vec<Line>,
    ) -> Result<Self, DomainError> {
        let reason = required_text("reason", reason, MAX_REASON_LEN)?;
        if lines.is_empty() || lines.len() > MAX_LINES {
            return Err(DomainError::Invalid(format!(
                "a return needs 1 to {MAX_LINES} lines"
            )));
        }
        let mut seen = HashSet::new();
        let mut valid = Vec::with_capacity(lines.len());
        for line in lines {
            let sku = required_text("sku", &line.sku, MAX_SKU_LEN)?;
            if line.quantity <= 0 {
                return Err(DomainError::Invalid(format!(
                    "quantity of {sku} must be positive, got {}",
                    line.quantity
                )));
            }
            if !seen.insert(sku.clone()) {
                return Err(DomainError::Invalid(format!("sku {sku} appears twice")));
            }
            valid.push(Line {
                sku,
                quantity: line.quantity,
            });
        }
        valid.sort_by(|a, b| a.sku.cmp(&b.sku));
        Ok(RequestReturn {
            order_id,
            payment_id,
            reason,
            lines: valid,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(sku: &str, quantity: i32) -> Line {
        Line {
            sku: sku.into(),
            quantity,
        }
    }

    fn requested() -> Return {
        Return {
            id: Uuid::nil(),
            order_id: Uuid::nil(),
            payment_id: None,
            reason: "damaged".into(),
            status: Status::Requested,
            rejection_reason: None,
            created_at: Utc::now(),
            customer_id: None,
            lines: vec![line("A", 1)],
        }
    }

    #[test]
    fn requests_are_validated() {
        let ok = RequestReturn::new(
            Uuid::nil(),
            None,
            " too small ",
            vec![line("B", 1), line("A", 1)],
        )
        .unwrap();
        assert_eq!(ok.reason, "too small");
        assert_eq!(ok.lines[0].sku, "A");
        assert!(RequestReturn::new(Uuid::nil(), None, "", vec![line("A", 1)]).is_err());
        assert!(RequestReturn::new(Uuid::nil(), None, "x", vec![]).is_err());
        assert!(RequestReturn::new(Uuid::nil(), None, "x", vec![line("A", 0)]).is_err());
        assert!(
            RequestReturn::new(Uuid::nil(), None, "x", vec![line("A", 1), line("A", 2)]).is_err()
        );
    }

    #[test]
    fn approved_returns_get_refunded_and_rejected_ones_stay_rejected() {
        let mut r = requested();
        assert!(r.mark_refunded().is_err());
        r.approve().unwrap();
        assert!(r.reject("no").is_err());
        r.mark_refunded().unwrap();
        assert_eq!(r.status, Status::Refunded);

        let mut r = requested();
        assert!(r.reject(" ").is_err());
        r.reject("worn").unwrap();
        assert_eq!(r.rejection_reason.as_deref(), Some("worn"));
        assert!(r.approve().is_err());
    }
}
