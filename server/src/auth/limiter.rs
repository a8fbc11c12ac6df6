//! Failed sign-ins are limited per account and per client address within a sliding window, so
//! guessing a password is slow and one noisy address cannot lock everyone out. Kept in memory:
//! a restart forgets it, which errs on the side of letting staff back in.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Account(String),
    Address(IpAddr),
}

#[derive(Debug)]
pub struct LoginLimiter {
    window: Duration,
    per_account: usize,
    per_address: usize,
    failures: Mutex<HashMap<Key, VecDeque<Instant>>>,
}

impl LoginLimiter {
    pub fn new(window: Duration, per_account: u32, per_address: u32) -> LoginLimiter {
        LoginLimiter {
            window,
            per_account: per_account as usize,
            per_address: per_address as usize,
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// `Err(wait)` when this account or address has used up its failures in the window.
    pub fn check(&self, username: &str, address: IpAddr, now: Instant) -> Result<(), Duration> {
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let keys = [
            (Key::Account(username.to_owned()), self.per_account),
            (Key::Address(address), self.per_address),
        ];
        let mut wait = None;
        for (key, max) in keys {
            if let Some(times) = failures.get_mut(&key) {
                prune(times, now, self.window);
                if times.len() >= max
                    && let Some(oldest) = times.front()
                {
                    let remaining = self.window.saturating_sub(now.duration_since(*oldest));
                    wait = Some(wait.map_or(remaining, |w: Duration| w.max(remaining)));
                }
            }
        }
        wait.map_or(Ok(()), Err)
    }

    pub fn record_failure(&self, username: &str, address: IpAddr, now: Instant) {
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        if failures.len() > 100_000 {
            // Bound memory under a spray of usernames: forget what has aged out.
            let window = self.window;
            failures.retain(|_, times| {
                prune(times, now, window);
                !times.is_empty()
            });
        }
        for key in [Key::Account(username.to_owned()), Key::Address(address)] {
            failures.entry(key).or_default().push_back(now);
        }
    }

    /// A successful sign-in clears the account's failures (not the address's).
    pub fn clear_account(&self, username: &str) {
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        failures.remove(&Key::Account(username.to_owned()));
    }
}

fn prune(times: &mut VecDeque<Instant>, now: Instant, window: Duration) {
    while times
        .front()
        .is_some_and(|t| now.duration_since(*t) >= window)
    {
        times.pop_front();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 1));
    const B: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 2));

    #[test]
    fn an_account_is_braked_after_its_failures_then_released_by_time() {
        let limiter = LoginLimiter::new(Duration::from_secs(60), 3, 100);
        let t0 = Instant::now();
        for i in 0..3 {
            assert!(limiter.check("wang", A, t0).is_ok(), "attempt {i}");
            limiter.record_failure("wang", A, t0);
        }
        let wait = limiter
            .check("wang", B, t0 + Duration::from_secs(10))
            .unwrap_err();
        assert_eq!(wait, Duration::from_secs(50));
        // Another account from the same address is unaffected.
        assert!(limiter.check("li", A, t0).is_ok());
        assert!(
            limiter
                .check("wang", A, t0 + Duration::from_secs(60))
                .is_ok()
        );
    }

    #[test]
    fn an_address_is_braked_across_accounts() {
        let limiter = LoginLimiter::new(Duration::from_secs(60), 100, 4);
        let t0 = Instant::now();
        for name in ["a", "b", "c", "d"] {
            limiter.record_failure(name, A, t0);
        }
        assert!(limiter.check("e", A, t0).is_err());
        assert!(limiter.check("e", B, t0).is_ok());
    }

    #[test]
    fn success_clears_the_account() {
        let limiter = LoginLimiter::new(Duration::from_secs(60), 2, 100);
        let t0 = Instant::now();
        limiter.record_failure("wang", A, t0);
        limiter.record_failure("wang", A, t0);
        assert!(limiter.check("wang", A, t0).is_err());
        limiter.clear_account("wang");
        assert!(limiter.check("wang", A, t0).is_ok());
    }
}
