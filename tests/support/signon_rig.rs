//! The embedded server behind three delaying hops (HTTP sign-on, BUCP, BOS), and one
//! `flapjack --send` through them, as `tests/round_trips.rs` and `benches/signon.rs` run it.
//! [`Rig::start_oos`] runs the server with Open OSCAR Server's web API instead of AOL's.

use std::sync::Arc;
use std::time::{Duration, Instant};

use flapjack::auth::{ServerProfile, WebApi};
use flapjack::credentials::MemoryStore;
use flapjack::headless::{self, SendOutcome, SendReport};
use flapjack::screenname::ScreenName;
use flapjack::server::{Accounts, Server, ServerConfig, ServerHandle};
use flapjack::session::{self, LoginMethod, ReconnectPolicy, SessionConfig, SessionHandle};

use super::delay_proxy::{Arrival, DelayNet, HopStats, Protocol, Running};

/// The account that sends.
pub const SENDER: &str = "Round Tripper";
const SENDER_PASSWORD: &str = "tripper-pw";
/// A bot account with no brain: always online, acknowledges every IM, never answers.
pub const SINK: &str = "Quiet Sink";

const ACCOUNTS: &str = r#"
[[account]]
screen_name = "Round Tripper"
password = "tripper-pw"

[[account]]
screen_name = "Quiet Sink"
password = "sink-pw"
bot = true
"#;

/// How the sender signs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignOn {
    /// HTTP `clientLogin` then `startOSCARSession`, no stored token.
    ColdHttp,
    /// BUCP: challenge, then MD5 login.
    ColdBucp,
    /// HTTP `startOSCARSession` with the token a previous run stored (no password given).
    Warm,
    /// Open OSCAR Server's web API: `clientLogin`, `startSession`, `startOSCARSession`
    /// (needs [`Rig::start_oos`]).
    ColdOos,
}

impl SignOn {
    /// All three, in the order the README lists them.
    pub const ALL: [SignOn; 3] = [SignOn::ColdHttp, SignOn::ColdBucp, SignOn::Warm];

    /// A label for reports.
    pub fn label(self) -> &'static str {
        match self {
            SignOn::ColdHttp => "cold, HTTP sign-on",
            SignOn::ColdBucp => "cold, BUCP sign-on",
            SignOn::Warm => "warm, stored token",
            SignOn::ColdOos => "cold, OOS web API",
        }
    }

    /// The round trips the issue sets as the floor (and target).
    pub fn floor(self) -> u32 {
        match self {
            SignOn::ColdHttp | SignOn::ColdBucp => 3,
            SignOn::Warm => 2,
            // startSession is one exchange more than AOL's flow; the rest stays at the floor.
            SignOn::ColdOos => 4,
        }
    }
}

/// One `--send` through the hops.
#[derive(Debug, Clone)]
pub struct Run {
    /// What `--send` reported.
    pub report: SendReport,
    /// From spawning the session to `headless::send` returning.
    pub wall: Duration,
    /// When the IM's host ack (04/0C) first reached the client, with its causal level.
    pub ack: Option<Arrival>,
    /// The highest level the client had received when `--send` returned: more than the ack's
    /// means it waited for something after the ack (the server closing, say).
    pub level_at_return: u32,
    /// What the HTTP hop saw.
    pub http: HopStats,
    /// What the BUCP hop saw.
    pub bucp: HopStats,
    /// What the BOS hop saw.
    pub bos: HopStats,
}

impl Run {
    /// Round trips until the ack reached the client (`None`: it never did).
    pub fn round_trips(&self) -> Option<u32> {
        self.ack.map(|a| a.round_trips())
    }

    /// Round trips until `--send` returned.
    pub fn round_trips_to_return(&self) -> u32 {
        self.level_at_return.div_ceil(2)
    }
}

/// The server and its three hops.
pub struct Rig {
    /// The embedded server.
    pub server: ServerHandle,
    /// The hops' shared ledger.
    pub net: DelayNet,
    http: Running,
    bucp: Running,
    _bos: Running,
    store: Arc<MemoryStore>,
}

impl Rig {
    /// Starts a server whose every hop is delayed by `delay` each way.
    pub async fn start(delay: Duration) -> Rig {
        let rig = Self::start_with(delay, WebApi::Aol).await;
        // Store a token for the warm runs (through the hops, so the key matches).
        let primed = rig.send(SignOn::ColdHttp, Some(rig.store.clone())).await;
        assert_eq!(primed.report.outcome, SendOutcome::Delivered, "{:?}", primed.report);
        rig
    }

    /// Starts a server speaking Open OSCAR Server's web API behind the same hops, for
    /// [`SignOn::ColdOos`] (and BUCP); OOS's one-minute tokens are never kept, so no warm run.
    pub async fn start_oos(delay: Duration) -> Rig {
        Self::start_with(delay, WebApi::Oos).await
    }

    async fn start_with(delay: Duration, web_api: WebApi) -> Rig {
        let net = DelayNet::new(delay);
        let bos_hop = net.bind("bos", Protocol::Flap).await;
        let mut config = ServerConfig::for_tests(Accounts::from_toml(ACCOUNTS).expect("accounts"));
        config.advertised_bos = Some(bos_hop.addr());
        // Benches sign on hundreds of times a minute.
        config.max_logins_per_minute = None;
        config.web_api = web_api;
        let server = Server::start(config).await.expect("server starts");
        let bos = bos_hop.forward_to(server.bos_bound_addr());
        let http = net.proxy("http", Protocol::Http, server.http_addr()).await;
        let bucp = net.proxy("bucp", Protocol::Flap, server.bucp_addr()).await;
        Rig { server, net, http, bucp, _bos: bos, store: Arc::new(MemoryStore::new()) }
    }

    fn config(&self, how: SignOn, store: Option<Arc<MemoryStore>>) -> SessionConfig {
        let profile = ServerProfile::local_at(&self.http.addr().to_string());
        let name = ScreenName::parse(SENDER).expect("screen name");
        let mut config = SessionConfig::new(name, profile)
            .with_password(SENDER_PASSWORD)
            .with_reconnect(ReconnectPolicy::never());
        if let Some(store) = store {
            config = config.with_credentials(store);
        }
        match how {
            SignOn::ColdHttp => config,
            SignOn::ColdBucp => config.with_method(LoginMethod::Bucp(self.bucp.addr().to_string())),
            SignOn::Warm => {
                config.password = None;
                config.with_credentials(self.store.clone())
            }
            SignOn::ColdOos => {
                let url = format!("http://{}", self.http.addr());
                config.server = ServerProfile {
                    login_url: url.clone(),
                    api_url: url,
                    dev_id: flapjack::auth::profile::LOCAL_DEV_ID.into(),
                    ..ServerProfile::oos()
                };
                config
            }
        }
    }

    /// Starts a session for [`SENDER`] signing on `how` through the hops (for tests that do
    /// more than `--send`, such as joining rooms).
    pub fn spawn(&self, how: SignOn) -> SessionHandle {
        session::spawn(self.config(how, None))
    }

    /// As [`Rig::spawn`], with the session's configuration adjusted by `adjust` first.
    pub fn spawn_with(
        &self,
        how: SignOn,
        adjust: impl FnOnce(SessionConfig) -> SessionConfig,
    ) -> SessionHandle {
        session::spawn(adjust(self.config(how, None)))
    }

    /// Runs `--send` once, signing on `how`, and reports what the hops saw.
    pub async fn run(&self, how: SignOn) -> Run {
        self.send(how, None).await
    }

    async fn send(&self, how: SignOn, store: Option<Arc<MemoryStore>>) -> Run {
        self.net.reset();
        let config = self.config(how, store);
        let to = ScreenName::parse(SINK).expect("screen name");
        let start = Instant::now();
        let handle = session::spawn(config);
        let report = headless::send(handle, to, "pancakes".into(), Duration::from_secs(30)).await;
        let wall = start.elapsed();
        let level_at_return = self.net.client_level();
        Run {
            level_at_return,
            report,
            wall,
            ack: self.net.first_arrival(0x04, 0x0C),
            http: self.net.stats("http"),
            bucp: self.net.stats("bucp"),
            bos: self.net.stats("bos"),
        }
    }
}
