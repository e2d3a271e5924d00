//! `inventory`: extends Product with stock data; `shippingEstimate`
//! @requires the price and the nested dimensions weight.

use async_graphql::{EmptyMutation, EmptySubscription, Enum, Json, Object, Schema, SimpleObject};
use serde::Deserialize;

#[derive(SimpleObject, Clone, Deserialize)]
#[graphql(shareable)]
pub struct Dimensions {
    pub size: String,
    pub weight: i32,
}

#[derive(Deserialize, serde::Serialize)]
pub struct RequiredDimensions {
    pub weight: i32,
}

/// A value clients cannot see must read as null, never leak.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum StockLevel {
    Plenty,
    Low,
    #[graphql(inaccessible)]
    Recalled,
}

pub struct Product {
    upc: String,
    price: Option<i32>,
    weight: Option<i32>,
}

#[Object]
impl Product {
    async fn upc(&self) -> &str {
        &self.upc
    }

    #[graphql(external)]
    async fn price(&self) -> i32 {
        self.price.unwrap_or_default()
    }

    #[graphql(external)]
    async fn dimensions(&self) -> Dimensions {
        Dimensions {
            size: String::new(),
            weight: self.weight.unwrap_or_default(),
        }
    }

    #[graphql(shareable)]
    async fn name(&self) -> String {
        match self.upc.as_str() {
            "1" => "Table",
            "2" => "Couch",
            "3" => "Chair",
            _ => "Lamp",
        }
        .into()
    }

    async fn in_stock(&self) -> Option<bool> {
        Some(self.upc != "3")
    }

    async fn stock_level(&self) -> Option<StockLevel> {
        Some(match self.upc.as_str() {
            "1" => StockLevel::Plenty,
            "2" => StockLevel::Recalled,
            _ => StockLevel::Low,
        })
    }

    /// Free shipping above 1000, else half the weight.
    #[graphql(requires = "price dimensions { weight }")]
    async fn shipping_estimate(&self) -> Option<i32> {
        let (price, weight) = (self.price?, self.weight?);
        Some(if price > 1000 { 0 } else { weight / 2 })
    }
}

pub struct Query;

#[Object]
impl Query {
    #[graphql(entity)]
    async fn find_product(
        &self,
        #[graphql(key)] upc: String,
        price: Option<i32>,
        dimensions: Option<Json<RequiredDimensions>>,
    ) -> Option<Product> {
        // Products the catalogue never had are unknown here too.
        ["1", "2", "3", "9"]
            .contains(&upc.as_str())
            .then(|| Product {
                upc,
                price,
                weight: dimensions.map(|d| d.0.weight),
            })
    }
}

pub fn schema() -> Schema<Query, EmptyMutation, EmptySubscription> {
    Schema::build(Query, EmptyMutation, EmptySubscription)
        .enable_federation()
        .finish()
}
