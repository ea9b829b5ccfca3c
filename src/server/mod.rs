//! The embedded loopback server that every integration test (and `flapjack serve`) signs on to.
//!
//! This module holds what all its halves share: the configuration, the clock, the accounts,
//! the issued tokens and BOS cookies, and counters tests read. [`http`] serves the HTTP
//! sign-on (`clientLogin`, `getChallenge`, `startOSCARSession`) and checks it as strictly as
//! AOL did. The BOS and BUCP listeners bind next to it in [`Server::start`] and use the same
//! [`ServerState`]: BOS redeems the cookies `startOSCARSession` issues through
//! [`ServerState::cookies`].

pub mod accounts;
pub mod cookies;
pub mod http;
pub mod tokens;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

pub use accounts::{Account, Accounts, AccountsError};
pub use cookies::CookieStore;
pub use tokens::{ChallengeStore, IssuedToken, TokenStore};

use crate::auth::Secret;
use crate::screenname::ScreenName;

pub use crate::auth::profile::LOCAL_DEV_ID;
/// How far `ts` may be from the server's clock, in seconds (AOL allowed five minutes).
pub const TS_WINDOW: u64 = 300;

/// The server's clock: the system clock plus an adjustable offset, so tests can make `ts`
/// stale or tokens expire without sleeping.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    offset: Arc<AtomicI64>,
}

impl Clock {
    /// The system clock with no offset.
    pub fn system() -> Self {
        Self::default()
    }

    /// Unix seconds now, as the server sees it.
    pub fn now(&self) -> i64 {
        let system = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
            .unwrap_or(0);
        system.saturating_add(self.offset.load(Ordering::Relaxed))
    }

    /// Moves the server's clock by `seconds` (negative goes back); all clones see it.
    pub fn advance(&self, seconds: i64) {
        self.offset.fetch_add(seconds, Ordering::Relaxed);
    }
}

/// How to run the embedded server.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Where the HTTP sign-on listens; port 0 picks a free port.
    pub http_listen: SocketAddr,
    /// The BOS address advertised by `startOSCARSession` (and, once the BOS half exists,
    /// where it listens).
    pub bos_listen: SocketAddr,
    /// The certificate name to advertise when a client asks for TLS and BOS offers it.
    pub bos_tls_cert_name: Option<String>,
    /// Who may sign on.
    pub accounts: Accounts,
    /// Accepted developer keys (`devId`, `k`).
    pub dev_keys: Vec<String>,
    /// Lifetime of long-term tokens, seconds.
    pub token_lifetime: i64,
    /// The server's clock.
    pub clock: Clock,
    /// `clientLogin` attempts allowed per screen name per minute before answering 607, as
    /// AOL throttled repeated sign-ons; `None` disables the limit.
    pub max_logins_per_minute: Option<usize>,
}

impl ServerConfig {
    /// Loopback defaults (HTTP 127.0.0.1:8080, BOS 127.0.0.1:5190), the demo accounts, the
    /// local and Pidgin developer keys, and a one-day token lifetime.
    pub fn new(accounts: Accounts) -> Self {
        Self {
            http_listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            bos_listen: SocketAddr::from(([127, 0, 0, 1], 5190)),
            bos_tls_cert_name: None,
            accounts,
            dev_keys: vec![
                LOCAL_DEV_ID.to_string(),
                "ma19CwYN9i9Mw5nY".to_string(),
                "ma15d7JTxbmVG-RP".to_string(),
            ],
            token_lifetime: 86_400,
            clock: Clock::system(),
            max_logins_per_minute: Some(30),
        }
    }

    /// The configuration tests use: every listener on `127.0.0.1:0`.
    pub fn for_tests(accounts: Accounts) -> Self {
        let mut config = Self::new(accounts);
        config.http_listen = SocketAddr::from(([127, 0, 0, 1], 0));
        config
    }
}

/// Counts `clientLogin` attempts per screen name over the last minute.
#[derive(Debug, Default)]
pub struct RateLimiter {
    attempts: std::sync::Mutex<std::collections::HashMap<String, Vec<i64>>>,
}

impl RateLimiter {
    /// Records an attempt by `name` at `now` and says whether it is within `limit` per minute.
    pub fn allow(&self, name: &str, now: i64, limit: Option<usize>) -> bool {
        let Some(limit) = limit else { return true };
        let Ok(mut attempts) = self.attempts.lock() else { return true };
        attempts.retain(|_, times| times.iter().any(|t| now - t < 60));
        let times =
            attempts.entry(ScreenName::from_wire(name).normalized().to_string()).or_default();
        times.retain(|t| now - t < 60);
        if times.len() >= limit {
            return false;
        }
        times.push(now);
        true
    }
}

/// How many requests of each kind the server handled, so tests can check what really ran
/// (for example that a stored token skipped `clientLogin`).
#[derive(Debug, Default)]
pub struct Counters {
    /// `clientLogin` requests, successful or not.
    pub client_login: AtomicU64,
    /// `getChallenge` requests.
    pub get_challenge: AtomicU64,
    /// `startOSCARSession` requests.
    pub start_session: AtomicU64,
    /// Requests refused with an error status.
    pub rejected: AtomicU64,
}

impl Counters {
    /// Reads one counter.
    pub fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::Relaxed)
    }
}

/// Everything the server's halves share.
#[derive(Debug)]
pub struct ServerState {
    /// The configuration it was started with.
    pub config: ServerConfig,
    /// Issued long-term tokens.
    pub tokens: TokenStore,
    /// Outstanding ICQ challenges.
    pub challenges: ChallengeStore,
    /// Outstanding BOS cookies.
    pub cookies: CookieStore,
    /// Request counters.
    pub counters: Counters,
    /// The BOS address `startOSCARSession` advertises.
    pub bos_addr: SocketAddr,
    /// Recent `clientLogin` attempts, for the rate limit.
    pub rate: RateLimiter,
}

impl ServerState {
    /// Builds the shared state for `config`, advertising `bos_addr` for BOS.
    pub fn new(config: ServerConfig, bos_addr: SocketAddr) -> Self {
        Self {
            config,
            tokens: TokenStore::default(),
            challenges: ChallengeStore::default(),
            cookies: CookieStore::default(),
            counters: Counters::default(),
            bos_addr,
            rate: RateLimiter::default(),
        }
    }

    /// The server's clock now.
    pub fn now(&self) -> i64 {
        self.config.clock.now()
    }

    /// Revokes every token of `screen_name`, so the next `startOSCARSession` is refused.
    pub fn revoke_tokens(&self, screen_name: &str) -> usize {
        self.tokens.revoke(&ScreenName::from_wire(screen_name))
    }

    /// Redeems a BOS cookie presented in a channel-1 hello: the account it was issued to, once,
    /// and only within [`cookies::COOKIE_LIFETIME`] of `startOSCARSession`.
    pub fn redeem_cookie(&self, cookie: &[u8]) -> Option<Account> {
        let name = self.cookies.redeem(cookie, self.now())?;
        self.config.accounts.get(name.as_str()).cloned()
    }

    /// `clientLogin` requests handled so far.
    pub fn client_login_count(&self) -> u64 {
        Counters::get(&self.counters.client_login)
    }

    /// `startOSCARSession` requests handled so far.
    pub fn start_session_count(&self) -> u64 {
        Counters::get(&self.counters.start_session)
    }

    /// Every secret issued to `screen_name` still known to the server (tokens, session
    /// secrets, session keys, pending cookies in base64 and hex), so tests can assert that none
    /// of them appears in a client's output.
    pub fn secrets_issued_to(&self, screen_name: &str) -> Vec<Secret> {
        use base64::Engine as _;
        let name = ScreenName::from_wire(screen_name);
        let mut out = Vec::new();
        for (a, issued) in self.tokens.issued_to(&name) {
            out.push(a);
            out.push(issued.session_secret);
            out.push(issued.session_key);
        }
        for cookie in self.cookies.outstanding_for(&name) {
            out.push(Secret::new(base64::engine::general_purpose::STANDARD.encode(&cookie)));
            out.push(Secret::new(hex::encode(&cookie)));
        }
        out
    }
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// A listener could not bind.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
}

/// The embedded server's entry point.
#[derive(Debug)]
pub struct Server;

impl Server {
    /// Binds every listener and starts serving in background tasks; returns once bound, so the
    /// caller can read the real addresses (port 0 in tests).
    pub async fn start(config: ServerConfig) -> Result<ServerHandle, ServerError> {
        let http_listener = tokio::net::TcpListener::bind(config.http_listen)
            .await
            .map_err(|source| ServerError::Bind { addr: config.http_listen, source })?;
        let http_addr = http_listener
            .local_addr()
            .map_err(|source| ServerError::Bind { addr: config.http_listen, source })?;
        let bos_addr = config.bos_listen;
        let state = Arc::new(ServerState::new(config, bos_addr));
        let (shutdown_tx, shutdown_rx) = tokio::sync::watch::channel(false);
        let task = tokio::spawn(http::serve(http_listener, Arc::clone(&state), shutdown_rx));
        Ok(ServerHandle { state, http_addr, shutdown: shutdown_tx, tasks: vec![task] })
    }
}

/// A running server: its addresses, its state, and the means to stop it.
#[derive(Debug)]
pub struct ServerHandle {
    state: Arc<ServerState>,
    http_addr: SocketAddr,
    shutdown: tokio::sync::watch::Sender<bool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl ServerHandle {
    /// The bound HTTP sign-on address.
    pub fn http_addr(&self) -> SocketAddr {
        self.http_addr
    }

    /// The BOS address advertised to clients.
    pub fn bos_addr(&self) -> SocketAddr {
        self.state.bos_addr
    }

    /// The shared state (accounts, tokens, cookies, counters, clock).
    pub fn state(&self) -> &Arc<ServerState> {
        &self.state
    }

    /// Stops every listener and waits for them to finish.
    pub async fn shutdown(self) {
        let _ = self.shutdown.send(true);
        for task in self.tasks {
            let _ = task.await;
        }
    }
}
