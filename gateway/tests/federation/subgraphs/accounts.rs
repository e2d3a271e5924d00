//! `accounts`: owns User (with an @inaccessible field) and a mutation.

use async_graphql::{Context, EmptySubscription, Interface, Object, Schema, SimpleObject, ID};

use super::Log;

#[derive(SimpleObject, Clone)]
pub struct User {
    pub id: ID,
    #[graphql(shareable)]
    pub name: String,
    pub username: String,
    #[graphql(inaccessible)]
    pub secret: String,
    /// Stale: overridden by the reviews subgraph.
    pub review_count: i32,
}

fn user(id: &str) -> Option<User> {
    let (name, username) = match id {
        "1" => ("Ada", "ada"),
        "2" => ("Alan", "alan"),
        _ => return None,
    };
    Some(User {
        id: ID(id.into()),
        name: name.into(),
        username: username.into(),
        secret: "hunter2".into(),
        review_count: -1,
    })
}

/// An entity interface; the reviews subgraph extends it as an @interfaceObject.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "&ID"))]
pub enum Account {
    User(User),
}

pub struct Query;

#[Object]
impl Query {
    async fn me(&self) -> Option<User> {
        user("1")
    }

    async fn users(&self) -> Vec<User> {
        ["1", "2"].into_iter().filter_map(user).collect()
    }

    async fn accounts(&self) -> Vec<Account> {
        ["1", "2"]
            .into_iter()
            .filter_map(user)
            .map(Account::User)
            .collect()
    }

    #[graphql(entity)]
    async fn find_account_by_id(&self, #[graphql(key)] id: ID) -> Option<Account> {
        user(&id).map(Account::User)
    }

    #[graphql(entity)]
    async fn find_user_by_id(&self, #[graphql(key)] id: ID) -> Option<User> {
        user(&id)
    }
}

pub struct Mutation;

#[Object]
impl Mutation {
    async fn create_user(&self, ctx: &Context<'_>, name: String) -> User {
        ctx.data_unchecked::<Log>()
            .push(format!("accounts.createUser({name})"));
        User {
            id: ID(format!("new-{name}")),
            name: name.clone(),
            username: name.to_lowercase(),
            secret: String::new(),
            review_count: 0,
        }
    }
}

pub fn schema(log: Log) -> Schema<Query, Mutation, EmptySubscription> {
    Schema::build(Query, Mutation, EmptySubscription)
        .enable_federation()
        .data(log)
        .finish()
}
