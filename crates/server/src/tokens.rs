//! Long-term tokens and ICQ challenges the embedded server has issued.

use std::collections::HashMap;
use std::sync::Mutex;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;

use crate::screenname::ScreenName;
use flapjack_proto::secret::Secret;

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
    /// Issues a fresh random token for `issued` and returns `a`; random bytes in standard
    /// base64, so `+ / =` exercise the client's encoding as AOL's tokens did.
    pub fn issue(&self, issued: IssuedToken) -> Secret {
        let a = B64.encode(random_bytes::<48>());
        if let Ok(mut tokens) = self.tokens.lock() {
            tokens.insert(a.clone(), issued);
        }
        Secret::new(a)
    }

    /// Issues a token in URL-safe base64 with padding, as Open OSCAR Server's are.
    pub fn issue_url_safe(&self, issued: IssuedToken) -> Secret {
        use base64::engine::general_purpose::URL_SAFE;
        let a = URL_SAFE.encode(random_bytes::<48>());
        if let Ok(mut tokens) = self.tokens.lock() {
            tokens.insert(a.clone(), issued);
        }
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

    /// Drops tokens that expired before `now`, so a long-running server does not grow.
    pub fn purge_expired(&self, now: i64) {
        if let Ok(mut tokens) = self.tokens.lock() {
            tokens.retain(|_, t| t.expires_at > now);
        }
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
        let a = store.issue(issued("Bob", 100));
        let b = store.issue(issued("alice", 100));
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
}
