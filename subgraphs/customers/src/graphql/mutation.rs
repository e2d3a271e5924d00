//! Mutation root: creating and updating customers.

use crate::db;
use crate::domain::{access, CustomerName, CustomerPatch, Email, NewCustomer};
use crate::graphql::query::parse_id;
use crate::graphql::types::Customer;
use async_graphql::{Context, InputObject, Object, Result, ID};
use sqlx::PgPool;
use subgraph_kit::auth::identity;
use subgraph_kit::idempotency::{self, Claim};
use subgraph_kit::sdl::authenticated;

#[derive(Debug, InputObject)]
pub struct CreateCustomerInput {
    pub email: String,
    pub name: String,
}

#[derive(Debug, InputObject)]
pub struct UpdateCustomerInput {
    pub email: Option<String>,
    pub name: Option<String>,
}

pub struct Mutation;

#[Object]
impl Mutation {
    /// Create a customer (staff with `customers:manage`). Retrying with the same `idempotencyKey` returns the first result.
    #[graphql(requires_scopes = "customers:manage")]
    async fn create_customer(
        &self,
        ctx: &Context<'_>,
        input: CreateCustomerInput,
        idempotency_key: String,
    ) -> Result<Customer> {
        access::create(identity(ctx))?;
        let new = NewCustomer {
            email: Email::parse(&input.email)?,
            name: CustomerName::parse(&input.name)?,
        };
        let pool = ctx.data::<PgPool>()?;
        let mut tx =
            match idempotency::claim(pool, "createCustomer", &idempotency_key, &new).await? {
                Claim::Replay(customer) => return Ok(customer),
                Claim::New(tx) => tx,
            };
        let customer = Customer::from(db::insert(&mut tx, &new).await?);
        idempotency::complete(tx, &idempotency_key, &customer).await?;
        Ok(customer)
    }

    /// Change a customer's email and/or name (one's own, or any with `customers:manage`).
    /// Another customer's email → CONFLICT.
    #[graphql(directive = authenticated::apply())]
    async fn update_customer(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateCustomerInput,
    ) -> Result<Customer> {
        let id = parse_id(&id)?;
        access::update(identity(ctx), id)?;
        let patch = CustomerPatch::parse(input.email.as_deref(), input.name.as_deref())?;
        let row = db::update(ctx.data::<PgPool>()?, id, &patch).await?;
        Ok(row.into())
    }
}
