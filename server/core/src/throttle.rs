//! Login throttling, checked *before* any password is hashed: argon2 costs ~20 ms of
//! CPU per attempt, so an unthrottled login form is a denial-of-service lever on a small
//! server. Failures are counted per account name (known or not, so the answer never
//! tells which names exist) and per client address, in fixed windows. The state is
//! in memory, per replica: with N replicas an attacker gets at most N times the budget,
//! which still bounds the hashing work each server does.

use std::collections::HashMap;
use std::sync::Mutex;

#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub per_account: u32,
    pub per_address: u32,
    pub window_ms: i64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            per_account: 5,
            per_address: 20,
            window_ms: 15 * 60 * 1000,
        }
    }
}

#[derive(Clone, Copy, Debug)]
struct Window {
    started_ms: i64,
    failures: u32,
}

/// Tracked keys are bounded; beyond this the oldest windows are dropped first.
const MAX_TRACKED: usize = 100_000;

#[derive(Debug, Default)]
pub struct LoginThrottle {
    limits: Limits,
    state: Mutex<HashMap<String, Window>>,
}

impl LoginThrottle {
    pub fn new(limits: Limits) -> Self {
        LoginThrottle {
            limits,
            state: Mutex::new(HashMap::new()),
        }
    }

    fn keys(account: &str, address: &str) -> (String, String) {
        (
            format!("u:{}", account.to_lowercase()),
            format!("a:{address}"),
        )
    }

    /// `Err(seconds)` when the attempt must be refused without checking the password.
    pub fn check(&self, account: &str, address: &str, now_ms: i64) -> Result<(), u64> {
        let (ak, ik) = Self::keys(account, address);
        let state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let mut wait = 0i64;
        for (key, limit) in [(ak, self.limits.per_account), (ik, self.limits.per_address)] {
            if let Some(w) = state.get(&key) {
                let ends = w.started_ms + self.limits.window_ms;
                if now_ms < ends && w.failures >= limit {
                    wait = wait.max(ends - now_ms);
                }
            }
        }
        if wait > 0 {
            Err(u64::try_from(wait).unwrap_or(0).div_ceil(1000))
        } else {
            Ok(())
        }
    }

    pub fn record_failure(&self, account: &str, address: &str, now_ms: i64) {
        let (ak, ik) = Self::keys(account, address);
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if state.len() >= MAX_TRACKED {
            let window = self.limits.window_ms;
            state.retain(|_, w| now_ms < w.started_ms + window);
            if state.len() >= MAX_TRACKED {
                state.clear();
            }
        }
        for key in [ak, ik] {
            let w = state.entry(key).or_insert(Window {
                started_ms: now_ms,
                failures: 0,
            });
            if now_ms >= w.started_ms + self.limits.window_ms {
                *w = Window {
                    started_ms: now_ms,
                    failures: 0,
                };
            }
            w.failures += 1;
        }
    }

    /// A successful sign-in clears the account's failures (not the address's).
    pub fn record_success(&self, account: &str) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state.remove(&format!("u:{}", account.to_lowercase()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> LoginThrottle {
        LoginThrottle::new(Limits {
            per_account: 3,
            per_address: 5,
            window_ms: 60_000,
        })
    }

    #[test]
    fn account_limit_engages_and_expires() {
        let t = small();
        for i in 0..3 {
            assert!(t.check("Alice", "1.1.1.1", i).is_ok());
            t.record_failure("alice", "1.1.1.1", i);
        }
        assert_eq!(
            t.check("ALICE", "2.2.2.2", 10_000),
            Err(50),
            "case-insensitive, any address"
        );
        assert!(
            t.check("bob", "2.2.2.2", 10_000).is_ok(),
            "other accounts unaffected"
        );
        assert!(t.check("alice", "2.2.2.2", 60_000).is_ok(), "window over");
    }

    #[test]
    fn address_limit_spans_accounts() {
        let t = small();
        for (i, name) in ["a", "b", "c", "d", "e"].iter().enumerate() {
            t.record_failure(name, "9.9.9.9", i as i64);
        }
        assert!(t.check("f", "9.9.9.9", 100).is_err());
        assert!(t.check("f", "8.8.8.8", 100).is_ok());
    }

    #[test]
    fn success_clears_account_only() {
        let t = small();
        for i in 0..3 {
            t.record_failure("alice", "1.1.1.1", i);
        }
        t.record_success("alice");
        assert!(t.check("alice", "3.3.3.3", 10).is_ok());
    }
}
