//! `products`: owns Product, with a nested value type and a mutation.

use async_graphql::{Context, EmptySubscription, Object, Schema, SimpleObject};

use super::Log;

#[derive(SimpleObject, Clone)]
#[graphql(shareable)]
pub struct Dimensions {
    pub size: String,
    pub weight: i32,
}

#[derive(SimpleObject, Clone)]
pub struct Product {
    pub upc: String,
    #[graphql(shareable)]
    pub name: String,
    pub price: i32,
    pub dimensions: Dimensions,
}

fn product(upc: &str) -> Option<Product> {
    let (name, price, size, weight) = match upc {
        "1" => ("Table", 899, "large", 100),
        "2" => ("Couch", 1299, "huge", 1000),
        "3" => ("Chair", 54, "small", 50),
        _ => return None,
    };
    Some(Product {
        upc: upc.into(),
        name: name.into(),
        price,
        dimensions: Dimensions {
            size: size.into(),
            weight,
        },
    })
}

pub struct Query;

#[Object]
impl Query {
    async fn top_products(&self, #[graphql(default = 5)] first: i32) -> Vec<Product> {
        ["1", "2", "3"]
            .into_iter()
            .filter_map(product)
            .take(first.max(0) as usize)
            .collect()
    }

    async fn product(&self, upc: String) -> Option<Product> {
        product(&upc)
    }

    #[graphql(entity)]
    async fn find_product_by_upc(&self, #[graphql(key)] upc: String) -> Option<Product> {
        product(&upc)
    }
}

pub struct Mutation;

#[Object]
impl Mutation {
    async fn add_product(&self, ctx: &Context<'_>, upc: String, name: String) -> Product {
        ctx.data_unchecked::<Log>()
            .push(format!("products.addProduct({upc})"));
        Product {
            upc,
            name,
            price: 1,
            dimensions: Dimensions {
                size: "tiny".into(),
                weight: 1,
            },
        }
    }
}

pub fn schema(log: Log) -> Schema<Query, Mutation, EmptySubscription> {
    Schema::build(Query, Mutation, EmptySubscription)
        .enable_federation()
        .data(log)
        .finish()
}
