//! Long-term sign-on credentials kept in the OS keyring (the Secret Service on Linux).
//!
//! ICQ's own client kept the long-term token and session key after the first sign-on and asked
//! for the password only when they went stale; flapjack does the same. What is stored is an
//! opaque string chosen by the caller (the serialized token and session key, never the
//! password), one entry per server and screen name. When no Secret Service is running, the
//! store says so once and keeps nothing: there is no plaintext fallback.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use crate::screenname::ScreenName;

/// The keyring service name under which every flapjack entry is filed.
pub const KEYRING_SERVICE: &str = "flapjack";

/// Identifies one stored credential: which server, which account.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CredentialKey {
    server: String,
    account: String,
}

impl CredentialKey {
    /// Builds the key for an account on a server; the server is identified by its sign-on URL
    /// or address so that the same screen name on two servers gets two entries.
    pub fn new(server: &str, account: &ScreenName) -> Self {
        Self {
            server: server.trim_end_matches('/').to_string(),
            account: account.normalized().to_string(),
        }
    }

    /// The keyring "user" attribute: `screenname@server`, readable in a keyring browser.
    pub fn keyring_user(&self) -> String {
        format!("{}@{}", self.account, self.server)
    }
}

/// Why the keyring could not be used.
#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    /// No Secret Service answered on the session bus (none running, or no session bus).
    #[error("no keyring available ({0}); long-term tokens will not be kept")]
    Unavailable(String),
    /// The keyring answered but refused or failed the operation.
    #[error("keyring error: {0}")]
    Keyring(String),
}

/// Somewhere to keep long-term credentials between runs.
pub trait CredentialStore: Send + Sync {
    /// Returns the stored value for `key`, if any.
    fn load(&self, key: &CredentialKey) -> Result<Option<String>, CredentialError>;
    /// Stores `value` for `key`, replacing what was there.
    fn save(&self, key: &CredentialKey, value: &str) -> Result<(), CredentialError>;
    /// Removes the entry; returns whether there was one.
    fn delete(&self, key: &CredentialKey) -> Result<bool, CredentialError>;
}

/// The OS keyring through the `keyring` crate (Secret Service over pure-Rust D-Bus on Linux).
///
/// Calls block on D-Bus round trips: from async code, call them inside
/// `tokio::task::spawn_blocking`.
#[derive(Debug, Default)]
pub struct KeyringStore {
    warned: AtomicBool,
}

impl KeyringStore {
    /// A store backed by the platform keyring.
    pub fn new() -> Self {
        Self::default()
    }

    fn entry(&self, key: &CredentialKey) -> Result<keyring::Entry, CredentialError> {
        keyring::Entry::new(KEYRING_SERVICE, &key.keyring_user()).map_err(|e| self.classify(e))
    }

    /// Maps keyring errors, logging "no keyring" once per store rather than on every call.
    fn classify(&self, err: keyring::Error) -> CredentialError {
        match err {
            keyring::Error::PlatformFailure(e) | keyring::Error::NoStorageAccess(e) => {
                let text = e.to_string();
                if !self.warned.swap(true, Ordering::Relaxed) {
                    tracing::warn!("no usable keyring: {text}; long-term tokens will not be kept");
                }
                CredentialError::Unavailable(text)
            }
            other => CredentialError::Keyring(other.to_string()),
        }
    }
}

impl CredentialStore for KeyringStore {
    fn load(&self, key: &CredentialKey) -> Result<Option<String>, CredentialError> {
        match self.entry(key)?.get_password() {
            Ok(v) => Ok(Some(v)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(self.classify(e)),
        }
    }

    fn save(&self, key: &CredentialKey, value: &str) -> Result<(), CredentialError> {
        self.entry(key)?.set_password(value).map_err(|e| self.classify(e))
    }

    fn delete(&self, key: &CredentialKey) -> Result<bool, CredentialError> {
        match self.entry(key)?.delete_credential() {
            Ok(()) => Ok(true),
            Err(keyring::Error::NoEntry) => Ok(false),
            Err(e) => Err(self.classify(e)),
        }
    }
}

/// A store that lives only as long as the process: for tests, and for `--no-keyring`.
#[derive(Debug, Default)]
pub struct MemoryStore {
    entries: Mutex<HashMap<CredentialKey, String>>,
}

impl MemoryStore {
    /// An empty in-memory store.
    pub fn new() -> Self {
        Self::default()
    }
}

impl CredentialStore for MemoryStore {
    fn load(&self, key: &CredentialKey) -> Result<Option<String>, CredentialError> {
        Ok(self.entries.lock().map_err(|_| poisoned())?.get(key).cloned())
    }

    fn save(&self, key: &CredentialKey, value: &str) -> Result<(), CredentialError> {
        self.entries.lock().map_err(|_| poisoned())?.insert(key.clone(), value.to_string());
        Ok(())
    }

    fn delete(&self, key: &CredentialKey) -> Result<bool, CredentialError> {
        Ok(self.entries.lock().map_err(|_| poisoned())?.remove(key).is_some())
    }
}

fn poisoned() -> CredentialError {
    CredentialError::Keyring("in-memory store lock poisoned".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_normalize_the_account_and_keep_servers_apart() {
        let a =
            CredentialKey::new("http://127.0.0.1:8080/", &ScreenName::parse("Bob Smith").unwrap());
        let b =
            CredentialKey::new("http://127.0.0.1:8080", &ScreenName::parse("bobsmith").unwrap());
        let c = CredentialKey::new(
            "https://api.login.icq.net",
            &ScreenName::parse("bobsmith").unwrap(),
        );
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(a.keyring_user(), "bobsmith@http://127.0.0.1:8080");
    }

    #[test]
    fn memory_store_round_trips() {
        let store = MemoryStore::new();
        let key = CredentialKey::new("local", &ScreenName::parse("alice").unwrap());
        assert_eq!(store.load(&key).unwrap(), None);
        store.save(&key, "v1").unwrap();
        store.save(&key, "v2").unwrap();
        assert_eq!(store.load(&key).unwrap().as_deref(), Some("v2"));
        assert!(store.delete(&key).unwrap());
        assert!(!store.delete(&key).unwrap());
    }
}
