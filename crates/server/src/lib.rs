//! The embedded loopback server that every integration test (and `flapjack serve`) signs on to.
//! It depends on the shared layer (`flapjack-proto`) only, never on the client.
//!
//! This crate root holds what all its halves share: the configuration, the clock, the accounts,
//! the issued tokens and BOS cookies, and counters tests read. Machinery only tests use (fault
//! plans, the counters' values, the record of secrets issued) needs the `test-support` feature;
//! the fuzz entry points need `cfg(fuzzing)` or the `fuzzing` feature. [`http`] serves the HTTP
//! sign-on (`clientLogin`, `getChallenge`, `startOSCARSession`) and checks it as strictly as
//! AOL did. The BOS and BUCP listeners bind next to it in [`Server::start`], share one accept loop
//! ([`listen`]) and use the same
//! [`ServerState`]: BOS redeems the cookies `startOSCARSession` (or BUCP) issues through
//! [`ServerState::cookies`]; [`bos`] routes presence and IMs between sessions, [`bucp`] is the
//! MD5 login host, [`store`] keeps feedbags and offline IMs (optionally on disk), and [`bot`]
//! answers IMs to the demo bot accounts.

pub mod accounts;
pub mod bos;
pub mod bot;
pub mod bucp;
pub mod cookies;
#[cfg(feature = "test-support")]
pub mod faults;
#[cfg(any(fuzzing, feature = "fuzzing"))]
#[doc(hidden)]
pub mod fuzzing;
pub mod guard;
pub mod http;
pub mod httplisten;
pub mod listen;
pub mod oos;
pub mod store;
pub mod tokens;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
#[cfg(feature = "test-support")]
use std::sync::atomic::AtomicU64;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
#[cfg(feature = "test-support")]
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

pub use accounts::{Account, Accounts, AccountsError};
pub use bos::ratelimit::RateClasses;
pub use bos::services::Service;
pub use bos::{Disconnect, Hub};
pub use bot::{BotBrain, BotFactory, BotReply, EchoBrain};
pub use cookies::CookieStore;
pub use guard::LoginThrottle;
pub use tokens::{ChallengeStore, IssuedToken, TokenStore, UsedSignatures};

use flapjack_proto::screenname::ScreenName;
#[cfg(feature = "test-support")]
use flapjack_proto::secret::Secret;

pub use flapjack_proto::webapi::{WebApi, LOCAL_DEV_ID};

// The shared layer, under the names the server's modules have always used.
use flapjack_proto::{oscar, screenname, text};
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
    /// Where BOS listens; the bound address (port 0 picks one) is what `startOSCARSession`
    /// and BUCP advertise.
    pub bos_listen: SocketAddr,
    /// When set, BOS also speaks TLS (a client starting a TLS handshake gets one) with a
    /// self-signed certificate for this name, advertised as `tlsCertName`.
    pub bos_tls_cert_name: Option<String>,
    /// A certificate and key to speak TLS with on BOS and BUCP (`flapjack serve --tls-cert
    /// --tls-key`): a client whose first byte starts a TLS handshake gets one, anyone else
    /// plain FLAP on the same port. Takes precedence over `bos_tls_cert_name`'s self-signed one.
    pub tls_identity: Option<TlsIdentity>,
    /// Answer BUCP logins as Open OSCAR Server behind stunnel does: SSL state 0 and the plain
    /// BOS address even to a client that came over TLS (tests of the client's no-downgrade
    /// rule, §4.10).
    #[cfg(feature = "test-support")]
    pub bucp_like_oos_behind_stunnel: bool,
    /// Where the BUCP (MD5) login host listens; port 0 picks a free port.
    pub bucp_listen: SocketAddr,
    /// The BOS address `startOSCARSession` and BUCP advertise instead of the bound one, for a
    /// proxy in front of BOS (the round-trip benches delay every hop); `None` = the bound one.
    pub advertised_bos: Option<SocketAddr>,
    /// Where feedbags and offline IMs are kept (one JSON file per account); `None` = memory.
    pub data_dir: Option<PathBuf>,
    /// The rate classes sent in 01/07 and enforced on every BOS connection.
    pub rate_classes: RateClasses,
    /// Largest IM message data accepted (and announced in 04/05), bytes.
    pub max_message_size: u16,
    /// Frames queued for one BOS session before it is considered dead and dropped.
    pub outbound_queue: usize,
    /// Makes the brain that answers IMs to `bot = true` accounts; `None` leaves bots silent.
    pub bot_brain: Option<BotFactory>,
    /// The server's public chat rooms (exchange 5), with the bots that live in them.
    pub public_rooms: Vec<PublicRoom>,
    /// Who may sign on.
    pub accounts: Accounts,
    /// Accepted developer keys (`devId`, `k`).
    pub dev_keys: Vec<String>,
    /// Lifetime of long-term tokens, seconds.
    pub token_lifetime: i64,
    /// The server's clock.
    pub clock: Clock,
    /// Sign-on attempts (`clientLogin`, BUCP) allowed per screen name from one source address
    /// per minute before answering "signing on too often" (607), as AOL throttled repeated
    /// sign-ons; `None` disables this limit (the failure throttle of [`guard`] stays).
    pub max_logins_per_minute: Option<usize>,
    /// Cut BOS connections at seeded random points (tests of reconnects); `None` = never.
    #[cfg(feature = "test-support")]
    pub fault_injection: Option<faults::FaultPlan>,
    /// Which web API the HTTP listener speaks: AOL's sign-on, or Open OSCAR Server's
    /// (`clientLogin` → `startSession` → `startOSCARSession`, see [`oos`]).
    pub web_api: WebApi,
    /// Whether the AIM directory (ODir, §16) is offered; without it 01/04 for family 0x0F is
    /// refused, as by servers that have none.
    pub directory: bool,
}

impl ServerConfig {
    /// Loopback defaults (HTTP 127.0.0.1:8080, BOS 127.0.0.1:5190, BUCP 127.0.0.1:5191), AOL's
    /// rate classes, in-memory storage, the local and Pidgin developer keys, and a one-day
    /// token lifetime.
    pub fn new(accounts: Accounts) -> Self {
        Self {
            http_listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            bos_listen: SocketAddr::from(([127, 0, 0, 1], 5190)),
            bos_tls_cert_name: None,
            tls_identity: None,
            #[cfg(feature = "test-support")]
            bucp_like_oos_behind_stunnel: false,
            bucp_listen: SocketAddr::from(([127, 0, 0, 1], 5191)),
            advertised_bos: None,
            data_dir: None,
            rate_classes: RateClasses::aol(),
            max_message_size: 8000,
            outbound_queue: 1024,
            bot_brain: None,
            public_rooms: Vec::new(),
            accounts,
            dev_keys: vec![
                LOCAL_DEV_ID.to_string(),
                "ma19CwYN9i9Mw5nY".to_string(),
                "ma15d7JTxbmVG-RP".to_string(),
            ],
            token_lifetime: 86_400,
            clock: Clock::system(),
            max_logins_per_minute: Some(30),
            #[cfg(feature = "test-support")]
            fault_injection: None,
            web_api: WebApi::Aol,
            directory: true,
        }
    }

    /// The configuration tests use: every listener on `127.0.0.1:0`.
    pub fn for_tests(accounts: Accounts) -> Self {
        let mut config = Self::new(accounts);
        let any = SocketAddr::from(([127, 0, 0, 1], 0));
        config.http_listen = any;
        config.bos_listen = any;
        config.bucp_listen = any;
        config
    }
}

/// One event counter that tests read. With the `test-support` feature it is an atomic; without
/// it, it is zero-sized and counting compiles to nothing, so the product keeps no numbers that
/// nothing in it reads (none of these feeds a log line or a decision).
#[derive(Debug, Default)]
pub struct Count(#[cfg(feature = "test-support")] AtomicU64);

impl Count {
    /// Counts `n` more, with the atomic's memory `order` (call sites read like `AtomicU64`'s).
    #[inline]
    pub fn fetch_add(&self, n: u64, order: Ordering) {
        #[cfg(feature = "test-support")]
        self.0.fetch_add(n, order);
        #[cfg(not(feature = "test-support"))]
        let _ = (n, order);
    }

    /// The count so far.
    #[cfg(feature = "test-support")]
    pub fn load(&self, order: Ordering) -> u64 {
        self.0.load(order)
    }
}

/// How many requests of each kind the server handled, so tests can check what really ran
/// (for example that a stored token skipped `clientLogin`).
#[derive(Debug, Default)]
pub struct Counters {
    /// `clientLogin` requests, successful or not.
    pub client_login: Count,
    /// `getChallenge` requests.
    pub get_challenge: Count,
    /// `startOSCARSession` requests.
    pub start_session: Count,
    /// Open OSCAR Server `startSession` requests (web API `oos` only).
    pub start_web_session: Count,
    /// Requests refused with an error status (HTTP and BUCP).
    pub rejected: Count,
    /// BOS connections that presented a valid cookie.
    pub bos_signons: Count,
    /// Successful BUCP (and legacy channel-1) logins.
    pub bucp_logins: Count,
    /// BOS and BUCP connections that came over TLS.
    pub tls_connections: Count,
    /// IMs delivered to an online recipient or a bot.
    pub ims_relayed: Count,
    /// IMs stored for an offline recipient.
    pub offline_ims_stored: Count,
    /// IMs queued for a connection that ended before writing them, handed to another session
    /// of the account or stored offline instead of being lost.
    pub ims_rescued: Count,
    /// Rate warnings (01/0A code 2) sent, all accounts.
    pub rate_warnings: Count,
    /// Connections closed for falling below a class's disconnect level.
    pub rate_disconnects: Count,
    /// Rate warnings per account (normalized screen name).
    #[cfg(feature = "test-support")]
    pub rate_warnings_by_account: Mutex<HashMap<String, u64>>,
}

impl Counters {
    /// Reads one counter.
    #[cfg(feature = "test-support")]
    pub fn get(counter: &Count) -> u64 {
        counter.load(Ordering::Relaxed)
    }

    /// Counts one rate warning sent to `name`.
    pub fn note_rate_warning(&self, name: &ScreenName) {
        self.rate_warnings.fetch_add(1, Ordering::Relaxed);
        #[cfg(feature = "test-support")]
        if let Ok(mut map) = self.rate_warnings_by_account.lock() {
            *map.entry(name.normalized().to_string()).or_default() += 1;
        }
        #[cfg(not(feature = "test-support"))]
        let _ = name;
    }

    /// Rate warnings sent to `name` so far.
    #[cfg(feature = "test-support")]
    pub fn rate_warnings_for(&self, name: &str) -> u64 {
        let key = ScreenName::from_wire(name).normalized().to_string();
        self.rate_warnings_by_account.lock().ok().and_then(|m| m.get(&key).copied()).unwrap_or(0)
    }
}

/// A public chat room (exchange 5) the server opens at start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicRoom {
    /// The room's name, as listed.
    pub name: String,
    /// Bot accounts (`bot = true`) that live in it and answer when named.
    pub bots: Vec<String>,
}

impl PublicRoom {
    /// The name of the demo's public room.
    pub const LOUNGE: &'static str = "Flapjack Lounge";

    /// The demo's room, "Flapjack Lounge", where every bot account of `accounts` lives.
    pub fn lounge(accounts: &Accounts) -> Self {
        let mut bots: Vec<String> =
            accounts.iter().filter(|a| a.bot).map(|a| a.screen_name.as_str().to_string()).collect();
        bots.sort();
        PublicRoom { name: Self::LOUNGE.to_string(), bots }
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
    /// The BOS address `startOSCARSession` and BUCP advertise (the bound address).
    pub bos_addr: SocketAddr,
    /// Recent sign-on attempts and failures, for the throttle.
    pub throttle: LoginThrottle,
    /// Signed `startOSCARSession` requests already answered.
    pub used_signatures: UsedSignatures,
    /// Open OSCAR Server web sessions (`aimsid`s), for the `oos` web API.
    pub web_sessions: oos::WebSessions,
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
            throttle: LoginThrottle::default(),
            used_signatures: UsedSignatures::default(),
            web_sessions: oos::WebSessions::default(),
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

    #[cfg(feature = "test-support")]
    /// `clientLogin` requests handled so far.
    pub fn client_login_count(&self) -> u64 {
        Counters::get(&self.counters.client_login)
    }

    #[cfg(feature = "test-support")]
    /// `startOSCARSession` requests handled so far.
    pub fn start_session_count(&self) -> u64 {
        Counters::get(&self.counters.start_session)
    }

    /// Open OSCAR Server `startSession` requests handled so far (web API `oos`).
    #[cfg(feature = "test-support")]
    pub fn start_web_session_count(&self) -> u64 {
        Counters::get(&self.counters.start_web_session)
    }

    #[cfg(feature = "test-support")]
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
    /// The data directory cannot be used.
    #[error(transparent)]
    Store(#[from] store::StoreError),
    /// The self-signed BOS certificate could not be made, or the given one cannot be used.
    #[error("cannot set up TLS: {0}")]
    Tls(String),
}

/// A certificate chain and its private key, for the server's TLS listeners.
pub struct TlsIdentity {
    /// The chain, leaf first, as DER.
    pub cert_chain: Vec<Vec<u8>>,
    key: rustls::pki_types::PrivateKeyDer<'static>,
}

impl Clone for TlsIdentity {
    fn clone(&self) -> Self {
        TlsIdentity { cert_chain: self.cert_chain.clone(), key: self.key.clone_key() }
    }
}

impl std::fmt::Debug for TlsIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsIdentity")
            .field("certificates", &self.cert_chain.len())
            .field("key", &"…")
            .finish()
    }
}

impl TlsIdentity {
    /// From PEM text: every `CERTIFICATE` in `cert_pem` (leaf first) and the first private key
    /// (PKCS#8, PKCS#1 or SEC1) in `key_pem`. Bad files are a clear error, never a panic.
    pub fn from_pem(cert_pem: &[u8], key_pem: &[u8]) -> Result<Self, ServerError> {
        use rustls::pki_types::pem::PemObject;
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};
        let mut cert_chain = Vec::new();
        for cert in CertificateDer::pem_slice_iter(cert_pem) {
            let cert = cert.map_err(|e| ServerError::Tls(format!("certificate file: {e}")))?;
            cert_chain.push(cert.as_ref().to_vec());
        }
        if cert_chain.is_empty() {
            return Err(ServerError::Tls("no CERTIFICATE in the certificate file".into()));
        }
        let key = PrivateKeyDer::from_pem_slice(key_pem)
            .map_err(|e| ServerError::Tls(format!("key file: {e}")))?;
        Ok(TlsIdentity { cert_chain, key })
    }

    /// From DER: the chain (leaf first) and a PKCS#8 private key.
    pub fn from_der(cert_chain: Vec<Vec<u8>>, pkcs8_key: Vec<u8>) -> Self {
        let key = rustls::pki_types::PrivateKeyDer::Pkcs8(pkcs8_key.into());
        TlsIdentity { cert_chain, key }
    }

    fn acceptor(&self) -> Result<tokio_rustls::TlsAcceptor, ServerError> {
        let tls = |e: &dyn std::fmt::Display| ServerError::Tls(e.to_string());
        let chain = self
            .cert_chain
            .iter()
            .map(|der| rustls::pki_types::CertificateDer::from(der.clone()))
            .collect();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| tls(&e))?
            .with_no_client_auth()
            .with_single_cert(chain, self.key.clone_key())
            .map_err(|e| tls(&e))?;
        Ok(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
    }
}

async fn bind(addr: SocketAddr) -> Result<(tokio::net::TcpListener, SocketAddr), ServerError> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| ServerError::Bind { addr, source })?;
    let bound = listener.local_addr().map_err(|source| ServerError::Bind { addr, source })?;
    Ok((listener, bound))
}

/// A self-signed certificate for `name` and the acceptor using it; the DER is returned so
/// tests (and a client told to trust this server) can add it as a root.
fn tls_acceptor(name: &str) -> Result<(tokio_rustls::TlsAcceptor, Vec<u8>), ServerError> {
    let tls = |e: &dyn std::fmt::Display| ServerError::Tls(e.to_string());
    let certified =
        rcgen::generate_simple_self_signed(vec![name.to_string()]).map_err(|e| tls(&e))?;
    let cert_der = certified.cert.der().clone();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(rustls::pki_types::PrivatePkcs8KeyDer::from(
        certified.signing_key.serialize_der(),
    ));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| tls(&e))?
        .with_no_client_auth()
        .with_single_cert(vec![cert_der.clone()], key)
        .map_err(|e| tls(&e))?;
    Ok((tokio_rustls::TlsAcceptor::from(Arc::new(config)), cert_der.to_vec()))
}

/// The embedded server's entry point.
#[derive(Debug)]
pub struct Server;

impl Server {
    /// Binds every listener and starts serving in background tasks; returns once bound, so the
    /// caller can read the real addresses (port 0 in tests).
    pub async fn start(config: ServerConfig) -> Result<ServerHandle, ServerError> {
        let (http_listener, http_addr) = bind(config.http_listen).await?;
        let (bos_listener, bos_addr) = bind(config.bos_listen).await?;
        let (bucp_listener, bucp_addr) = bind(config.bucp_listen).await?;
        let tls = match (&config.tls_identity, &config.bos_tls_cert_name) {
            (Some(identity), _) => Some((
                identity.acceptor()?,
                identity.cert_chain.first().cloned().unwrap_or_default(),
            )),
            (None, Some(name)) => Some(tls_acceptor(name)?),
            (None, None) => None,
        };
        let bucp_tls = config.tls_identity.as_ref().map(TlsIdentity::acceptor).transpose()?;
        let (loaded, persister) = match &config.data_dir {
            Some(dir) => (store::load_dir(dir)?, Some(store::Persister::start(dir.clone()))),
            None => (HashMap::new(), None),
        };
        let advertised = config.advertised_bos.unwrap_or(bos_addr);
        let state = Arc::new(ServerState::new(config, advertised));
        let hub = Hub::new(Arc::clone(&state), loaded, persister);
        let (shutdown_tx, shutdown_rx) = tokio::sync::watch::channel(false);
        let (acceptor, cert_der) = match tls {
            Some((a, der)) => (Some(a), Some(der)),
            None => (None, None),
        };
        let tasks = vec![
            tokio::spawn(http::serve(http_listener, Arc::clone(&state), shutdown_rx.clone())),
            tokio::spawn(bos::serve(bos_listener, Arc::clone(&hub), acceptor, shutdown_rx.clone())),
            tokio::spawn(decay_warnings(Arc::clone(&hub), shutdown_rx.clone())),
            tokio::spawn(bucp::serve(bucp_listener, Arc::clone(&hub), bucp_tls, shutdown_rx)),
        ];
        let bots = hub.start_bots();
        Ok(ServerHandle {
            state,
            hub,
            http_addr,
            bos_bound: bos_addr,
            bucp_addr,
            bos_tls_cert_der: cert_der,
            shutdown: shutdown_tx,
            tasks,
            bots,
        })
    }
}

/// Every minute until shutdown, tells watchers about warning levels that decayed (§7.5).
async fn decay_warnings(hub: Arc<Hub>, mut shutdown: tokio::sync::watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
    loop {
        tokio::select! {
            _ = tick.tick() => {
                hub.decay_warnings();
            }
            _ = shutdown.changed() => return,
        }
    }
}

/// A running server: its addresses, its state, and the means to stop it.
#[derive(Debug)]
pub struct ServerHandle {
    state: Arc<ServerState>,
    hub: Arc<Hub>,
    http_addr: SocketAddr,
    bos_bound: SocketAddr,
    bucp_addr: SocketAddr,
    bos_tls_cert_der: Option<Vec<u8>>,
    shutdown: tokio::sync::watch::Sender<bool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    bots: Vec<tokio::task::JoinHandle<()>>,
}

impl ServerHandle {
    /// The bound HTTP sign-on address.
    pub fn http_addr(&self) -> SocketAddr {
        self.http_addr
    }

    /// The BOS address advertised to clients (the bound one unless `advertised_bos` is set).
    pub fn bos_addr(&self) -> SocketAddr {
        self.state.bos_addr
    }

    /// Where BOS really listens; differs from [`ServerHandle::bos_addr`] only when
    /// `advertised_bos` points clients at a proxy.
    pub fn bos_bound_addr(&self) -> SocketAddr {
        self.bos_bound
    }

    /// The bound BUCP (MD5 login) address.
    pub fn bucp_addr(&self) -> SocketAddr {
        self.bucp_addr
    }

    /// The DER of BOS's TLS certificate (the given leaf, or the self-signed one made for
    /// `bos_tls_cert_name`), so a test client can trust exactly this server.
    pub fn bos_tls_cert_der(&self) -> Option<&[u8]> {
        self.bos_tls_cert_der.as_deref()
    }

    /// The BOS hub: who is online, presence and IM routing.
    pub fn hub(&self) -> &Arc<Hub> {
        &self.hub
    }

    /// Ends every BOS session of `screen_name` (abruptly, or with a channel-4 reason such as
    /// `Disconnect::Reason(DisconnectReason::OtherLocation)`); returns how many there were.
    pub fn disconnect_user(&self, screen_name: &str, how: Disconnect) -> usize {
        self.hub.disconnect_user(screen_name, how)
    }

    /// How many BOS sessions `screen_name` has right now (signed on or signing on).
    pub fn session_count(&self, screen_name: &str) -> usize {
        self.hub.session_count(screen_name)
    }

    /// The shared state (accounts, tokens, cookies, counters, clock).
    pub fn state(&self) -> &Arc<ServerState> {
        &self.state
    }

    /// Stops every listener and connection, waits for them, and writes pending data to disk.
    pub async fn shutdown(self) {
        let _ = self.shutdown.send(true);
        for task in self.tasks {
            let _ = task.await;
        }
        for bot in self.bots {
            bot.abort();
        }
        let hub = self.hub;
        let _ = tokio::task::spawn_blocking(move || hub.finish_persisting()).await;
    }
}

#[cfg(test)]
mod tls_identity_tests {
    use super::*;

    #[test]
    fn pem_identities_load_and_bad_files_say_which_one_is_wrong() {
        let made = rcgen::generate_simple_self_signed(vec!["127.0.0.1".into()]).unwrap();
        let (cert, key) = (made.cert.pem(), made.signing_key.serialize_pem());
        let identity = TlsIdentity::from_pem(cert.as_bytes(), key.as_bytes()).unwrap();
        assert_eq!(identity.cert_chain, vec![made.cert.der().to_vec()]);
        assert!(identity.acceptor().is_ok());
        assert!(!format!("{identity:?}").contains(&key));
        let err = TlsIdentity::from_pem(key.as_bytes(), key.as_bytes()).unwrap_err();
        assert!(err.to_string().contains("no CERTIFICATE"), "{err}");
        let err = TlsIdentity::from_pem(cert.as_bytes(), cert.as_bytes()).unwrap_err();
        assert!(err.to_string().contains("key file"), "{err}");
        // A key that is not the certificate's is refused when the acceptor is built.
        let other = rcgen::KeyPair::generate().unwrap().serialize_pem();
        let mismatched = TlsIdentity::from_pem(cert.as_bytes(), other.as_bytes()).unwrap();
        assert!(mismatched.acceptor().is_err());
    }
}
