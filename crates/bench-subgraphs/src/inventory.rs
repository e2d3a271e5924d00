//! inventory: extends `Product @key(upc)` with `inStock` and
//! `shippingEstimate @requires(fields: "price weight")`.
//!
//! As in the published benchmark, the entity lookup takes only the key: the estimate is
//! computed from the inventory row's own price and weight, which the fixture's inventory
//! table does not have, so it is null for every product. `expected-response.json` (what
//! Apollo Gateway, Hive Gateway and Grafbase all return) depends on exactly that.

use crate::data::StockRow;
use async_graphql::{EmptyMutation, EmptySubscription, Object, Schema};
use std::collections::HashMap;

pub struct Product {
    upc: String,
    in_stock: Option<bool>,
    price: Option<i32>,
    weight: Option<i32>,
}

#[Object]
impl Product {
    async fn upc(&self) -> &str {
        &self.upc
    }

    #[graphql(external)]
    async fn price(&self) -> Option<i32> {
        self.price
    }

    #[graphql(external)]
    async fn weight(&self) -> Option<i32> {
        self.weight
    }

    async fn in_stock(&self) -> Option<bool> {
        self.in_stock
    }

    /// 0 when price > 1000, else weight / 2; null when price (or weight) is unknown.
    #[graphql(requires = "price weight")]
    async fn shipping_estimate(&self) -> Option<i32> {
        shipping_estimate(self.price, self.weight)
    }
}

fn shipping_estimate(price: Option<i32>, weight: Option<i32>) -> Option<i32> {
    match price? {
        p if p > 1000 => Some(0),
        _ => weight.map(|w| w / 2),
    }
}

pub struct Query {
    by_upc: HashMap<String, Product>,
}

#[Object]
impl Query {
    #[graphql(entity)]
    async fn find_product_by_upc(&self, upc: String) -> Option<&Product> {
        self.by_upc.get(&upc)
    }
}

pub type InventorySchema = Schema<Query, EmptyMutation, EmptySubscription>;

pub fn schema(rows: &[StockRow]) -> InventorySchema {
    let by_upc = rows
        .iter()
        .map(|r| {
            let product = Product {
                upc: r.upc.clone(),
                in_stock: Some(r.in_stock),
                price: None,
                weight: None,
            };
            (r.upc.clone(), product)
        })
        .collect();
    Schema::build(Query { by_upc }, EmptyMutation, EmptySubscription)
        .enable_federation()
        .finish()
}

#[cfg(test)]
mod tests {
    use super::shipping_estimate;

    #[test]
    fn expensive_products_ship_free() {
        assert_eq!(shipping_estimate(Some(1001), Some(500)), Some(0));
    }

    #[test]
    fn cheaper_products_cost_half_their_weight_rounded_down() {
        assert_eq!(shipping_estimate(Some(1000), Some(101)), Some(50));
    }

    #[test]
    fn unknown_price_gives_no_estimate() {
        assert_eq!(shipping_estimate(None, Some(100)), None);
    }
}
