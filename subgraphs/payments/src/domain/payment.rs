use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use subgraph_kit::money::{is_currency_code, MAX_AMOUNT};
use subgraph_kit::AppError;
use uuid::Uuid;

/// Why a request breaks a payment rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    #[error("amount must be positive, got {0}")]
    NonPositiveAmount(i64),
    #[error("amount must be at most {MAX_AMOUNT}, got {0}")]
    AmountTooLarge(i64),
    #[error("currency must be an ISO 4217 code such as USD, got {0:?}")]
    BadCurrency(String),
    #[error("payment is {0}: only an AUTHORIZED payment can be captured")]
    NotCapturable(Status),
    #[error("payment is {0}: only a captured payment can be refunded")]
    NotRefundable(Status),
    #[error("payment is {0}: only an AUTHORIZED payment can be voided")]
    NotVoidable(Status),
    #[error("refund of {requested} exceeds the {available} still refundable")]
    RefundTooLarge { requested: i64, available: i64 },
}

impl From<DomainError> for AppError {
    fn from(e: DomainError) -> Self {
        match e {
            DomainError::NotCapturable(_)
            | DomainError::NotRefundable(_)
            | DomainError::NotVoidable(_) => AppError::conflict(e.to_string()),
            _ => AppError::bad_input(e.to_string()),
        }
    }
}

/// Lifecycle of a payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Status {
    Authorized,
    Captured,
    Failed,
    Refunded,
    PartiallyRefunded,
    /// Authorized, then released uncaptured: its order was cancelled.
    Voided,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Authorized => "AUTHORIZED",
            Status::Captured => "CAPTURED",
            Status::Failed => "FAILED",
            Status::Refunded => "REFUNDED",
            Status::PartiallyRefunded => "PARTIALLY_REFUNDED",
            Status::Voided => "VOIDED",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        [
            Status::Authorized,
            Status::Captured,
            Status::Failed,
            Status::Refunded,
            Status::PartiallyRefunded,
            Status::Voided,
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

/// How the customer pays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Method {
    Card,
    BankTransfer,
    Wallet,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Card => "CARD",
            Method::BankTransfer => "BANK_TRANSFER",
            Method::Wallet => "WALLET",
        }
    }

    pub fn parse(s: &str) -> Option<Method> {
        [Method::Card, Method::BankTransfer, Method::Wallet]
            .into_iter()
            .find(|m| m.as_str() == s)
    }

    /// The most one authorization may take with this method, in minor units. Our acquirer
    /// declines anything larger, so we record the attempt as FAILED instead of AUTHORIZED.
    pub fn authorization_limit(self) -> i64 {
        match self {
            Method::Card => 5_000_000,
            Method::Wallet => 1_000_000,
            Method::BankTransfer => 100_000_000,
        }
    }
}

/// A payment as stored and returned (also the stored result of an idempotent mutation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    pub id: Uuid,
    pub order_id: Uuid,
    pub amount: i64,
    pub currency: String,
    pub captured_amount: i64,
    pub refunded_amount: i64,
    pub status: Status,
    pub method: Method,
    pub created_at: DateTime<Utc>,
    /// The customer who authorized it, the only one who may see it; `None` when staff did.
    #[serde(default)]
    pub customer_id: Option<Uuid>,
}

/// The outcome of asking to authorize a payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Authorized,
    /// Declined, with the reason reported in `payments_failed_total{reason}`.
    Failed(&'static str),
}

/// A validated `authorizePayment` input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuthorizeRequest {
    pub order_id: Uuid,
    pub amount: i64,
    pub currency: String,
    pub method: Method,
}

impl AuthorizeRequest {
    pub fn new(
        order_id: Uuid,
        amount: i64,
        currency: String,
        method: Method,
    ) -> Result<Self, DomainError> {
        check_amount(amount)?;
        if !is_currency_code(&currency) {
            return Err(DomainError::BadCurrency(currency));
        }
        Ok(AuthorizeRequest {
            order_id,
            amount,
            currency,
            method,
        })
    }

    pub fn decide(&self) -> Decision {
        if self.amount > self.method.authorization_limit() {
            Decision::Failed("limit_exceeded")
        } else {
            Decision::Authorized
        }
    }
}

/// An amount a request may name: positive and at most [`MAX_AMOUNT`] (so that no sum of
/// payments overflows, and 9,223,372,036,854,775,807 is refused, not recorded as declined).
fn check_amount(amount: i64) -> Result<(), DomainError> {
    if amount <= 0 {
        return Err(DomainError::NonPositiveAmount(amount));
    }
    if amount > MAX_AMOUNT {
        return Err(DomainError::AmountTooLarge(amount));
    }
    Ok(())
}

/// A validated `refundPayment` input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RefundRequest {
    pub payment_id: Uuid,
    pub amount: i64,
}

impl RefundRequest {
    pub fn new(payment_id: Uuid, amount: i64) -> Result<Self, DomainError> {
        check_amount(amount)?;
        Ok(RefundRequest { payment_id, amount })
    }
}

impl Payment {
    /// Capture the whole authorized amount.
    pub fn capture(&mut self) -> Result<(), DomainError> {
        if self.status != Status::Authorized {
            return Err(DomainError::NotCapturable(self.status));
        }
        self.captured_amount = self.amount;
        self.status = Status::Captured;
        Ok(())
    }

    /// Release an authorization that will not be captured.
    pub fn void(&mut self) -> Result<(), DomainError> {
        if self.status != Status::Authorized {
            return Err(DomainError::NotVoidable(self.status));
        }
        self.status = Status::Voided;
        Ok(())
    }

    /// Whether it holds or held the customer's money: authorized or captured (even if since
    /// refunded). An order has at most one live payment.
    pub fn is_live(&self) -> bool {
        !matches!(self.status, Status::Failed | Status::Voided)
    }

    /// What can still be refunded.
    pub fn refundable(&self) -> i64 {
        self.captured_amount - self.refunded_amount
    }

    /// Refund `amount`; never more than captured minus already refunded.
    pub fn refund(&mut self, amount: i64) -> Result<(), DomainError> {
        if !matches!(self.status, Status::Captured | Status::PartiallyRefunded) {
            return Err(DomainError::NotRefundable(self.status));
        }
        if amount <= 0 {
            return Err(DomainError::NonPositiveAmount(amount));
        }
        if amount > self.refundable() {
            return Err(DomainError::RefundTooLarge {
                requested: amount,
                available: self.refundable(),
            });
        }
        self.refunded_amount += amount;
        self.status = if self.refunded_amount == self.captured_amount {
            Status::Refunded
        } else {
            Status::PartiallyRefunded
        };
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn captured(amount: i64) -> Payment {
        Payment {
            id: Uuid::nil(),
            order_id: Uuid::nil(),
            amount,
            currency: "USD".into(),
            captured_amount: amount,
            refunded_amount: 0,
            status: Status::Captured,
            method: Method::Card,
            created_at: Utc::now(),
            customer_id: None,
        }
    }

    #[test]
    fn partial_then_full_refund_moves_status_to_refunded() {
        let mut p = captured(1000);
        p.refund(400).unwrap();
        assert_eq!(p.status, Status::PartiallyRefunded);
        p.refund(600).unwrap();
        assert_eq!(p.status, Status::Refunded);
        assert_eq!(p.captured_amount, p.refunded_amount);
    }

    #[test]
    fn refund_beyond_captured_is_rejected_and_changes_nothing() {
        let mut p = captured(1000);
        p.refund(700).unwrap();
        let err = p.refund(301).unwrap_err();
        assert_eq!(
            err,
            DomainError::RefundTooLarge {
                requested: 301,
                available: 300
            }
        );
        assert_eq!(p.refunded_amount, 700);
    }

    #[test]
    fn only_authorized_payments_capture() {
        let mut p = captured(1000);
        assert_eq!(
            p.capture(),
            Err(DomainError::NotCapturable(Status::Captured))
        );
    }

    #[test]
    fn authorization_over_the_method_limit_fails() {
        let over = Method::Wallet.authorization_limit() + 1;
        let req = AuthorizeRequest::new(Uuid::nil(), over, "USD".into(), Method::Wallet).unwrap();
        assert_eq!(req.decide(), Decision::Failed("limit_exceeded"));
        let ok = AuthorizeRequest::new(Uuid::nil(), 100, "USD".into(), Method::Wallet).unwrap();
        assert_eq!(ok.decide(), Decision::Authorized);
    }

    #[test]
    fn invalid_authorize_input_is_rejected() {
        assert!(AuthorizeRequest::new(Uuid::nil(), 0, "USD".into(), Method::Card).is_err());
        assert!(AuthorizeRequest::new(Uuid::nil(), 10, "usd".into(), Method::Card).is_err());
        for amount in [MAX_AMOUNT + 1, i64::MAX] {
            let req = AuthorizeRequest::new(Uuid::nil(), amount, "USD".into(), Method::Card);
            assert_eq!(req, Err(DomainError::AmountTooLarge(amount)));
            let refund = RefundRequest::new(Uuid::nil(), amount);
            assert_eq!(refund, Err(DomainError::AmountTooLarge(amount)));
        }
        assert!(AuthorizeRequest::new(Uuid::nil(), MAX_AMOUNT, "USD".into(), Method::Card).is_ok());
    }
}
