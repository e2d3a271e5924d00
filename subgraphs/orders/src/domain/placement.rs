//! Validating a `placeOrder` request and pricing it from the catalog.

use std::collections::HashMap;
use subgraph_kit::money::is_currency_code;
use subgraph_kit::AppError;
use uuid::Uuid;

/// Most distinct products on one order.
pub const MAX_LINES: usize = 100;
/// Most units of one product on one order line.
pub const MAX_QUANTITY: i32 = 10_000;

/// A syntactically valid order request. Repeated SKUs are merged (first position kept), so
/// it is also the canonical form fingerprinted for idempotency.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct OrderRequest {
    pub customer_id: Uuid,
    pub currency: String,
    pub lines: Vec<(String, i32)>,
}

impl OrderRequest {
    pub fn parse(
        customer_id: &str,
        currency: &str,
        lines: &[(String, i32)],
    ) -> Result<OrderRequest, AppError> {
        let customer_id = Uuid::parse_str(customer_id)
            .map_err(|_| AppError::bad_input(format!("{customer_id:?} is not a valid id")))?;
        if !is_currency_code(currency) {
            return Err(AppError::bad_input(format!(
                "{currency:?} is not an ISO 4217 currency code"
            )));
        }
        if lines.is_empty() {
            return Err(AppError::bad_input("an order needs at least one line"));
        }
        let mut merged: Vec<(String, i32)> = Vec::with_capacity(lines.len());
        for (sku, quantity) in lines {
            let sku = sku.trim();
            if sku.is_empty() {
                return Err(AppError::bad_input("sku must not be blank"));
            }
            if !(1..=MAX_QUANTITY).contains(quantity) {
                return Err(AppError::bad_input(format!(
                    "quantity of {sku} must be between 1 and {MAX_QUANTITY}, got {quantity}"
                )));
            }
            match merged.iter_mut().find(|(s, _)| s == sku) {
                Some((_, q)) if *q + quantity > MAX_QUANTITY => {
                    return Err(AppError::bad_input(format!(
                        "quantity of {sku} must be at most {MAX_QUANTITY}"
                    )));
                }
                Some((_, q)) => *q += quantity,
                None => merged.push((sku.to_string(), *quantity)),
            }
        }
        if merged.len() > MAX_LINES {
            return Err(AppError::bad_input(format!(
                "an order has at most {MAX_LINES} lines"
            )));
        }
        Ok(OrderRequest {
            customer_id,
            currency: currency.to_string(),
            lines: merged,
        })
    }

    pub fn skus(&self) -> Vec<String> {
        self.lines.iter().map(|(s, _)| s.clone()).collect()
    }
}

/// What the catalog says about one product.
#[derive(Debug, Clone)]
pub struct CatalogEntry {
    pub price: i64,
    pub currency: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PricedLine {
    pub sku: String,
    pub quantity: i32,
    pub unit_price: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PricedOrder {
    pub lines: Vec<PricedLine>,
    pub total: i64,
}

/// Price every line from `catalog` (keyed by SKU). Unknown SKUs, products priced in another
/// currency and totals that overflow are the client's error.
pub fn price_order(
    request: &OrderRequest,
    catalog: &HashMap<String, CatalogEntry>,
) -> Result<PricedOrder, AppError> {
    let mut total: i64 = 0;
    let mut lines = Vec::with_capacity(request.lines.len());
    for (sku, quantity) in &request.lines {
        let entry = catalog
            .get(sku)
            .ok_or_else(|| AppError::bad_input(format!("unknown sku {sku:?}")))?;
        if entry.currency != request.currency {
            return Err(AppError::bad_input(format!(
                "{sku} is priced in {}, not {}",
                entry.currency, request.currency
            )));
        }
        total = entry
            .price
            .checked_mul(i64::from(*quantity))
            .and_then(|line| total.checked_add(line))
            .ok_or_else(|| AppError::bad_input("order total is too large"))?;
        lines.push(PricedLine {
            sku: sku.clone(),
            quantity: *quantity,
            unit_price: entry.price,
        });
    }
    Ok(PricedOrder { lines, total })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(items: &[(&str, i32)]) -> Vec<(String, i32)> {
        items.iter().map(|(s, q)| (s.to_string(), *q)).collect()
    }

    fn request(items: &[(&str, i32)]) -> OrderRequest {
        OrderRequest::parse(&Uuid::new_v4().to_string(), "USD", &lines(items)).unwrap()
    }

    fn catalog() -> HashMap<String, CatalogEntry> {
        let mut c = HashMap::new();
        for (sku, price, cur) in [("A", 250, "USD"), ("B", 1_000, "USD"), ("E", 99, "EUR")] {
            c.insert(
                sku.into(),
                CatalogEntry {
                    price,
                    currency: cur.into(),
                },
            );
        }
        c
    }

    #[test]
    fn invalid_requests_are_rejected() {
        let id = Uuid::new_v4().to_string();
        assert!(OrderRequest::parse("nope", "USD", &lines(&[("A", 1)])).is_err());
        assert!(OrderRequest::parse(&id, "usd", &lines(&[("A", 1)])).is_err());
        assert!(OrderRequest::parse(&id, "USD", &[]).is_err());
        assert!(OrderRequest::parse(&id, "USD", &lines(&[("A", 0)])).is_err());
        assert!(OrderRequest::parse(&id, "USD", &lines(&[("A", -2)])).is_err());
        assert!(OrderRequest::parse(&id, "USD", &lines(&[(" ", 1)])).is_err());
        assert!(OrderRequest::parse(&id, "USD", &lines(&[("A", MAX_QUANTITY + 1)])).is_err());
    }

    #[test]
    fn repeated_skus_are_merged_in_first_position() {
        let r = request(&[("B", 1), ("A", 2), ("B", 3)]);
        assert_eq!(r.lines, lines(&[("B", 4), ("A", 2)]));
    }

    #[test]
    fn lines_are_priced_from_the_catalog() {
        let priced = price_order(&request(&[("A", 3), ("B", 2)]), &catalog()).unwrap();
        assert_eq!(priced.total, 3 * 250 + 2 * 1_000);
        assert_eq!(priced.lines[0].unit_price, 250);
    }

    #[test]
    fn unknown_sku_and_foreign_currency_are_rejected() {
        assert!(price_order(&request(&[("A", 1), ("Z", 1)]), &catalog()).is_err());
        assert!(price_order(&request(&[("E", 1)]), &catalog()).is_err());
    }

    #[test]
    fn overflowing_total_is_rejected() {
        let mut c = catalog();
        c.insert(
            "X".into(),
            CatalogEntry {
                price: i64::MAX / 2,
                currency: "USD".into(),
            },
        );
        assert!(price_order(&request(&[("X", 3)]), &c).is_err());
    }
}
