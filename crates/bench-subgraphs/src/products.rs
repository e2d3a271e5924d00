//! products: `Product @key(upc)` with upc, name, price, weight; `topProducts(first: Int = 5)`.

use crate::data::ProductRow;
use async_graphql::{EmptyMutation, EmptySubscription, Object, Schema, SimpleObject};
use std::collections::HashMap;

#[derive(SimpleObject)]
pub struct Product {
    upc: String,
    name: Option<String>,
    price: Option<i32>,
    weight: Option<i32>,
}

pub struct Query {
    products: Vec<Product>,
    by_upc: HashMap<String, usize>,
}

#[Object]
impl Query {
    /// The first `first` products in table order (a negative count gives none).
    async fn top_products(
        &self,
        #[graphql(default = 5)] first: Option<i32>,
    ) -> Option<Vec<Option<&Product>>> {
        let n = usize::try_from(first.unwrap_or(5)).unwrap_or(0);
        Some(self.products.iter().take(n).map(Some).collect())
    }

    #[graphql(entity)]
    async fn find_product_by_upc(&self, upc: String) -> Option<&Product> {
        self.by_upc.get(&upc).map(|&i| &self.products[i])
    }
}

pub type ProductsSchema = Schema<Query, EmptyMutation, EmptySubscription>;

pub fn schema(rows: &[ProductRow]) -> ProductsSchema {
    let products = rows
        .iter()
        .map(|p| Product {
            upc: p.upc.clone(),
            name: Some(p.name.clone()),
            price: Some(p.price),
            weight: Some(p.weight),
        })
        .collect();
    let by_upc = rows
        .iter()
        .enumerate()
        .map(|(i, p)| (p.upc.clone(), i))
        .collect();
    Schema::build(Query { products, by_upc }, EmptyMutation, EmptySubscription)
        .enable_federation()
        .finish()
}
