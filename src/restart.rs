//! When the launcher restarts a crashed child: exponential backoff, capped, reset after a stable run.

use std::time::Duration;

/// Delay before the first restart: long enough that a child crashing at start-up does not
/// spin, short enough that a one-off crash is barely noticed.
pub const INITIAL: Duration = Duration::from_millis(500);

/// The longest wait between two restarts of a child that keeps crashing.
pub const MAX: Duration = Duration::from_secs(30);

/// A child that served this long before it crashed starts again from [`INITIAL`]: its crash
/// is a new incident, not the same crash loop.
pub const STABLE: Duration = Duration::from_secs(60);

/// The restart delays of one child.
#[derive(Debug, Default)]
pub struct Backoff {
    /// Restarts since the child last ran for [`STABLE`].
    attempt: u32,
}

impl Backoff {
    /// The delay before restarting a child that ran for `ran` before it exited.
    pub fn next(&mut self, ran: Duration) -> Duration {
        if ran >= STABLE {
            self.attempt = 0;
        }
        // 2^6 × 500 ms already exceeds the cap; the shift never overflows.
        let delay = INITIAL.saturating_mul(1 << self.attempt.min(6)).min(MAX);
        self.attempt = self.attempt.saturating_add(1);
        delay
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_from_the_initial_one_up_to_the_cap() {
        let mut backoff = Backoff::default();
        let delays: Vec<_> = (0..10).map(|_| backoff.next(Duration::ZERO)).collect();
        assert_eq!(delays[0], INITIAL);
        assert_eq!(delays[1], INITIAL * 2);
        assert_eq!(delays[2], INITIAL * 4);
        assert!(delays.windows(2).all(|w| w[0] <= w[1]));
        assert_eq!(delays[9], MAX);
    }

    #[test]
    fn a_stable_run_resets_the_delay() {
        let mut backoff = Backoff::default();
        for _ in 0..5 {
            backoff.next(Duration::from_secs(1));
        }
        assert!(backoff.next(Duration::from_secs(1)) > INITIAL);
        assert_eq!(backoff.next(STABLE), INITIAL);
        assert_eq!(backoff.next(Duration::ZERO), INITIAL * 2);
    }
}
