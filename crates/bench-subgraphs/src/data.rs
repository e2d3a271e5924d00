//! The fixture's static data, parsed once at start-up into the shapes the resolvers
//! read, so serving a request never touches JSON text or rebuilds an index.

use serde::Deserialize;
use std::collections::HashMap;

/// The benchmark's data file, embedded (MIT, see `data/LICENSE`).
pub const FIXTURE_JSON: &str = include_str!("../data/data.json");

/// Why the data could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    #[error("the fixture data is not valid JSON of the expected shape: {0}")]
    Parse(#[from] serde_json::Error),
    #[error("review {review} names product {upc}, which the products table lacks")]
    UnknownProduct { review: String, upc: String },
}

#[derive(Debug, Clone, Deserialize)]
pub struct UserRow {
    pub id: String,
    pub name: String,
    pub username: String,
    pub birthday: i32,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ProductRow {
    pub upc: String,
    pub name: String,
    pub price: i32,
    pub weight: i32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StockRow {
    pub upc: String,
    pub in_stock: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReviewRow {
    pub id: String,
    pub body: String,
    pub product_upc: String,
}

/// Every table of the four subgraphs, in table order.
#[derive(Debug, Clone)]
pub struct Fixture {
    pub users: Vec<UserRow>,
    pub products: Vec<ProductRow>,
    pub stock: Vec<StockRow>,
    pub reviews: Vec<ReviewRow>,
}

#[derive(Deserialize)]
struct Raw {
    accounts: UsersTable,
    products: ProductsTable,
    inventory: StockTable,
    reviews: ReviewsTable,
}

#[derive(Deserialize)]
struct UsersTable {
    users: Vec<UserRow>,
}

#[derive(Deserialize)]
struct ProductsTable {
    products: Vec<ProductRow>,
}

#[derive(Deserialize)]
struct StockTable {
    products: Vec<StockRow>,
}

#[derive(Deserialize)]
struct ReviewsTable {
    reviews: Vec<ReviewRow>,
}

impl Fixture {
    /// The embedded benchmark data.
    pub fn embedded() -> Result<Self, DataError> {
        Self::from_json(FIXTURE_JSON)
    }

    /// Parses data in the fixture's `data.json` layout and checks its references.
    pub fn from_json(text: &str) -> Result<Self, DataError> {
        let raw: Raw = serde_json::from_str(text)?;
        let fixture = Fixture {
            users: raw.accounts.users,
            products: raw.products.products,
            stock: raw.inventory.products,
            reviews: raw.reviews.reviews,
        };
        let upcs: HashMap<&str, ()> = fixture
            .products
            .iter()
            .map(|p| (p.upc.as_str(), ()))
            .collect();
        if let Some(bad) = fixture
            .reviews
            .iter()
            .find(|r| !upcs.contains_key(r.product_upc.as_str()))
        {
            return Err(DataError::UnknownProduct {
                review: bad.id.clone(),
                upc: bad.product_upc.clone(),
            });
        }
        Ok(fixture)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_fixture_has_the_published_table_sizes() {
        let f = Fixture::embedded().unwrap();
        assert_eq!(
            (
                f.users.len(),
                f.products.len(),
                f.stock.len(),
                f.reviews.len()
            ),
            (6, 9, 9, 11)
        );
    }

    #[test]
    fn review_of_an_unknown_product_is_rejected() {
        let text = FIXTURE_JSON.replace("\"productUpc\": \"3\"", "\"productUpc\": \"nope\"");
        assert!(matches!(
            Fixture::from_json(&text),
            Err(DataError::UnknownProduct { .. })
        ));
    }
}
