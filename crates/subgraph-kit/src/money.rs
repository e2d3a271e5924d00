//! Money: integer minor units (64-bit) plus an ISO 4217 currency code. Never floats.

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, SimpleObject, Value};
use serde::{Deserialize, Serialize};

/// A 64-bit integer. GraphQL `Int` is 32-bit, so it travels as a decimal string; integer
/// literals are accepted on input too.
///
/// Input is strict, because a money amount read loosely is a different amount: a string must
/// be the canonical decimal form (`-?(0|[1-9][0-9]*)`, so no `"+100"`, `"0100"`, `"-0"`,
/// blanks or exponents), a number must be an integer, and either must fit in 64 bits.
/// Anything else (`true`, `[]`, `1.5`, `"9223372036854775808"`) is `BAD_USER_INPUT`, found
/// already when the operation is validated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Int64(pub i64);

impl Int64 {
    /// The value `value` denotes, or why it is not a 64-bit integer.
    pub fn from_value(value: &Value) -> Result<Int64, String> {
        match value {
            Value::String(s) => parse_canonical(s)
                .map(Int64)
                .ok_or_else(|| format!("{s:?} is not a 64-bit integer in canonical decimal form")),
            Value::Number(n) => n
                .as_i64()
                .map(Int64)
                .ok_or_else(|| format!("{n} is not a 64-bit integer")),
            other => Err(format!(
                "expected a 64-bit integer (a decimal string or an integer), found {}",
                kind(other)
            )),
        }
    }
}

/// `s` as an `i64` when it is written the one canonical way.
fn parse_canonical(s: &str) -> Option<i64> {
    let digits = s.strip_prefix('-').unwrap_or(s);
    let canonical = !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (digits == "0" || !digits.starts_with('0'))
        && s != "-0";
    if !canonical {
        return None;
    }
    s.parse::<i64>().ok()
}

/// What kind of GraphQL value `v` is, for an error message (never the value itself).
fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Boolean(_) => "a boolean",
        Value::Binary(_) => "binary data",
        Value::Enum(_) => "an enum value",
        Value::List(_) => "a list",
        Value::Object(_) => "an object",
    }
}

#[Scalar(name = "Int64")]
impl ScalarType for Int64 {
    fn parse(value: Value) -> InputValueResult<Self> {
        Int64::from_value(&value).map_err(InputValueError::custom)
    }

    fn is_valid(value: &Value) -> bool {
        Int64::from_value(value).is_ok()
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

/// Largest amount one request may name, in minor units (10^15: ten trillion dollars in
/// cents). Far above any real payment, and far enough below `i64::MAX` (9.2 × 10^18) that
/// sums of thousands of bounded amounts cannot overflow.
pub const MAX_AMOUNT: i64 = 1_000_000_000_000_000;

/// Sum of `amounts`, or `None` when it does not fit in 64 bits (summed wide, so no
/// intermediate overflow either).
pub fn checked_sum(amounts: impl IntoIterator<Item = i64>) -> Option<i64> {
    let wide: i128 = amounts.into_iter().map(i128::from).sum();
    i64::try_from(wide).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql::Number;

    fn parse(v: Value) -> Result<i64, String> {
        Int64::from_value(&v).map(|i| i.0)
    }

    #[test]
    fn canonical_decimal_strings_and_integers_parse() {
        for (text, n) in [("0", 0), ("100", 100), ("-42", -42)] {
            assert_eq!(parse(Value::String(text.into())), Ok(n), "{text}");
        }
        let max = i64::MAX.to_string();
        assert_eq!(parse(Value::String(max)), Ok(i64::MAX));
        assert_eq!(parse(Value::String(i64::MIN.to_string())), Ok(i64::MIN));
        assert_eq!(parse(Value::Number(Number::from(7))), Ok(7));
    }

    #[test]
    fn loose_or_out_of_range_input_is_refused() {
        for text in [
            "0100",
            "+100",
            "-0",
            "00",
            "",
            "-",
            " 1",
            "1 ",
            "1e3",
            "1.0",
            "0x10",
            "9223372036854775808",
            "-9223372036854775809",
        ] {
            assert!(parse(Value::String(text.into())).is_err(), "{text:?}");
        }
        let not_integers = [
            Value::Boolean(true),
            Value::List(vec![]),
            Value::Null,
            Value::Number(Number::from(u64::MAX)),
            Value::Number(Number::from_f64(1.5).expect("finite")),
            Value::Object(Default::default()),
        ];
        for v in not_integers {
            assert!(parse(v.clone()).is_err(), "{v}");
            assert!(!<Int64 as ScalarType>::is_valid(&v), "{v}");
        }
    }

    #[test]
    fn sums_that_overflow_are_none() {
        assert_eq!(checked_sum([1, 2, 3]), Some(6));
        assert_eq!(checked_sum([i64::MAX, 1]), None);
        assert_eq!(checked_sum([i64::MAX, 1, -1]), Some(i64::MAX));
        assert_eq!(checked_sum([i64::MIN, -1]), None);
    }
}
