//! Helpers for session tests: an embedded server with known accounts, session configs for it,
//! and waiting for events with a timeout.

use std::time::Duration;

use flapjack::auth::ServerProfile;
use flapjack::screenname::ScreenName;
use flapjack::server::{Accounts, RateClasses, Server, ServerConfig, ServerHandle};
use flapjack::session::{Event, ReconnectPolicy, SessionConfig, SessionHandle};

/// Accounts every session test can use.
pub const ACCOUNTS: &str = r#"
[[account]]
screen_name = "Alice Ant"
password = "alice-pw"
buddies = ["Bob Bee"]

[[account]]
screen_name = "Bob Bee"
password = "bob-pw"
buddies = ["Alice Ant"]
first_name = "Bob"
last_name = "Bee"
city = "Austin"
state = "TX"
country = "US"
email = "bob@example.com"
interests = ["Honey", "Chess"]

[[account]]
screen_name = "Carol"
password = "carol-pw"
first_name = "Carol"
last_name = "Bee"
interests = ["Honey"]

[[account]]
screen_name = "123456789"
password = "qwerty12"
nickname = "Stack"
first_name = "Maple"
last_name = "Syrup"
email = "maple@example.com"

[[account]]
screen_name = "987654321"
password = "hunter22"
buddies = ["123456789"]
nickname = "Griddle"

[[account]]
screen_name = "555000111"
password = "open-door"
nickname = "Stack"
requires_auth = false
"#;

/// How long any single expected event may take.
pub const WAIT: Duration = Duration::from_secs(15);

/// A test server configuration with the accounts above and rate classes scaled down 100×.
pub fn server_config() -> ServerConfig {
    let mut config = ServerConfig::for_tests(Accounts::from_toml(ACCOUNTS).expect("accounts"));
    config.rate_classes = RateClasses::aol().scaled(100);
    config
}

/// Starts a server with [`server_config`].
pub async fn start_server() -> ServerHandle {
    Server::start(server_config()).await.expect("server starts")
}

/// An HTTP session config for `name` against `server`, reconnecting quickly.
pub fn session_config(server: &ServerHandle, name: &str, password: &str) -> SessionConfig {
    let profile = ServerProfile::local_at(&server.http_addr().to_string());
    SessionConfig::new(ScreenName::parse(name).expect("name"), profile)
        .with_password(password)
        .with_reconnect(ReconnectPolicy {
            initial_delay: Duration::from_millis(50),
            max_delay: Duration::from_millis(400),
            ..ReconnectPolicy::default()
        })
}

/// Waits for the first event matching `pred`, returning it and everything seen before it.
pub async fn wait_for(
    handle: &mut SessionHandle,
    what: &str,
    pred: impl Fn(&Event) -> bool,
) -> (Event, Vec<Event>) {
    let mut seen = Vec::new();
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        match tokio::time::timeout_at(deadline, handle.events.recv()).await {
            Ok(Some(e)) if pred(&e) => return (e, seen),
            Ok(Some(e)) => seen.push(e),
            Ok(None) => panic!("event stream ended while waiting for {what}; saw {seen:#?}"),
            Err(_) => panic!("timed out waiting for {what}; saw {seen:#?}"),
        }
    }
}

/// Waits for an event matching `pred` and returns it.
pub async fn expect(
    handle: &mut SessionHandle,
    what: &str,
    pred: impl Fn(&Event) -> bool,
) -> Event {
    wait_for(handle, what, pred).await.0
}

/// Connects `name` and waits until the buddy list has arrived.
pub async fn sign_on(server: &ServerHandle, name: &str, password: &str) -> SessionHandle {
    let mut h = flapjack::session::connect(session_config(server, name, password))
        .await
        .unwrap_or_else(|e| panic!("{name} signs on: {e}"));
    expect(&mut h, "buddy list", |e| matches!(e, Event::BuddyList(_))).await;
    h
}

/// Shorthand for parsing a screen name.
pub fn sn(s: &str) -> ScreenName {
    ScreenName::parse(s).expect("screen name")
}
