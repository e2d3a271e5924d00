//! reviews: `Review @key(id)`; extends `User @key(id)` and `Product @key(upc)` with `reviews`.
//!
//! The fixture's quirks, kept because `expected-response.json` depends on them: every
//! review's author is user 1 ("urigo", served through `@provides(fields: "username")`),
//! every user's `reviews` are the first two reviews, and a `User` entity lookup answers
//! username "user".

use crate::data::ReviewRow;
use async_graphql::{
    Context, EmptyMutation, EmptySubscription, Object, Result, Schema, SimpleObject, ID,
};
use std::collections::HashMap;
use std::sync::Arc;

/// How many reviews every user has.
const REVIEWS_PER_USER: usize = 2;

pub struct Tables {
    reviews: Vec<Review>,
    by_id: HashMap<String, usize>,
    by_product: HashMap<String, Vec<usize>>,
    author: User,
}

impl Tables {
    fn from<'ctx>(ctx: &Context<'ctx>) -> Result<&'ctx Arc<Tables>> {
        ctx.data::<Arc<Tables>>()
    }
}

pub struct Review {
    id: ID,
    body: Option<String>,
    product_upc: String,
}

#[Object]
impl Review {
    async fn id(&self) -> &ID {
        &self.id
    }

    async fn body(&self) -> Option<&str> {
        self.body.as_deref()
    }

    async fn product(&self) -> Option<Product> {
        Some(Product {
            upc: self.product_upc.clone(),
        })
    }

    #[graphql(provides = "username")]
    async fn author<'ctx>(&self, ctx: &Context<'ctx>) -> Result<Option<&'ctx User>> {
        Ok(Some(&Tables::from(ctx)?.author))
    }
}

#[derive(SimpleObject)]
#[graphql(complex)]
pub struct User {
    id: ID,
    #[graphql(external)]
    username: Option<String>,
}

#[async_graphql::ComplexObject]
impl User {
    async fn reviews<'ctx>(
        &self,
        ctx: &Context<'ctx>,
    ) -> Result<Option<Vec<Option<&'ctx Review>>>> {
        let tables = Tables::from(ctx)?;
        Ok(Some(
            tables
                .reviews
                .iter()
                .take(REVIEWS_PER_USER)
                .map(Some)
                .collect(),
        ))
    }
}

pub struct Product {
    upc: String,
}

#[Object]
impl Product {
    async fn upc(&self) -> &str {
        &self.upc
    }

    async fn reviews<'ctx>(
        &self,
        ctx: &Context<'ctx>,
    ) -> Result<Option<Vec<Option<&'ctx Review>>>> {
        let tables = Tables::from(ctx)?;
        let indexes = tables.by_product.get(&self.upc).map(Vec::as_slice);
        Ok(Some(
            indexes
                .unwrap_or_default()
                .iter()
                .map(|&i| Some(&tables.reviews[i]))
                .collect(),
        ))
    }
}

pub struct Query {
    tables: Arc<Tables>,
}

#[Object]
impl Query {
    #[graphql(entity)]
    async fn find_review_by_id(&self, id: ID) -> Option<&Review> {
        let tables = &*self.tables;
        tables.by_id.get(id.as_str()).map(|&i| &tables.reviews[i])
    }

    #[graphql(entity)]
    async fn find_user_by_id(&self, id: ID) -> User {
        User {
            id,
            username: Some("user".to_owned()),
        }
    }

    #[graphql(entity)]
    async fn find_product_by_upc(&self, upc: String) -> Product {
        Product { upc }
    }
}

pub type ReviewsSchema = Schema<Query, EmptyMutation, EmptySubscription>;

pub fn schema(rows: &[ReviewRow]) -> ReviewsSchema {
    let mut by_product: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, r) in rows.iter().enumerate() {
        by_product.entry(r.product_upc.clone()).or_default().push(i);
    }
    let tables = Arc::new(Tables {
        reviews: rows
            .iter()
            .map(|r| Review {
                id: ID(r.id.clone()),
                body: Some(r.body.clone()),
                product_upc: r.product_upc.clone(),
            })
            .collect(),
        by_id: rows
            .iter()
            .enumerate()
            .map(|(i, r)| (r.id.clone(), i))
            .collect(),
        by_product,
        author: User {
            id: ID("1".to_owned()),
            username: Some("urigo".to_owned()),
        },
    });
    Schema::build(
        Query {
            tables: Arc::clone(&tables),
        },
        EmptyMutation,
        EmptySubscription,
    )
    .data(tables)
    .enable_federation()
    .finish()
}
