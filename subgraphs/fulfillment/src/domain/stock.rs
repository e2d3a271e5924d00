use super::{required_text, DomainError};
use serde::Serialize;

/// A SKU as the catalog writes them: letters, digits, `-` and `_`.
pub fn validate_sku(sku: &str) -> Result<String, DomainError> {
    let sku = required_text("sku", sku)?;
    if !sku
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(DomainError::Invalid(format!(
            "sku {sku:?} has invalid characters"
        )));
    }
    Ok(sku)
}

/// A validated `adjustStock` request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StockAdjustment {
    pub sku: String,
    pub delta: i32,
}

impl StockAdjustment {
    pub fn new(sku: &str, delta: i32) -> Result<Self, DomainError> {
        let sku = validate_sku(sku)?;
        if delta == 0 {
            return Err(DomainError::Invalid("delta must not be zero".into()));
        }
        Ok(StockAdjustment { sku, delta })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skus_are_trimmed_and_checked() {
        assert_eq!(validate_sku(" SKU-0001 ").unwrap(), "SKU-0001");
        assert!(validate_sku("").is_err());
        assert!(validate_sku("SKU 1").is_err());
        assert!(validate_sku(&"A".repeat(65)).is_err());
    }

    #[test]
    fn a_zero_adjustment_is_rejected() {
        assert!(StockAdjustment::new("SKU-0001", 0).is_err());
        assert!(StockAdjustment::new("SKU-0001", -3).is_ok());
    }
}
