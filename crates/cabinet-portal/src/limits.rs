//! Abuse limits: token buckets per login and per client address for what
//! an unauthenticated caller can repeat — password attempts, requests for
//! a code (each sends an SMS), code checks, certificate challenges,
//! registrations and the public signing services (time stamps, OCSP
//! answers: a signature each). Past a limit the answer is `429 rate.limited` with
//! `Retry-After`; nothing touches the database first. The buckets live in
//! memory (a restart forgets them, as it forgets nothing that matters: the
//! lockout after wrong passwords is in the database).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::error::PortalError;

/// What is being limited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Password,
    /// A request that sends a code by SMS (recovery, a login's second
    /// factor, linking, deactivation).
    CodeRequest,
    CodeCheck,
    Challenge,
    Registration,
    /// A time stamp or an OCSP answer: the portal signs one for anyone.
    TrustService,
}

/// A bucket's size and how often one token comes back.
#[derive(Debug, Clone, Copy)]
pub struct Rate {
    pub burst: u32,
    pub every: Duration,
}

/// The limits of one portal; per login (when the request names one) and
/// per client address.
#[derive(Debug, Clone)]
pub struct Limits {
    pub per_login: HashMap<Kind, Rate>,
    pub per_address: HashMap<Kind, Rate>,
}

const fn rate(burst: u32, every_secs: u64) -> Rate {
    Rate {
        burst,
        every: Duration::from_secs(every_secs),
    }
}

impl Limits {
    /// No limits: for load runs that want a flood to reach the work it
    /// would cause from many addresses.
    pub fn unlimited() -> Self {
        Self {
            per_login: HashMap::new(),
            per_address: HashMap::new(),
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            // A person types a password a few times; five wrong ones lock
            // the login anyway. Codes: a few SMS, then one every two
            // minutes.
            per_login: HashMap::from([
                (Kind::Password, rate(10, 60)),
                (Kind::CodeRequest, rate(5, 120)),
            ]),
            // An office behind one address has many people; a script has
            // one address and no patience.
            per_address: HashMap::from([
                (Kind::Password, rate(100, 1)),
                (Kind::CodeRequest, rate(30, 10)),
                (Kind::CodeCheck, rate(100, 1)),
                (Kind::Challenge, rate(200, 1)),
                (Kind::Registration, rate(20, 30)),
                // A signing office stamps a batch at once; a script asking
                // for signatures all day is not an office.
                (Kind::TrustService, rate(100, 1)),
            ]),
        }
    }
}

struct Bucket {
    tokens: f64,
    at: DateTime<Utc>,
}

/// Buckets beyond which full ones are forgotten.
const MAX_BUCKETS: usize = 100_000;

/// The buckets of one portal.
pub struct Limiter {
    limits: Limits,
    buckets: Mutex<HashMap<(Kind, String), Bucket>>,
}

impl Limiter {
    pub fn new(limits: Limits) -> Self {
        Self {
            limits,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes a token for `kind` from the login's bucket (when given) and
    /// the address's, or refuses with how long to wait. A refusal takes
    /// nothing, so a flood from one address does not lock a login out for
    /// its owner any longer than the flood lasts.
    pub fn take(
        &self,
        kind: Kind,
        login: Option<&str>,
        address: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(), PortalError> {
        let mut keys = Vec::new();
        if let (Some(rate), Some(login)) = (self.limits.per_login.get(&kind), login) {
            keys.push((*rate, format!("login:{}", login.trim().to_lowercase())));
        }
        if let (Some(rate), Some(address)) = (self.limits.per_address.get(&kind), address) {
            keys.push((*rate, format!("ip:{address}")));
        }
        let mut buckets = self
            .buckets
            .lock()
            .map_err(|_| PortalError::Internal("limiter poisoned".into()))?;
        if buckets.len() > MAX_BUCKETS {
            forget_full(&mut buckets, &self.limits, now);
        }
        let mut wait = Duration::ZERO;
        for (rate, key) in &keys {
            let b = refilled(buckets.get(&(kind, key.clone())), *rate, now);
            if b.tokens < 1.0 {
                let missing = 1.0 - b.tokens;
                wait = wait.max(rate.every.mul_f64(missing));
            }
        }
        if !wait.is_zero() {
            return Err(PortalError::TooManyRequests {
                retry_after: wait.as_secs().max(1),
            });
        }
        for (rate, key) in keys {
            let mut b = refilled(buckets.get(&(kind, key.clone())), rate, now);
            b.tokens -= 1.0;
            buckets.insert((kind, key), b);
        }
        Ok(())
    }
}

fn refilled(bucket: Option<&Bucket>, rate: Rate, now: DateTime<Utc>) -> Bucket {
    let burst = f64::from(rate.burst);
    let Some(b) = bucket else {
        return Bucket {
            tokens: burst,
            at: now,
        };
    };
    let elapsed = (now - b.at).to_std().unwrap_or_default();
    let gained = elapsed.as_secs_f64() / rate.every.as_secs_f64().max(f64::EPSILON);
    Bucket {
        tokens: (b.tokens + gained).min(burst),
        at: now,
    }
}

/// Drops the buckets that have refilled: they hold nothing a new one
/// would not.
fn forget_full(buckets: &mut HashMap<(Kind, String), Bucket>, limits: &Limits, now: DateTime<Utc>) {
    buckets.retain(|(kind, key), b| {
        let table = if key.starts_with("login:") {
            &limits.per_login
        } else {
            &limits.per_address
        };
        table
            .get(kind)
            .is_some_and(|rate| refilled(Some(b), *rate, now).tokens < f64::from(rate.burst))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter() -> Limiter {
        Limiter::new(Limits {
            per_login: HashMap::from([(Kind::CodeRequest, rate(3, 60))]),
            per_address: HashMap::from([(Kind::CodeRequest, rate(5, 10))]),
        })
    }

    #[test]
    fn a_login_gets_its_burst_then_waits_for_a_token() {
        let l = limiter();
        let t0 = Utc::now();
        for _ in 0..3 {
            l.take(
                Kind::CodeRequest,
                Some("Buh@Romashka.demo"),
                Some("10.0.0.1"),
                t0,
            )
            .unwrap();
        }
        // The same login in other case and from elsewhere: still the login's bucket.
        let err = l
            .take(
                Kind::CodeRequest,
                Some(" buh@romashka.demo"),
                Some("10.0.0.2"),
                t0,
            )
            .unwrap_err();
        assert!(matches!(
            err,
            PortalError::TooManyRequests { retry_after: 60 }
        ));
        let later = t0 + chrono::Duration::seconds(60);
        l.take(
            Kind::CodeRequest,
            Some("buh@romashka.demo"),
            Some("10.0.0.2"),
            later,
        )
        .unwrap();
    }

    #[test]
    fn an_address_is_limited_across_logins_and_a_refusal_takes_nothing() {
        let l = limiter();
        let t0 = Utc::now();
        for i in 0..5 {
            l.take(
                Kind::CodeRequest,
                Some(&format!("u{i}")),
                Some("10.0.0.9"),
                t0,
            )
            .unwrap();
        }
        let err = l
            .take(Kind::CodeRequest, Some("u9"), Some("10.0.0.9"), t0)
            .unwrap_err();
        assert!(matches!(
            err,
            PortalError::TooManyRequests { retry_after: 10 }
        ));
        // u9's own bucket was not charged by the refusal.
        for _ in 0..3 {
            l.take(Kind::CodeRequest, Some("u9"), Some("10.0.0.10"), t0)
                .unwrap();
        }
        // Kinds without a rule are not limited.
        for _ in 0..1000 {
            l.take(Kind::Challenge, None, Some("10.0.0.9"), t0).unwrap();
        }
    }
}
