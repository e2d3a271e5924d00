//! Cursor pagination helpers. Cursors are opaque to clients: the keyset value, hex-encoded.

use crate::AppError;
use async_graphql::SimpleObject;

/// The largest page a client may request.
pub const MAX_PAGE_SIZE: i32 = 100;
/// The page size when the client does not say.
pub const DEFAULT_PAGE_SIZE: i32 = 20;

/// Where a page ends, Relay style.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(shareable)]
pub struct PageInfo {
    pub has_next_page: bool,
    pub end_cursor: Option<String>,
}

/// Validate a requested page size.
pub fn page_size(first: Option<i32>) -> Result<i64, AppError> {
    match first {
        None => Ok(DEFAULT_PAGE_SIZE as i64),
        Some(n) if (1..=MAX_PAGE_SIZE).contains(&n) => Ok(n as i64),
        Some(n) => Err(AppError::bad_input(format!(
            "first must be between 1 and {MAX_PAGE_SIZE}, got {n}"
        ))),
    }
}

/// Encode a keyset position as an opaque cursor.
pub fn encode_cursor(position: &str) -> String {
    hex::encode(position.as_bytes())
}

/// Decode a cursor made by [`encode_cursor`].
pub fn decode_cursor(cursor: &str) -> Result<String, AppError> {
    hex::decode(cursor)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(|| AppError::bad_input("invalid cursor"))
}
