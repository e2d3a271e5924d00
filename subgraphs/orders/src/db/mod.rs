//! SQL for the orders schema. Runtime-checked queries (no DATABASE_URL at build time).

pub mod customers;
pub mod orders;
pub mod products;

use chrono::{DateTime, SecondsFormat, Utc};
use subgraph_kit::pagination::{decode_cursor, encode_cursor};
use subgraph_kit::{AppError, AppResult};
use uuid::Uuid;

/// A place in the `(placed_at, id)` order, newest first, that a customer's orders walk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Position {
    pub placed_at: DateTime<Utc>,
    pub id: Uuid,
}

impl Position {
    pub fn to_cursor(&self) -> String {
        // Microseconds are PostgreSQL's precision, so the position round-trips exactly.
        let at = self.placed_at.to_rfc3339_opts(SecondsFormat::Micros, true);
        encode_cursor(&format!("{at}|{}", self.id))
    }

    pub fn from_cursor(cursor: &str) -> AppResult<Position> {
        let raw = decode_cursor(cursor)?;
        let invalid = || AppError::bad_input("invalid cursor");
        let (at, id) = raw.split_once('|').ok_or_else(invalid)?;
        Ok(Position {
            placed_at: DateTime::parse_from_rfc3339(at)
                .map_err(|_| invalid())?
                .with_timezone(&Utc),
            id: Uuid::parse_str(id).map_err(|_| invalid())?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips_a_position() {
        let position = Position {
            placed_at: DateTime::parse_from_rfc3339("2025-03-04T05:06:07.123456Z")
                .unwrap()
                .with_timezone(&Utc),
            id: Uuid::new_v4(),
        };
        assert_eq!(
            Position::from_cursor(&position.to_cursor()).unwrap(),
            position
        );
    }

    #[test]
    fn garbage_cursor_is_bad_input() {
        for bad in ["zz", &encode_cursor("no-separator"), &encode_cursor("x|y")] {
            let err = Position::from_cursor(bad).unwrap_err();
            assert_eq!(err.code(), subgraph_kit::ErrorCode::BadUserInput);
        }
    }
}
