//! Money: integer minor units (64-bit) plus an ISO 4217 currency code. Never floats.

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, SimpleObject, Value};
use serde::{Deserialize, Serialize};

/// A 64-bit integer. GraphQL `Int` is 32-bit, so it travels as a decimal string; integer
/// literals are accepted on input too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Int64(pub i64);

#[Scalar(name = "Int64")]
impl ScalarType for Int64 {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => s
                .parse::<i64>()
                .map(Int64)
                .map_err(|_| InputValueError::custom(format!("{s:?} is not a 64-bit integer"))),
            Value::Number(n) => n
                .as_i64()
                .map(Int64)
                .ok_or_else(|| InputValueError::custom(format!("{n} is not a 64-bit integer"))),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.to_string())
    }
}

/// An amount of money in minor units (cents for USD) of `currency`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, SimpleObject)]
#[graphql(shareable)]
pub struct Money {
    /// Amount in the currency's minor units (e.g. cents).
    pub amount: Int64,
    /// ISO 4217 currency code, e.g. "USD".
    pub currency: String,
}

impl Money {
    pub fn new(amount: i64, currency: impl Into<String>) -> Self {
        Money {
            amount: Int64(amount),
            currency: currency.into(),
        }
    }

    pub fn minor(&self) -> i64 {
        self.amount.0
    }
}

/// Whether `code` looks like an ISO 4217 code: three ASCII upper-case letters.
pub fn is_currency_code(code: &str) -> bool {
    code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase())
}
