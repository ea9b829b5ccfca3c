//! Long-term tokens and ICQ challenges the embedded server has issued.

use std::collections::HashMap;
use std::sync::Mutex;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;

use crate::guard::bound_to;
use crate::screenname::ScreenName;
use flapjack_proto::secret::Secret;

/// Tokens the server keeps at most; past it the one expiring first goes.
pub const MAX_TOKENS: usize = 10_000;
/// Tokens one account keeps at most; past it its one expiring first goes (that client signs on
/// with its password again).
pub const MAX_TOKENS_PER_ACCOUNT: usize = 32;
/// Outstanding challenges kept at most; past it the oldest goes.
pub const MAX_CHALLENGES: usize = 10_000;
/// Signed `startOSCARSession` requests remembered at most (each works once).
pub const MAX_USED_SIGNATURES: usize = 65_536;

/// One issued token `a` and what the server needs to verify requests signed under it.
#[derive(Debug)]
pub struct IssuedToken {
    /// Whose token it is.
    pub screen_name: ScreenName,
    /// When it stops being accepted, unix seconds on the server clock.
    pub expires_at: i64,
    /// The session secret sent with it.
    pub session_secret: Secret,
    /// The session key the client should sign with.
    pub session_key: Secret,
}

impl Clone for IssuedToken {
    /// A deliberate copy of the secrets (the table hands one out per verified request).
    fn clone(&self) -> Self {
        Self {
            screen_name: self.screen_name.clone(),
            expires_at: self.expires_at,
            session_secret: self.session_secret.duplicate(),
            session_key: self.session_key.duplicate(),
        }
    }
}

/// The server's token table: `clientLogin` adds, `startOSCARSession` looks up.
#[derive(Debug, Default)]
pub struct TokenStore {
    tokens: Mutex<HashMap<String, IssuedToken>>,
}

impl TokenStore {
    /// Issues a fresh random token for `issued` at `now` and returns `a`; random bytes in
    /// standard base64, so `+ / =` exercise the client's encoding as AOL's tokens did.
    pub fn issue(&self, issued: IssuedToken, now: i64) -> Secret {
        let a = B64.encode(random_bytes::<48>());
        self.insert(a.clone(), issued, now);
        Secret::new(a)
    }

    /// Stores a new token, first dropping expired ones, then (at the caps) the account's or the
    /// table's token that expires first, so the table stays bounded.
    fn insert(&self, a: String, issued: IssuedToken, now: i64) {
        let Ok(mut tokens) = self.tokens.lock() else { return };
        tokens.retain(|_, t| t.expires_at > now);
        let mine = tokens.values().filter(|t| t.screen_name == issued.screen_name).count();
        if mine >= MAX_TOKENS_PER_ACCOUNT {
            let first = tokens
                .iter()
                .filter(|(_, t)| t.screen_name == issued.screen_name)
                .min_by_key(|(_, t)| t.expires_at)
                .map(|(a, _)| a.clone());
            if let Some(first) = first {
                tokens.remove(&first);
            }
        }
        bound_to(&mut tokens, MAX_TOKENS, |t| t.expires_at);
        tokens.insert(a, issued);
    }

    /// Issues a token in URL-safe base64 with padding, as Open OSCAR Server's are.
    pub fn issue_url_safe(&self, issued: IssuedToken, now: i64) -> Secret {
        use base64::engine::general_purpose::URL_SAFE;
        let a = URL_SAFE.encode(random_bytes::<48>());
        self.insert(a.clone(), issued, now);
        Secret::new(a)
    }

    /// Looks a token up.
    pub fn get(&self, a: &str) -> Option<IssuedToken> {
        self.tokens.lock().ok()?.get(a).cloned()
    }

    /// Forgets every token of `screen_name` (a password change, or a test of token rejection).
    pub fn revoke(&self, screen_name: &ScreenName) -> usize {
        let Ok(mut tokens) = self.tokens.lock() else { return 0 };
        let before = tokens.len();
        tokens.retain(|_, t| &t.screen_name != screen_name);
        before - tokens.len()
    }

    #[cfg(feature = "test-support")]
    /// The tokens issued to `screen_name` with their `a`, so tests can check no secret leaks.
    pub fn issued_to(&self, screen_name: &ScreenName) -> Vec<(Secret, IssuedToken)> {
        let Ok(tokens) = self.tokens.lock() else { return Vec::new() };
        tokens
            .iter()
            .filter(|(_, t)| &t.screen_name == screen_name)
            .map(|(a, t)| (Secret::new(a.clone()), t.clone()))
            .collect()
    }

    /// Drops tokens that expired before `now` (issuing does this too).
    pub fn purge_expired(&self, now: i64) {
        if let Ok(mut tokens) = self.tokens.lock() {
            tokens.retain(|_, t| t.expires_at > now);
        }
    }

    /// How many tokens the table holds.
    pub fn len(&self) -> usize {
        self.tokens.lock().map(|t| t.len()).unwrap_or(0)
    }

    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Signed `startOSCARSession` requests already answered, so a captured URL works once: kept
/// until their `ts` leaves the server's window, at most [`MAX_USED_SIGNATURES`].
#[derive(Debug, Default)]
pub struct UsedSignatures {
    used: Mutex<HashMap<String, i64>>,
}

impl UsedSignatures {
    /// Records `sig` (valid until `until`, unix seconds) at `now`; false if it was used before.
    pub fn first_use(&self, sig: &str, now: i64, until: i64) -> bool {
        let Ok(mut used) = self.used.lock() else { return false };
        if used.contains_key(sig) {
            return false;
        }
        used.retain(|_, until| *until > now);
        bound_to(&mut used, MAX_USED_SIGNATURES, |until| *until);
        used.insert(sig.to_string(), until);
        true
    }
}

/// An outstanding ICQ challenge: `getChallenge` issues it, `clientLogin` consumes it once.
#[derive(Debug, Clone)]
pub struct Challenge {
    /// Who asked.
    pub screen_name: ScreenName,
    /// The salt.
    pub word: String,
    /// Until when it may be answered.
    pub expires_at: i64,
}

/// Outstanding ICQ challenges keyed by `tid`.
#[derive(Debug, Default)]
pub struct ChallengeStore {
    challenges: Mutex<HashMap<String, Challenge>>,
}

impl ChallengeStore {
    /// Creates a challenge; returns `(tid, challengeWord)`.
    pub fn issue(&self, screen_name: ScreenName, now: i64, lifetime: i64) -> (String, String) {
        let tid = hex::encode(random_bytes::<12>());
        let word = u64::from_be_bytes(random_bytes::<8>()) % 10_000_000_000;
        let word = format!("{word:010}");
        if let Ok(mut map) = self.challenges.lock() {
            map.retain(|_, c| c.expires_at > now);
            bound_to(&mut map, MAX_CHALLENGES, |c| c.expires_at);
            map.insert(
                tid.clone(),
                Challenge {
                    screen_name,
                    word: word.clone(),
                    expires_at: now.saturating_add(lifetime),
                },
            );
        }
        (tid, word)
    }

    /// How many challenges are outstanding.
    pub fn len(&self) -> usize {
        self.challenges.lock().map(|c| c.len()).unwrap_or(0)
    }

    /// Whether none is outstanding.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Takes a challenge out (single use); `None` if unknown or expired.
    pub fn take(&self, tid: &str, now: i64) -> Option<Challenge> {
        let challenge = self.challenges.lock().ok()?.remove(tid)?;
        (challenge.expires_at > now).then_some(challenge)
    }
}

/// Random bytes from the OS-seeded thread RNG.
pub(crate) fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    rand::Rng::fill(&mut rand::rng(), &mut bytes[..]);
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn issued(name: &str, expires_at: i64) -> IssuedToken {
        IssuedToken {
            screen_name: ScreenName::from_wire(name),
            expires_at,
            session_secret: Secret::new("s"),
            session_key: Secret::new("k"),
        }
    }

    #[test]
    fn tokens_issue_lookup_revoke() {
        let store = TokenStore::default();
        let a = store.issue(issued("Bob", 100), 0);
        let b = store.issue(issued("alice", 100), 0);
        assert_ne!(a, b);
        assert_eq!(store.get(a.expose()).unwrap().screen_name.as_str(), "Bob");
        assert_eq!(store.revoke(&ScreenName::from_wire("bob")), 1);
        assert!(store.get(a.expose()).is_none());
        assert!(store.get(b.expose()).is_some());
        store.purge_expired(200);
        assert!(store.get(b.expose()).is_none());
    }

    #[test]
    fn challenges_are_single_use_and_expire() {
        let store = ChallengeStore::default();
        let (tid, word) = store.issue(ScreenName::from_wire("123456"), 1000, 60);
        assert_eq!(word.len(), 10);
        assert!(store.take(&tid, 1001).is_some());
        assert!(store.take(&tid, 1001).is_none());
        let (tid, _) = store.issue(ScreenName::from_wire("123456"), 1000, 60);
        assert!(store.take(&tid, 1061).is_none());
    }

    #[test]
    fn tables_are_bounded_and_expired_tokens_purged_on_issue() {
        let challenges = ChallengeStore::default();
        for i in 0..(MAX_CHALLENGES + 10) {
            let _ = challenges.issue(ScreenName::from_wire(&format!("n{i}")), 1000, 60);
        }
        assert_eq!(challenges.len(), MAX_CHALLENGES);
        let tokens = TokenStore::default();
        let _ = tokens.issue(issued("Old", 150), 100);
        for _ in 0..(MAX_TOKENS_PER_ACCOUNT + 5) {
            let _ = tokens.issue(issued("Bob", 1000), 100);
        }
        assert_eq!(tokens.len(), MAX_TOKENS_PER_ACCOUNT + 1);
        // Old's token has expired by 200: issuing purges it.
        let _ = tokens.issue(issued("Carol", 1000), 200);
        assert_eq!(tokens.issued_to(&ScreenName::from_wire("Old")).len(), 0);
        assert_eq!(tokens.len(), MAX_TOKENS_PER_ACCOUNT + 1);
    }

    #[test]
    fn a_signature_is_used_once() {
        let used = UsedSignatures::default();
        assert!(used.first_use("sig", 100, 400));
        assert!(!used.first_use("sig", 101, 400));
        assert!(used.first_use("other", 101, 400));
    }
}
