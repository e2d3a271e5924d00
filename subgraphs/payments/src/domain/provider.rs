//! The simulated payment provider that authorizes an order's amount due when fulfillment has
//! reserved its stock: declines over the method's limit, and at random at a configured rate,
//! after a configured latency (so failures and slowness are exercised end to end).

use super::{AuthorizeRequest, Decision};
use std::time::Duration;

/// How the simulated provider behaves.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Provider {
    /// Share of authorizations declined at random, 0.0 to 1.0.
    /// Env: `PAYMENTS_PROVIDER_FAILURE_RATE` (default 0).
    pub failure_rate: f64,
    /// Time one authorization takes. Env: `PAYMENTS_PROVIDER_LATENCY_MS` (default 20).
    pub latency: Duration,
}

impl Default for Provider {
    fn default() -> Self {
        Provider {
            failure_rate: 0.0,
            latency: Duration::from_millis(20),
        }
    }
}

impl Provider {
    /// From the environment; an unreadable or out-of-range value keeps the default (logged).
    pub fn from_env() -> Provider {
        let mut provider = Provider::default();
        if let Ok(raw) = std::env::var("PAYMENTS_PROVIDER_FAILURE_RATE") {
            match raw.parse::<f64>() {
                Ok(rate) if (0.0..=1.0).contains(&rate) => provider.failure_rate = rate,
                _ => tracing::warn!(%raw, "PAYMENTS_PROVIDER_FAILURE_RATE must be 0 to 1: ignored"),
            }
        }
        if let Ok(raw) = std::env::var("PAYMENTS_PROVIDER_LATENCY_MS") {
            match raw.parse::<u64>() {
                Ok(ms) if ms <= 60_000 => provider.latency = Duration::from_millis(ms),
                _ => {
                    tracing::warn!(%raw, "PAYMENTS_PROVIDER_LATENCY_MS must be 0 to 60000: ignored")
                }
            }
        }
        provider
    }

    /// The provider's answer to `req`, given `roll`, a uniform random number in [0, 1).
    pub fn decide(&self, req: &AuthorizeRequest, roll: f64) -> Decision {
        match req.decide() {
            Decision::Authorized if roll < self.failure_rate => Decision::Failed("declined"),
            decision => decision,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Method;
    use uuid::Uuid;

    #[test]
    fn declines_at_the_configured_rate_and_over_the_limit() {
        let provider = Provider {
            failure_rate: 0.25,
            latency: Duration::ZERO,
        };
        let ok = AuthorizeRequest::new(Uuid::nil(), 100, "USD".into(), Method::Card).unwrap();
        assert_eq!(provider.decide(&ok, 0.1), Decision::Failed("declined"));
        assert_eq!(provider.decide(&ok, 0.3), Decision::Authorized);
        let big = Method::Card.authorization_limit() + 1;
        let over = AuthorizeRequest::new(Uuid::nil(), big, "USD".into(), Method::Card).unwrap();
        assert_eq!(
            provider.decide(&over, 0.9),
            Decision::Failed("limit_exceeded")
        );
    }
}
