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

/// Largest change one `adjustStock` may make, either way: a real correction is far smaller,
/// and the bound keeps stock arithmetic far from `Int` overflow.
pub const MAX_STOCK_DELTA: i32 = 1_000_000;
/// Most units of one SKU on hand (what `adjustStock` may raise stock to).
pub const MAX_STOCK: i32 = 1_000_000_000;

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
        if !(-MAX_STOCK_DELTA..=MAX_STOCK_DELTA).contains(&delta) {
            return Err(DomainError::Invalid(format!(
                "delta must be between -{MAX_STOCK_DELTA} and {MAX_STOCK_DELTA}"
            )));
        }
        Ok(StockAdjustment { sku, delta })
    }

    /// The stock after this adjustment of `current` units: never below zero
    /// (`InsufficientStock`), never above [`MAX_STOCK`]. Summed in 64 bits, so no delta
    /// overflows.
    pub fn apply(&self, current: i32) -> Result<i32, StockError> {
        let next = i64::from(current) + i64::from(self.delta);
        if next < 0 {
            return Err(StockError::BelowZero);
        }
        i32::try_from(next)
            .ok()
            .filter(|n| *n <= MAX_STOCK)
            .ok_or(StockError::AboveMax)
    }
}

/// Why an adjustment cannot apply to the stock on hand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StockError {
    BelowZero,
    AboveMax,
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

    #[test]
    fn stock_stays_between_zero_and_the_ceiling() {
        let add = |d| StockAdjustment::new("SKU-0001", d).unwrap();
        assert_eq!(add(-3).apply(5), Ok(2));
        assert_eq!(add(-3).apply(3), Ok(0));
        assert_eq!(add(-3).apply(2), Err(StockError::BelowZero));
        assert_eq!(
            add(MAX_STOCK_DELTA).apply(MAX_STOCK),
            Err(StockError::AboveMax)
        );
        assert_eq!(
            add(MAX_STOCK_DELTA).apply(i32::MAX),
            Err(StockError::AboveMax)
        );
        assert_eq!(
            add(-MAX_STOCK_DELTA).apply(i32::MIN),
            Err(StockError::BelowZero)
        );
    }

    #[test]
    fn adjustments_beyond_the_bound_are_rejected() {
        for delta in [
            i32::MAX,
            i32::MIN,
            MAX_STOCK_DELTA + 1,
            -MAX_STOCK_DELTA - 1,
        ] {
            assert!(StockAdjustment::new("SKU-0001", delta).is_err(), "{delta}");
        }
        assert!(StockAdjustment::new("SKU-0001", MAX_STOCK_DELTA).is_ok());
    }
}
