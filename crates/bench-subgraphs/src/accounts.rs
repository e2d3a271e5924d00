//! accounts: `User @key(id)` with id, name, username, birthday; `me`, `user(id)`, `users`.
//! Nullability mirrors the fixture supergraph (nullable lists of nullable items).

use crate::data::UserRow;
use async_graphql::{EmptyMutation, EmptySubscription, Object, Schema, SimpleObject, ID};
use std::collections::HashMap;

#[derive(SimpleObject)]
pub struct User {
    id: ID,
    name: Option<String>,
    username: Option<String>,
    birthday: Option<i32>,
}

pub struct Query {
    users: Vec<User>,
    by_id: HashMap<String, usize>,
}

#[Object]
impl Query {
    /// The signed-in user: always user 1 in the fixture.
    async fn me(&self) -> Option<&User> {
        self.users.first()
    }

    async fn user(&self, id: ID) -> Option<&User> {
        self.by_id.get(id.as_str()).map(|&i| &self.users[i])
    }

    async fn users(&self) -> Option<Vec<Option<&User>>> {
        Some(self.users.iter().map(Some).collect())
    }

    #[graphql(entity)]
    async fn find_user_by_id(&self, id: ID) -> Option<&User> {
        self.by_id.get(id.as_str()).map(|&i| &self.users[i])
    }
}

pub type AccountsSchema = Schema<Query, EmptyMutation, EmptySubscription>;

pub fn schema(rows: &[UserRow]) -> AccountsSchema {
    let users: Vec<User> = rows
        .iter()
        .map(|u| User {
            id: ID(u.id.clone()),
            name: Some(u.name.clone()),
            username: Some(u.username.clone()),
            birthday: Some(u.birthday),
        })
        .collect();
    let by_id = rows
        .iter()
        .enumerate()
        .map(|(i, u)| (u.id.clone(), i))
        .collect();
    Schema::build(Query { users, by_id }, EmptyMutation, EmptySubscription)
        .enable_federation()
        .finish()
}
