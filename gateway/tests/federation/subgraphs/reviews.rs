//! `reviews`: owns Review; extends User (provided name, overridden
//! reviewCount) and Product; a union mixing its own and foreign types.

use async_graphql::{
    ComplexObject, EmptyMutation, EmptySubscription, Error, Object, Schema, SimpleObject, Union, ID,
};

#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct Review {
    pub id: ID,
    pub body: String,
    #[graphql(provides = "name")]
    pub author: User,
    pub product: Option<Product>,
}

#[ComplexObject]
impl Review {
    /// Answers after two seconds, to exercise subgraph timeouts.
    async fn slow(&self) -> String {
        tokio::time::sleep(std::time::Duration::from_secs(2)).await;
        "late".into()
    }

    /// Fails for review r2, to exercise subgraph error re-pathing.
    async fn flaky(&self) -> Result<Option<String>, Error> {
        if self.id.0 == "r2" {
            Err(Error::new("flaky resolver failed"))
        } else {
            Ok(Some("fine".into()))
        }
    }
}

#[derive(Clone)]
pub struct User {
    id: ID,
}

#[Object]
impl User {
    async fn id(&self) -> &ID {
        &self.id
    }

    #[graphql(external)]
    async fn name(&self) -> String {
        match self.id.0.as_str() {
            "1" => "Ada",
            "2" => "Alan",
            _ => "Nobody",
        }
        .into()
    }

    #[graphql(override_from = "accounts")]
    async fn review_count(&self) -> i32 {
        reviews().iter().filter(|r| r.author.id == self.id).count() as i32
    }

    async fn reviews(&self) -> Vec<Review> {
        reviews()
            .into_iter()
            .filter(|r| r.author.id == self.id)
            .collect()
    }
}

#[derive(Clone)]
pub struct Product {
    upc: String,
}

#[Object]
impl Product {
    async fn upc(&self) -> &str {
        &self.upc
    }

    async fn reviews(&self) -> Vec<Review> {
        reviews()
            .into_iter()
            .filter(|r| r.product.as_ref().is_some_and(|p| p.upc == self.upc))
            .collect()
    }
}

/// The accounts' `Account` interface, seen here as one object type.
#[derive(SimpleObject)]
#[graphql(interface_object)]
pub struct Account {
    id: ID,
    review_total: i32,
}

#[derive(Union)]
pub enum Content {
    Review(Review),
    User(User),
}

fn reviews() -> Vec<Review> {
    [
        ("r1", "1", "1", "Love it"),
        ("r2", "2", "1", "Too expensive"),
        ("r3", "1", "404", "Ghost product"),
        ("r4", "404", "2", "Anonymous"),
    ]
    .into_iter()
    .map(|(id, author, upc, body)| Review {
        id: ID(id.into()),
        body: body.into(),
        author: User {
            id: ID(author.into()),
        },
        product: Some(Product { upc: upc.into() }),
    })
    .collect()
}

pub struct Query;

#[Object]
impl Query {
    async fn review(&self, id: ID) -> Option<Review> {
        reviews().into_iter().find(|r| r.id == id)
    }

    /// Served from the @interfaceObject side: the gateway must ask the
    /// interface's owner for each account's concrete type.
    async fn top_accounts(&self) -> Vec<Account> {
        ["2", "1"]
            .into_iter()
            .map(|id| {
                let review_total = reviews().iter().filter(|r| r.author.id.0 == id).count() as i32;
                Account {
                    id: ID(id.into()),
                    review_total,
                }
            })
            .collect()
    }

    async fn feed(&self) -> Vec<Content> {
        let all = reviews();
        vec![
            Content::Review(all[0].clone()),
            Content::User(User { id: ID("2".into()) }),
        ]
    }

    #[graphql(entity)]
    async fn find_account(&self, #[graphql(key)] id: ID) -> Account {
        let review_total = reviews().iter().filter(|r| r.author.id == id).count() as i32;
        Account { id, review_total }
    }

    #[graphql(entity)]
    async fn find_user(&self, #[graphql(key)] id: ID) -> User {
        User { id }
    }

    #[graphql(entity)]
    async fn find_product(&self, #[graphql(key)] upc: String) -> Product {
        Product { upc }
    }
}

pub fn schema() -> Schema<Query, EmptyMutation, EmptySubscription> {
    Schema::build(Query, EmptyMutation, EmptySubscription)
        .enable_federation()
        .finish()
}
