//! The time a subgraph stamps on what it writes.

use chrono::{DateTime, DurationRound, TimeDelta, Utc};

/// Now, to the microsecond: PostgreSQL's `timestamptz` keeps microseconds (and rounds
/// anything finer), so a timestamp made here reads back from the database, and through
/// GraphQL, exactly as the mutation that wrote it answered.
pub fn now() -> DateTime<Utc> {
    let now = Utc::now();
    now.duration_trunc(TimeDelta::microseconds(1))
        .unwrap_or(now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Timelike;

    #[test]
    fn now_has_whole_microseconds() {
        assert_eq!(now().nanosecond() % 1_000, 0);
    }
}
