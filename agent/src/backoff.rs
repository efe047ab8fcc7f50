//! Reconnect delays: exponential backoff with full jitter.
//!
//! The delay before retry `n` (counting from 0 since the last healthy connection) is a
//! uniformly random duration in `[0, min(cap, base · 2ⁿ)]` ("full jitter"): when a server
//! restarts, its nodes spread their reconnects over the whole window instead of arriving
//! in waves. A connection that stayed authenticated for `healthy_after` resets `n`, so a
//! node that was fine for hours reconnects quickly after a blip, while a node whose
//! connections keep dying right after they open keeps backing off.

use std::time::Duration;

use rand::Rng;

/// The reconnect policy. `Default` is the production one: 1 s, doubling, 60 s cap,
/// healthy after 30 s; tests use milliseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BackoffConfig {
    /// The ceiling of the first delay.
    pub base: Duration,
    /// No delay is longer than this.
    pub cap: Duration,
    /// A session that stayed authenticated this long resets the backoff.
    pub healthy_after: Duration,
}

impl Default for BackoffConfig {
    fn default() -> Self {
        BackoffConfig {
            base: Duration::from_secs(1),
            cap: Duration::from_secs(60),
            healthy_after: Duration::from_secs(30),
        }
    }
}

impl BackoffConfig {
    /// The longest delay before retry `attempt` (0-based): `min(cap, base · 2^attempt)`,
    /// without overflow for any attempt.
    pub fn ceiling(&self, attempt: u32) -> Duration {
        1u32.checked_shl(attempt)
            .and_then(|factor| self.base.checked_mul(factor))
            .map_or(self.cap, |d| d.min(self.cap))
    }
}

/// The retry counter of one run loop.
#[derive(Debug)]
pub(crate) struct Backoff {
    config: BackoffConfig,
    attempt: u32,
}

impl Backoff {
    pub(crate) fn new(config: BackoffConfig) -> Self {
        Backoff { config, attempt: 0 }
    }

    /// Forgets past failures (after a healthy connection).
    pub(crate) fn reset(&mut self) {
        self.attempt = 0;
    }

    /// How many delays were handed out since the last reset.
    #[cfg(test)]
    pub(crate) fn attempt(&self) -> u32 {
        self.attempt
    }

    /// The next delay, drawn from `rng`.
    pub(crate) fn next_delay(&mut self, rng: &mut impl Rng) -> Duration {
        self.next_delay_at(rng.gen::<f64>())
    }

    /// The next delay for a given draw `unit` in `[0, 1]`: the pure part of
    /// [`next_delay`](Self::next_delay), so tests need no randomness.
    pub(crate) fn next_delay_at(&mut self, unit: f64) -> Duration {
        let ceiling = self.config.ceiling(self.attempt);
        self.attempt = self.attempt.saturating_add(1);
        let unit = if unit.is_finite() {
            unit.clamp(0.0, 1.0)
        } else {
            0.0
        };
        ceiling.mul_f64(unit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    const S: fn(u64) -> Duration = Duration::from_secs;

    #[test]
    fn ceiling_doubles_from_base_and_stops_at_cap() {
        let c = BackoffConfig::default();
        for (attempt, expected) in [
            (0, S(1)),
            (1, S(2)),
            (2, S(4)),
            (3, S(8)),
            (4, S(16)),
            (5, S(32)),
            (6, S(60)),
            (7, S(60)),
            (31, S(60)),
            (32, S(60)),
            (u32::MAX, S(60)),
        ] {
            assert_eq!(c.ceiling(attempt), expected, "attempt {attempt}");
        }
        // A cap below the base wins too.
        let odd = BackoffConfig {
            base: S(10),
            cap: S(3),
            ..c
        };
        assert_eq!(odd.ceiling(0), S(3));
    }

    #[test]
    fn delays_are_full_jitter_within_the_ceiling() {
        let mut b = Backoff::new(BackoffConfig::default());
        // The extremes of the draw map to 0 and to the ceiling itself.
        assert_eq!(b.next_delay_at(0.0), Duration::ZERO);
        assert_eq!(b.next_delay_at(1.0), S(2));
        assert_eq!(b.next_delay_at(0.5), S(2));
        // Out-of-range draws are clamped rather than trusted.
        assert_eq!(b.next_delay_at(7.0), S(8));
        assert_eq!(b.next_delay_at(f64::NAN), Duration::ZERO);
        assert_eq!(b.attempt(), 5);
    }

    #[test]
    fn random_delays_never_exceed_the_ceiling_or_the_cap() {
        let config = BackoffConfig::default();
        let mut rng = StdRng::seed_from_u64(7);
        let mut b = Backoff::new(config);
        let mut longest = Duration::ZERO;
        for attempt in 0..200 {
            let d = b.next_delay(&mut rng);
            assert!(d <= config.ceiling(attempt), "attempt {attempt}: {d:?}");
            assert!(d <= config.cap);
            longest = longest.max(d);
        }
        // Full jitter still uses the whole window.
        assert!(longest > S(50), "{longest:?}");
    }

    #[test]
    fn reset_starts_over_from_base() {
        let mut b = Backoff::new(BackoffConfig::default());
        for _ in 0..10 {
            b.next_delay_at(1.0);
        }
        assert_eq!(b.next_delay_at(1.0), S(60));
        b.reset();
        assert_eq!(b.attempt(), 0);
        assert_eq!(b.next_delay_at(1.0), S(1));
        assert_eq!(b.next_delay_at(1.0), S(2));
    }
}
