use super::{required_text, validate_sku, DomainError};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use uuid::Uuid;

/// Lifecycle of a shipment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Status {
    Pending,
    Shipped,
    Delivered,
    /// Its order was cancelled before the parcel reached the customer: never handed to the
    /// carrier, or recalled from it (the goods back in stock).
    Cancelled,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "PENDING",
            Status::Shipped => "SHIPPED",
            Status::Delivered => "DELIVERED",
            Status::Cancelled => "CANCELLED",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        [
            Status::Pending,
            Status::Shipped,
            Status::Delivered,
            Status::Cancelled,
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

/// One product line of a shipment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Line {
    pub sku: String,
    pub quantity: i32,
}

/// A shipment as stored and returned (also the stored result of an idempotent mutation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shipment {
    pub id: Uuid,
    pub order_id: Uuid,
    pub status: Status,
    pub carrier: String,
    pub tracking_number: Option<String>,
    pub created_at: DateTime<Utc>,
    /// The customer it goes to, the only one who may follow it; `None`: staff only.
    #[serde(default)]
    pub customer_id: Option<Uuid>,
    pub lines: Vec<Line>,
}

impl Shipment {
    /// Hand the parcel to the carrier.
    pub fn ship(&mut self, tracking_number: &str) -> Result<(), DomainError> {
        let tracking = required_text("trackingNumber", tracking_number)?;
        if self.status != Status::Pending {
            return Err(DomainError::WrongState {
                current: self.status,
                action: "mark it shipped",
            });
        }
        self.status = Status::Shipped;
        self.tracking_number = Some(tracking);
        Ok(())
    }

    /// Its order was cancelled before the parcel reached the customer: a PENDING shipment is
    /// never handed over, a SHIPPED one is recalled from the carrier. (A cancellation accepted
    /// by orders while the carrier took the parcel lands here after the fact; the parcel comes
    /// back rather than the order being both refunded and delivered.)
    pub fn cancel(&mut self) -> Result<(), DomainError> {
        if !matches!(self.status, Status::Pending | Status::Shipped) {
            return Err(DomainError::WrongState {
                current: self.status,
                action: "cancel it",
            });
        }
        self.status = Status::Cancelled;
        Ok(())
    }

    /// The carrier delivered the parcel.
    pub fn deliver(&mut self) -> Result<(), DomainError> {
        if self.status != Status::Shipped {
            return Err(DomainError::WrongState {
                current: self.status,
                action: "mark it delivered",
            });
        }
        self.status = Status::Delivered;
        Ok(())
    }
}

/// A validated `createShipment` request. Lines are sorted by SKU so stock rows are always
/// locked in the same order (no deadlock between concurrent shipments).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CreateShipment {
    pub order_id: Uuid,
    pub carrier: String,
    pub lines: Vec<Line>,
}

/// Most lines one shipment may have.
pub const MAX_LINES: usize = 100;

impl CreateShipment {
    pub fn new(order_id: Uuid, carrier: &str, lines: Vec<Line>) -> Result<Self, DomainError> {
        let carrier = required_text("carrier", carrier)?;
        if lines.is_empty() || lines.len() > MAX_LINES {
            return Err(DomainError::Invalid(format!(
                "a shipment needs 1 to {MAX_LINES} lines"
            )));
        }
        let mut seen = HashSet::new();
        let mut valid = Vec::with_capacity(lines.len());
        for line in lines {
            let sku = validate_sku(&line.sku)?;
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
        Ok(CreateShipment {
            order_id,
            carrier,
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

    #[test]
    fn lines_are_validated_and_sorted() {
        let ok =
            CreateShipment::new(Uuid::nil(), " DHL ", vec![line("B", 1), line("A", 2)]).unwrap();
        assert_eq!(ok.carrier, "DHL");
        assert_eq!(ok.lines[0].sku, "A");
        assert!(CreateShipment::new(Uuid::nil(), "DHL", vec![]).is_err());
        assert!(CreateShipment::new(Uuid::nil(), "DHL", vec![line("A", 0)]).is_err());
        assert!(CreateShipment::new(Uuid::nil(), "", vec![line("A", 1)]).is_err());
        assert!(CreateShipment::new(Uuid::nil(), "DHL", vec![line("A", 1), line("A", 1)]).is_err());
    }

    #[test]
    fn a_shipment_goes_pending_shipped_delivered_only() {
        let mut s = Shipment {
            id: Uuid::nil(),
            order_id: Uuid::nil(),
            status: Status::Pending,
            carrier: "DHL".into(),
            tracking_number: None,
            created_at: Utc::now(),
            customer_id: None,
            lines: vec![line("A", 1)],
        };
        assert!(s.deliver().is_err());
        assert!(s.ship(" ").is_err());
        s.ship("1Z999").unwrap();
        assert_eq!(s.tracking_number.as_deref(), Some("1Z999"));
        assert!(s.ship("1Z999").is_err());
        s.deliver().unwrap();
        assert_eq!(s.status, Status::Delivered);
    }
}
