//! BOS cookies: `startOSCARSession` issues them, the BOS listener redeems them once.

use std::collections::HashMap;
use std::sync::Mutex;

use super::tokens::random_bytes;
use crate::screenname::ScreenName;

/// How long an issued cookie may wait for its BOS connection, in seconds.
pub const COOKIE_LIFETIME: i64 = 120;
/// Outstanding cookies kept at most; past it the one expiring first goes.
pub const MAX_COOKIES: usize = 10_000;

#[derive(Debug, Clone)]
struct Pending {
    screen_name: ScreenName,
    expires_at: i64,
}

/// Outstanding BOS cookies, keyed by their bytes.
#[derive(Debug, Default)]
pub struct CookieStore {
    pending: Mutex<HashMap<Vec<u8>, Pending>>,
}

impl CookieStore {
    /// Issues a fresh 64-byte random cookie for `screen_name`, valid for [`COOKIE_LIFETIME`].
    pub fn issue(&self, screen_name: &ScreenName, now: i64) -> Vec<u8> {
        let cookie = random_bytes::<64>().to_vec();
        if let Ok(mut pending) = self.pending.lock() {
            pending.retain(|_, p| p.expires_at > now);
            crate::guard::bound_to(&mut pending, MAX_COOKIES, |p| p.expires_at);
            pending.insert(
                cookie.clone(),
                Pending {
                    screen_name: screen_name.clone(),
                    expires_at: now.saturating_add(COOKIE_LIFETIME),
                },
            );
        }
        cookie
    }

    /// Redeems a cookie presented on a BOS connection: single use, and only before it expires.
    pub fn redeem(&self, cookie: &[u8], now: i64) -> Option<ScreenName> {
        let pending = self.pending.lock().ok()?.remove(cookie)?;
        (pending.expires_at > now).then_some(pending.screen_name)
    }

    #[cfg(feature = "test-support")]
    /// The cookies still waiting for `screen_name`, so tests can check none leaks.
    pub fn outstanding_for(&self, screen_name: &ScreenName) -> Vec<Vec<u8>> {
        let Ok(pending) = self.pending.lock() else { return Vec::new() };
        pending
            .iter()
            .filter(|(_, p)| &p.screen_name == screen_name)
            .map(|(c, _)| c.clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_redeem_once_before_expiry() {
        let store = CookieStore::default();
        let bob = ScreenName::from_wire("Bob");
        let c = store.issue(&bob, 1000);
        assert_eq!(c.len(), 64);
        assert_eq!(store.outstanding_for(&bob), vec![c.clone()]);
        assert_eq!(store.redeem(&c, 1001), Some(bob.clone()));
        assert_eq!(store.redeem(&c, 1001), None);
        let c = store.issue(&bob, 1000);
        assert_eq!(store.redeem(&c, 1000 + COOKIE_LIFETIME), None);
        assert_eq!(store.redeem(b"forged", 1000), None);
    }
}
