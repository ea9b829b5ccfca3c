//! The one place the command line keeps, finds and forgets long-term sign-on tokens.
//!
//! `login` keeps the token, a session reuses it, `logout` forgets it; all three go through
//! [`TokenStore`], so they agree on the key (server and normalized screen name) and on when
//! the keyring is not used at all: with `--no-keyring`, and for BUCP, which has no token.
//! Only the serialized token and session key are stored, never the password.

use std::sync::Arc;

use crate::auth::StoredToken;
use crate::credentials::{CredentialError, CredentialKey, CredentialStore};
use crate::session::LoginMethod;

use super::profile::Target;

/// Why the token store could not be used.
#[derive(Debug, thiserror::Error)]
pub enum TokenStoreError {
    /// The keyring refused the operation or is not there.
    #[error(transparent)]
    Credential(#[from] CredentialError),
    /// The blocking keyring call never returned an answer (its task panicked or was cancelled).
    #[error("keyring task failed: {0}")]
    Task(String),
    /// The token could not be serialized for storage.
    #[error("cannot serialize the sign-on token: {0}")]
    Serialize(String),
}

/// One account's slot in a credential store: the store plus the key the token lives under.
#[derive(Clone)]
pub struct TokenStore {
    store: Arc<dyn CredentialStore>,
    key: CredentialKey,
}

impl std::fmt::Debug for TokenStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenStore").field("key", &self.key).finish_non_exhaustive()
    }
}

impl TokenStore {
    /// The slot for `target`'s account in `store` (the OS keyring, or memory in tests).
    pub fn new(store: Arc<dyn CredentialStore>, target: &Target) -> Self {
        Self { store, key: target.credential_key() }
    }

    /// Whether signing on reads and keeps tokens at all: not with `--no-keyring`, and only for
    /// the HTTP sign-on (BUCP has no long-term token).
    pub fn used_for(no_keyring: bool, target: &Target) -> bool {
        !no_keyring && target.method == LoginMethod::Http
    }

    /// The store a session hands its token to, keyed the same way by the session itself.
    pub fn credentials(&self) -> Arc<dyn CredentialStore> {
        Arc::clone(&self.store)
    }

    /// Whether a token is kept for this account; also proves the store answers.
    pub async fn has_token(&self) -> Result<bool, TokenStoreError> {
        let found = self.blocking(|store, key| store.load(key)).await?;
        Ok(found.is_some())
    }

    /// Keeps `token` (never the password) for this account, replacing any older one.
    pub async fn keep(&self, token: &StoredToken) -> Result<(), TokenStoreError> {
        let value =
            serde_json::to_string(token).map_err(|e| TokenStoreError::Serialize(e.to_string()))?;
        self.blocking(move |store, key| store.save(key, &value)).await
    }

    /// Forgets this account's token; returns whether there was one.
    pub async fn forget(&self) -> Result<bool, TokenStoreError> {
        self.blocking(|store, key| store.delete(key)).await
    }

    /// Opens the store for signing on: `None` when [`TokenStore::used_for`] says no, an error
    /// when the store does not answer (the caller decides whether and where to say so: signing
    /// on goes on without it). Otherwise the store and whether it holds a token for this
    /// account.
    pub async fn open_for_sign_on(
        store: Arc<dyn CredentialStore>,
        no_keyring: bool,
        target: &Target,
    ) -> Result<Option<(Self, bool)>, TokenStoreError> {
        if !Self::used_for(no_keyring, target) {
            return Ok(None);
        }
        let tokens = Self::new(store, target);
        let found = tokens.has_token().await?;
        Ok(Some((tokens, found)))
    }

    /// Runs one store call off the async threads: the OS keyring blocks on D-Bus.
    async fn blocking<T: Send + 'static>(
        &self,
        op: impl FnOnce(&dyn CredentialStore, &CredentialKey) -> Result<T, CredentialError>
            + Send
            + 'static,
    ) -> Result<T, TokenStoreError> {
        let store = Arc::clone(&self.store);
        let key = self.key.clone();
        let answer = tokio::task::spawn_blocking(move || op(store.as_ref(), &key))
            .await
            .map_err(|e| TokenStoreError::Task(e.to_string()))?;
        answer.map_err(TokenStoreError::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::{Secret, ServerProfile};
    use crate::credentials::MemoryStore;
    use crate::screenname::ScreenName;

    fn target(method: LoginMethod) -> Target {
        Target {
            screen_name: ScreenName::parse("Flapjack Fan").unwrap(),
            profile: ServerProfile::local(),
            method,
            request_tls: None,
            tls: Default::default(),
            bos_tls: None,
            allow_plain_bos: false,
        }
    }

    fn token() -> StoredToken {
        StoredToken {
            screen_name: "Flapjack Fan".into(),
            token: Secret::new("long-term-a"),
            expires_at: 1,
            session_key: Secret::new("session-key"),
            host_time_offset: 0,
        }
    }

    /// A store that behaves like a machine without a Secret Service.
    struct NoKeyring;

    impl CredentialStore for NoKeyring {
        fn load(&self, _: &CredentialKey) -> Result<Option<String>, CredentialError> {
            Err(CredentialError::Unavailable("no session bus".into()))
        }
        fn save(&self, _: &CredentialKey, _: &str) -> Result<(), CredentialError> {
            Err(CredentialError::Unavailable("no session bus".into()))
        }
        fn delete(&self, _: &CredentialKey) -> Result<bool, CredentialError> {
            Err(CredentialError::Keyring("locked".into()))
        }
    }

    #[test]
    fn tokens_are_used_only_for_http_without_no_keyring() {
        let http = target(LoginMethod::Http);
        let bucp = target(LoginMethod::Bucp("127.0.0.1:5191".into()));
        assert!(TokenStore::used_for(false, &http));
        assert!(!TokenStore::used_for(true, &http));
        assert!(!TokenStore::used_for(false, &bucp));
    }

    #[tokio::test]
    async fn keep_find_and_forget_share_one_key() {
        let memory = Arc::new(MemoryStore::new());
        let http = target(LoginMethod::Http);
        let tokens = TokenStore::new(memory.clone(), &http);
        assert!(!tokens.has_token().await.unwrap());
        tokens.keep(&token()).await.unwrap();

        let stored = memory.load(&http.credential_key()).unwrap().unwrap();
        let back: StoredToken = serde_json::from_str(&stored).unwrap();
        assert_eq!(back, token(), "the session can read what login kept");

        let (opened, found) =
            TokenStore::open_for_sign_on(memory.clone(), false, &http).await.unwrap().unwrap();
        assert!(found);
        assert!(Arc::ptr_eq(&opened.credentials(), &(memory.clone() as Arc<dyn CredentialStore>)));
        assert!(tokens.forget().await.unwrap());
        assert!(!tokens.forget().await.unwrap(), "a second logout finds nothing");
    }

    #[tokio::test]
    async fn sign_on_skips_the_store_when_told_or_when_it_cannot_help() {
        let memory: Arc<dyn CredentialStore> = Arc::new(MemoryStore::new());
        let http = target(LoginMethod::Http);
        let bucp = target(LoginMethod::Bucp("127.0.0.1:5191".into()));
        assert!(TokenStore::open_for_sign_on(memory.clone(), true, &http).await.unwrap().is_none());
        assert!(TokenStore::open_for_sign_on(memory.clone(), false, &bucp)
            .await
            .unwrap()
            .is_none());
        let (_, found) = TokenStore::open_for_sign_on(memory, false, &http).await.unwrap().unwrap();
        assert!(!found);
        let missing = TokenStore::open_for_sign_on(Arc::new(NoKeyring), false, &http).await;
        assert!(matches!(
            missing,
            Err(TokenStoreError::Credential(CredentialError::Unavailable(_)))
        ));
    }

    #[tokio::test]
    async fn a_missing_keyring_is_explained_once_and_never_fatal_to_sign_on() {
        let tokens = TokenStore::new(Arc::new(NoKeyring), &target(LoginMethod::Http));
        let probe = tokens.has_token().await.unwrap_err();
        let note = crate::words::keyring_note(&probe).unwrap();
        assert_eq!(
            note,
            "note: no keyring available (no session bus); signing on without keeping a \
             long-term token"
        );
        let kept = tokens.keep(&token()).await.unwrap_err();
        assert!(matches!(kept, TokenStoreError::Credential(CredentialError::Unavailable(_))));
        let forgot = tokens.forget().await.unwrap_err();
        assert_eq!(forgot.to_string(), "keyring error: locked");
        assert_eq!(
            crate::words::keyring_note(&forgot).as_deref(),
            Some("note: keyring error: locked; signing on without the keyring")
        );
    }

    #[test]
    fn debug_output_names_the_slot_not_the_store() {
        let tokens = TokenStore::new(Arc::new(MemoryStore::new()), &target(LoginMethod::Http));
        assert!(format!("{tokens:?}").contains("flapjackfan"));
    }
}
