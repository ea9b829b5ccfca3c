//! The sign-on edges' defences (docs/protocol.md §14): which screen names may be asked about at
//! all, the throttle on failed logins, bounded tables, and names made safe for the log.
//!
//! The throttle slows a guesser without letting a stranger lock the owner out. Refusals are
//! keyed by where the attempt came from: by (source address, account) and by source address
//! alone, each with a delay that doubles per failure once a few are spent. What an account's
//! failures from everywhere add is only a short pause before the answer (at most
//! [`MAX_ACCOUNT_PAUSE`]), never a refusal, so the owner's right password from another address
//! still signs on however many wrong ones a stranger sent.

use std::collections::HashMap;
use std::fmt;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Duration;

use crate::screenname::ScreenName;

/// Entries each throttle table keeps at most; past it the stalest entry goes.
pub const MAX_TRACKED: usize = 10_000;
/// How long a failure is remembered after the last one, seconds.
pub const FAILURE_MEMORY: i64 = 900;
/// Failures from one address on one account before its attempts must wait.
pub const PAIR_FREE_FAILURES: u32 = 3;
/// Failures from one address (any accounts) before its attempts must wait.
pub const SOURCE_FREE_FAILURES: u32 = 10;
/// The longest wait a source is told to keep between attempts, seconds.
pub const MAX_WAIT: i64 = 300;
/// The longest pause an account's failures from everywhere add before an answer.
pub const MAX_ACCOUNT_PAUSE: Duration = Duration::from_secs(2);
/// The pause added per failure on an account past [`PAIR_FREE_FAILURES`].
const ACCOUNT_PAUSE_STEP: Duration = Duration::from_millis(250);

/// The name a sign-on request asks about, if it could be an account's: the accounts file's rule
/// (non-empty, at most 255 bytes, no control characters). Anything else is refused before it is
/// stored or looked up.
pub fn signon_name(s: &str) -> Option<ScreenName> {
    ScreenName::parse(s).ok()
}

/// What the throttle says about one attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    /// Check the password, after pausing this long.
    Proceed(Duration),
    /// Answer "rate limited" without checking anything.
    Refuse,
}

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    last: i64,
}

impl Failures {
    /// Until when attempts must wait, once more than `free` failures were spent.
    fn wait_until(&self, free: u32) -> Option<i64> {
        let over = self.count.checked_sub(free)?;
        // 2^9 s already passes MAX_WAIT; stop shifting before the sign bit.
        let wait = if over >= 9 { MAX_WAIT } else { (1i64 << over).min(MAX_WAIT) };
        Some(self.last.saturating_add(wait))
    }

    fn forgotten(&self, now: i64) -> bool {
        now.saturating_sub(self.last) >= FAILURE_MEMORY
    }
}

type Pair = (IpAddr, String);

#[derive(Debug, Default)]
struct Tables {
    attempts: HashMap<Pair, Vec<i64>>,
    pairs: HashMap<Pair, Failures>,
    sources: HashMap<IpAddr, Failures>,
    accounts: HashMap<String, Failures>,
}

/// Counts sign-on attempts and failures per source, per (source, account) and per account.
#[derive(Debug, Default)]
pub struct LoginThrottle {
    tables: Mutex<Tables>,
}

impl LoginThrottle {
    /// Records an attempt on `name` from `ip` at `now` and says whether to check it: refused
    /// while the pair or the source must still wait, or when the pair made more than `per_minute`
    /// attempts in the last minute (AOL's "signing on too often"); otherwise checked after the
    /// account's pause.
    pub fn check(
        &self,
        ip: IpAddr,
        name: &ScreenName,
        now: i64,
        per_minute: Option<usize>,
    ) -> Gate {
        let Ok(mut t) = self.tables.lock() else { return Gate::Refuse };
        let pair = (ip, name.normalized().to_string());
        let waiting = |f: Option<&Failures>, free| {
            f.and_then(|f| f.wait_until(free)).is_some_and(|until| now < until)
        };
        if waiting(t.pairs.get(&pair), PAIR_FREE_FAILURES)
            || waiting(t.sources.get(&ip), SOURCE_FREE_FAILURES)
        {
            return Gate::Refuse;
        }
        if let Some(limit) = per_minute {
            if t.attempts.len() >= MAX_TRACKED && !t.attempts.contains_key(&pair) {
                t.attempts.retain(|_, times| times.iter().any(|at| now - at < 60));
                bound(&mut t.attempts, |times| times.last().copied().unwrap_or(i64::MIN));
            }
            let times = t.attempts.entry(pair).or_default();
            times.retain(|at| now - at < 60);
            if times.len() >= limit {
                return Gate::Refuse;
            }
            times.push(now);
        }
        let pause = match t.accounts.get(name.normalized()) {
            Some(f) if !f.forgotten(now) => {
                let over = f.count.saturating_sub(PAIR_FREE_FAILURES);
                ACCOUNT_PAUSE_STEP.saturating_mul(over).min(MAX_ACCOUNT_PAUSE)
            }
            _ => Duration::ZERO,
        };
        Gate::Proceed(pause)
    }

    /// Records a wrong password (or unknown name: they must look alike) for `name` from `ip`.
    pub fn failed(&self, ip: IpAddr, name: &ScreenName, now: i64) {
        let Ok(mut t) = self.tables.lock() else { return };
        let Tables { pairs, sources, accounts, .. } = &mut *t;
        note(pairs, (ip, name.normalized().to_string()), now);
        note(sources, ip, now);
        note(accounts, name.normalized().to_string(), now);
    }

    /// Records a right password: the pair starts afresh. The source's and the account's counts
    /// stay, so a guesser cannot wipe them by signing on to an account of its own.
    pub fn succeeded(&self, ip: IpAddr, name: &ScreenName) {
        if let Ok(mut t) = self.tables.lock() {
            t.pairs.remove(&(ip, name.normalized().to_string()));
        }
    }

    /// Entries held, all tables together (tests of the bounds).
    pub fn tracked(&self) -> usize {
        self.tables
            .lock()
            .map(|t| t.attempts.len() + t.pairs.len() + t.sources.len() + t.accounts.len())
            .unwrap_or(0)
    }
}

/// Counts one failure under `key`, forgetting stale entries and, at [`MAX_TRACKED`], the
/// stalest one, so the table stays bounded whatever names arrive.
fn note<K: Eq + Hash + Clone>(table: &mut HashMap<K, Failures>, key: K, now: i64) {
    if !table.contains_key(&key) && table.len() >= MAX_TRACKED {
        table.retain(|_, f| !f.forgotten(now));
        bound(table, |f| f.last);
    }
    let f = table.entry(key).or_insert(Failures { count: 0, last: now });
    if f.forgotten(now) {
        f.count = 0;
    }
    f.count = f.count.saturating_add(1);
    f.last = now;
}

/// Drops the entry with the smallest `age` while `table` holds [`MAX_TRACKED`] or more.
pub(crate) fn bound<K: Eq + Hash + Clone, V>(table: &mut HashMap<K, V>, age: impl Fn(&V) -> i64) {
    bound_to(table, MAX_TRACKED, age);
}

/// Drops the entries with the smallest `age` until fewer than `cap` remain, making room for one.
pub(crate) fn bound_to<K: Eq + Hash + Clone, V>(
    table: &mut HashMap<K, V>,
    cap: usize,
    age: impl Fn(&V) -> i64,
) {
    while table.len() >= cap.max(1) {
        let Some(oldest) = table.iter().min_by_key(|(_, v)| age(v)).map(|(k, _)| k.clone()) else {
            return;
        };
        table.remove(&oldest);
    }
}

/// A name (or any peer-supplied text) as it may appear in the server's log: control and
/// bidirectional-formatting characters escaped (`\n`, `\u{202e}`), so no input can start a
/// forged log line or reorder one.
pub struct LogSafe<'a>(pub &'a str);

impl fmt::Display for LogSafe<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use fmt::Write as _;
        for c in self.0.chars() {
            if c.is_control() || is_format_control(c) || c == '\\' {
                for e in c.escape_default() {
                    f.write_char(e)?;
                }
            } else {
                f.write_char(c)?;
            }
        }
        Ok(())
    }
}

/// Invisible characters that reorder or hide text (bidi overrides and isolates, zero-width
/// marks, the byte-order mark).
fn is_format_control(c: char) -> bool {
    matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 1));
    const B: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 2));

    fn sn(s: &str) -> ScreenName {
        ScreenName::from_wire(s)
    }

    #[test]
    fn names_are_checked_for_length_and_characters() {
        assert!(signon_name("Bob Smith").is_some());
        assert!(signon_name(&"x".repeat(255)).is_some());
        assert!(signon_name(&"x".repeat(256)).is_none());
        assert!(signon_name("bob\nFAKE").is_none());
        assert!(signon_name("   ").is_none());
    }

    #[test]
    fn a_pair_waits_doubling_delays_after_its_free_failures_and_a_success_resets_it() {
        let t = LoginThrottle::default();
        let bob = sn("Bob");
        for _ in 0..PAIR_FREE_FAILURES {
            assert_eq!(t.check(A, &bob, 100, None), Gate::Proceed(Duration::ZERO));
            t.failed(A, &bob, 100);
        }
        // Three spent: the next waits 1 s, then 2 s, 4 s.
        assert_eq!(t.check(A, &bob, 100, None), Gate::Refuse);
        assert!(matches!(t.check(A, &bob, 101, None), Gate::Proceed(_)));
        t.failed(A, &bob, 101);
        assert_eq!(t.check(A, &bob, 102, None), Gate::Refuse);
        assert!(matches!(t.check(A, &bob, 103, None), Gate::Proceed(_)));
        t.failed(A, &bob, 103);
        assert_eq!(t.check(A, &bob, 106, None), Gate::Refuse);
        assert!(matches!(t.check(A, &bob, 107, None), Gate::Proceed(_)));
        t.succeeded(A, &bob);
        assert!(matches!(t.check(A, &bob, 107, None), Gate::Proceed(_)));
    }

    #[test]
    fn another_source_is_never_refused_and_pauses_at_most_the_account_bound() {
        let t = LoginThrottle::default();
        let bob = sn("Bob");
        for i in 0..200 {
            t.failed(A, &bob, 100 + i);
        }
        assert_eq!(t.check(A, &bob, 300, None), Gate::Refuse);
        assert_eq!(t.check(B, &bob, 300, None), Gate::Proceed(MAX_ACCOUNT_PAUSE));
        // A failure is forgotten after FAILURE_MEMORY.
        assert_eq!(t.check(B, &bob, 299 + FAILURE_MEMORY, None), Gate::Proceed(Duration::ZERO));
    }

    #[test]
    fn a_source_spraying_accounts_waits_too() {
        let t = LoginThrottle::default();
        for i in 0..SOURCE_FREE_FAILURES {
            t.failed(A, &sn(&format!("user{i}")), 100);
        }
        assert_eq!(t.check(A, &sn("fresh"), 100, None), Gate::Refuse);
        assert!(matches!(t.check(B, &sn("fresh"), 100, None), Gate::Proceed(_)));
    }

    #[test]
    fn tables_stay_bounded() {
        let t = LoginThrottle::default();
        for i in 0..(MAX_TRACKED + 50) {
            let name = sn(&format!("n{i}"));
            let _ = t.check(B, &name, 100, Some(30));
            t.failed(A, &name, 100);
        }
        assert!(t.tracked() <= 3 * MAX_TRACKED + 1, "{}", t.tracked());
    }

    #[test]
    fn log_safe_escapes_line_breaks_and_bidi() {
        assert_eq!(LogSafe("bob\nINFO forged").to_string(), "bob\\nINFO forged");
        assert_eq!(LogSafe("a\u{202e}b\\").to_string(), "a\\u{202e}b\\\\");
        assert_eq!(LogSafe("Bob Smith").to_string(), "Bob Smith");
    }
}
