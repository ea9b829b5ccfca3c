//! How a session signs on and how it behaves when the connection drops.

use std::sync::Arc;
use std::time::Duration;

use crate::auth::{Secret, ServerProfile};
use crate::credentials::CredentialStore;
use crate::screenname::ScreenName;

/// Which login service produces the BOS ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginMethod {
    /// HTTP `clientLogin` / `startOSCARSession` at the profile's URLs (reusing a stored token).
    Http,
    /// BUCP MD5 login on the FLAP auth host at this `host:port` (needs the password).
    Bucp(String),
}

/// When and how fast to reconnect after the BOS connection drops.
#[derive(Debug, Clone, PartialEq)]
pub struct ReconnectPolicy {
    /// Whether to reconnect at all (off: the first drop ends the session).
    pub enabled: bool,
    /// Delay before the first attempt; doubled for each further attempt.
    pub initial_delay: Duration,
    /// The longest delay between attempts.
    pub max_delay: Duration,
    /// Random spread applied to every delay, as a fraction (0.2 = ±20 %).
    pub jitter: f64,
    /// The least delay after the server says we sign on too often.
    pub rate_limited_delay: Duration,
    /// Give up after this many consecutive failed attempts (`None` = never).
    pub max_attempts: Option<u32>,
    /// Also retry when the very first sign-on fails for a reason worth retrying (the network,
    /// a server error), not only after a connection that once signed on dropped. The TUI sets
    /// it, so a failed start is retried with backoff instead of leaving a dead screen; `--send`
    /// and [`crate::session::connect`] leave it off, so the first failure ends them with its
    /// cause. A refused password is never retried either way.
    pub first_sign_on: bool,
}

impl Default for ReconnectPolicy {
    /// 1 s, 2 s, 4 s … capped at 60 s, ±20 %, at least 5 minutes when rate limited, forever.
    fn default() -> Self {
        ReconnectPolicy {
            enabled: true,
            initial_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(60),
            jitter: 0.2,
            rate_limited_delay: Duration::from_secs(300),
            max_attempts: None,
            first_sign_on: false,
        }
    }
}

impl ReconnectPolicy {
    /// A policy that never reconnects (`--send`, tests of the failure path).
    pub fn never() -> Self {
        ReconnectPolicy { enabled: false, ..Self::default() }
    }

    /// The delay before attempt `attempt` (from 1), without jitter.
    pub fn base_delay(&self, attempt: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempt.saturating_sub(1).min(30));
        self.initial_delay.saturating_mul(factor).min(self.max_delay)
    }

    /// The delay before attempt `attempt` with jitter; `rate_limited` stretches it to at least
    /// [`ReconnectPolicy::rate_limited_delay`].
    pub fn delay(&self, attempt: u32, rate_limited: bool) -> Duration {
        let base = self.base_delay(attempt);
        let spread = self.jitter.clamp(0.0, 1.0);
        let factor = 1.0 + rand::random_range(-spread..=spread);
        let jittered = base.mul_f64(factor.max(0.0));
        if rate_limited {
            jittered.max(self.rate_limited_delay)
        } else {
            jittered
        }
    }
}

pub use crate::tls::TlsOptions;

/// Asks for the password when it is needed and was not given: a stored token was refused and
/// the session has no password to fall back on. Runs on a blocking thread; `None` = none given.
pub type PasswordPrompt = Arc<dyn Fn() -> Option<Secret> + Send + Sync>;

/// Everything a session needs to sign on and stay signed on.
///
/// `Clone` by hand: the password is copied on purpose (the actor and its authenticator each
/// hold the configuration for the session's life); every copy is wiped when dropped.
pub struct SessionConfig {
    /// Who signs on.
    pub screen_name: ScreenName,
    /// The server's endpoints (HTTP URLs; the credential key uses `api_url`).
    pub server: ServerProfile,
    /// HTTP or BUCP.
    pub method: LoginMethod,
    /// The password, when the user gave one (kept only in memory, for re-login).
    pub password: Option<Secret>,
    /// Where the long-term HTTP token is kept between runs (`None`: only in memory).
    pub credentials: Option<Arc<dyn CredentialStore>>,
    /// Reconnection behaviour.
    pub reconnect: ReconnectPolicy,
    /// Whom to trust over TLS (BUCP and BOS): CA roots, a pinned certificate, or trust on
    /// first use.
    pub tls: TlsOptions,
    /// Whether TLS is asked for: `Some(true)` makes a BUCP login TLS from the first byte and
    /// asks `startOSCARSession` for a TLS BOS; `None` = TLS only when the API URL is https.
    pub request_tls: Option<bool>,
    /// Where BOS speaks TLS when TLS was asked for but the login answer names a plain BOS (a
    /// TLS terminator such as stunnel in front of the server); `host:port`.
    pub bos_tls: Option<String>,
    /// Present the cookie to a plain BOS even though TLS was asked for (the user's explicit
    /// opt-in for this server); otherwise such an answer is refused.
    pub allow_plain_bos: bool,
    /// Where to get the password once a stored token is refused and none was given (a
    /// terminal prompt for `--send`/`--listen`); `None` = fail with a message instead.
    pub password_prompt: Option<PasswordPrompt>,
    /// Tell the server we are idle (01/11) after this long without [`super::Command::Activity`];
    /// `None` never does (the default: only an interactive front end knows about input).
    pub idle_after: Option<std::time::Duration>,
    /// Fetch buddies' icons (BART, §15) and report them ([`super::Event::BuddyIcon`]); off by
    /// default, since only a front end that draws them wants the extra connection.
    pub buddy_icons: bool,
    /// Where downloaded icons are cached by hash (see [`crate::icon_cache`]); `None` keeps
    /// none on disk.
    pub icon_cache: Option<std::path::PathBuf>,
}

impl Clone for SessionConfig {
    fn clone(&self) -> Self {
        SessionConfig {
            screen_name: self.screen_name.clone(),
            server: self.server.clone(),
            method: self.method.clone(),
            password: self.password.as_ref().map(Secret::duplicate),
            credentials: self.credentials.clone(),
            reconnect: self.reconnect.clone(),
            tls: self.tls.clone(),
            request_tls: self.request_tls,
            bos_tls: self.bos_tls.clone(),
            allow_plain_bos: self.allow_plain_bos,
            password_prompt: self.password_prompt.clone(),
            idle_after: self.idle_after,
            buddy_icons: self.buddy_icons,
            icon_cache: self.icon_cache.clone(),
        }
    }
}

impl SessionConfig {
    /// An HTTP sign-on for `screen_name` at `server`, no password, no store, default reconnect.
    pub fn new(screen_name: ScreenName, server: ServerProfile) -> Self {
        SessionConfig {
            screen_name,
            server,
            method: LoginMethod::Http,
            password: None,
            credentials: None,
            reconnect: ReconnectPolicy::default(),
            tls: TlsOptions::default(),
            request_tls: None,
            bos_tls: None,
            allow_plain_bos: false,
            password_prompt: None,
            idle_after: None,
            buddy_icons: false,
            icon_cache: None,
        }
    }

    /// Fetches buddy icons, cached in `cache` (see [`SessionConfig::buddy_icons`]).
    pub fn with_buddy_icons(mut self, cache: Option<std::path::PathBuf>) -> Self {
        self.buddy_icons = true;
        self.icon_cache = cache;
        self
    }

    /// Reports idle time after `after` without input (see [`SessionConfig::idle_after`]).
    pub fn with_idle_after(mut self, after: Option<std::time::Duration>) -> Self {
        self.idle_after = after;
        self
    }

    /// Sets the password.
    pub fn with_password(mut self, password: impl Into<Secret>) -> Self {
        self.password = Some(password.into());
        self
    }

    /// Sets what asks for the password when a stored token is refused and none was given.
    pub fn with_password_prompt(mut self, prompt: PasswordPrompt) -> Self {
        self.password_prompt = Some(prompt);
        self
    }

    /// Sets the credential store for the long-term token.
    pub fn with_credentials(mut self, store: Arc<dyn CredentialStore>) -> Self {
        self.credentials = Some(store);
        self
    }

    /// Sets the login method.
    pub fn with_method(mut self, method: LoginMethod) -> Self {
        self.method = method;
        self
    }

    /// Sets the reconnect policy.
    pub fn with_reconnect(mut self, policy: ReconnectPolicy) -> Self {
        self.reconnect = policy;
        self
    }

    /// Trusts one more DER certificate as a root for BOS TLS.
    pub fn with_extra_root(mut self, der: Vec<u8>) -> Self {
        self.tls.extra_roots.push(der);
        self
    }
}

impl std::fmt::Debug for SessionConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionConfig")
            .field("screen_name", &self.screen_name)
            .field("server", &self.server.name)
            .field("method", &self.method)
            .field("password", &self.password.as_ref().map(|_| "…"))
            .field("credentials", &self.credentials.is_some())
            .field("reconnect", &self.reconnect)
            .field("extra_roots", &self.tls.extra_roots.len())
            .field("pin", &self.tls.pin.is_some())
            .field("known_hosts", &self.tls.known_hosts)
            .field("request_tls", &self.request_tls)
            .field("bos_tls", &self.bos_tls)
            .field("allow_plain_bos", &self.allow_plain_bos)
            .field("password_prompt", &self.password_prompt.is_some())
            .field("buddy_icons", &self.buddy_icons)
            .field("icon_cache", &self.icon_cache)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_caps_and_jitters() {
        let p = ReconnectPolicy::default();
        let base: Vec<u64> = (1..=8).map(|a| p.base_delay(a).as_secs()).collect();
        assert_eq!(base, [1, 2, 4, 8, 16, 32, 60, 60]);
        assert_eq!(p.base_delay(u32::MAX), Duration::from_secs(60));
        for attempt in 1..10 {
            let d = p.delay(attempt, false).as_secs_f64();
            let b = p.base_delay(attempt).as_secs_f64();
            assert!(d >= b * 0.8 - 1e-9 && d <= b * 1.2 + 1e-9, "{d} vs {b}");
        }
        assert!(p.delay(1, true) >= Duration::from_secs(300));
    }
}
