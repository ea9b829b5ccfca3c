//! Open OSCAR Server's web-API sign-on end to end: the client against the embedded server run
//! with OOS's web API (`clientLogin` → `startSession` → `startOSCARSession`, hex cookie), by
//! the library and by the `--send` command line, with a refused key and a refused stored token.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure report

use std::io::{BufRead, BufReader};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use flapjack::auth::{
    AuthError, HttpSignOn, Secret, ServerProfile, StoredToken, Trace, TraceLine, WebApi,
};
use flapjack::credentials::{CredentialKey, CredentialStore, MemoryStore};
use flapjack::screenname::ScreenName;
use flapjack::server::{Accounts, Server, ServerConfig, ServerHandle};
use flapjack::session::{self, ReconnectPolicy, SessionConfig};

const BIN: &str = env!("CARGO_BIN_EXE_flapjack");
const FAN: &str = "Flapjack Fan";
const FAN_PASSWORD: &str = "syrup-on-top";
const UIN: &str = "123456789";
const UIN_PASSWORD: &str = "qwerty12";
/// A key the embedded server accepts (it registers `flapjack` and Pidgin's keys).
const KEY: &str = "flapjack";

async fn start_oos() -> ServerHandle {
    let mut config = ServerConfig::for_tests(Accounts::demo().unwrap());
    config.web_api = WebApi::Oos;
    config.bot_brain = Some(flapjack::bot::factory());
    Server::start(config).await.unwrap()
}

/// The `oos` preset pointed at `server`'s web API with `key`.
fn profile(server: &ServerHandle, key: &str) -> ServerProfile {
    let url = format!("http://{}", server.http_addr());
    ServerProfile {
        login_url: url.clone(),
        api_url: url,
        dev_id: key.into(),
        ..ServerProfile::oos()
    }
}

fn traced(server: &ServerHandle, key: &str) -> (HttpSignOn, Arc<Mutex<Vec<TraceLine>>>) {
    let (trace, lines) = Trace::collect();
    (HttpSignOn::new(profile(server, key)).unwrap().with_trace(trace), lines)
}

fn text(lines: &Arc<Mutex<Vec<TraceLine>>>) -> String {
    lines.lock().unwrap().iter().map(|l| format!("{l}\n")).collect()
}

fn assert_no_secrets(server: &ServerHandle, user: &str, password: &str, output: &str) {
    assert!(!output.contains(password), "password leaked:\n{output}");
    for secret in server.state().secrets_issued_to(user) {
        assert!(!output.contains(secret.expose()), "a secret leaked:\n{output}");
    }
}

fn session_config(server: &ServerHandle, name: &str) -> SessionConfig {
    SessionConfig::new(ScreenName::parse(name).unwrap(), profile(server, KEY))
        .with_reconnect(ReconnectPolicy::never())
}

#[tokio::test]
async fn the_library_signs_on_through_start_session_and_a_hex_cookie() {
    let server = start_oos().await;
    for (user, password) in [(FAN, FAN_PASSWORD), (UIN, UIN_PASSWORD)] {
        let (client, lines) = traced(&server, KEY);
        let ticket = client.sign_on(user, &Secret::new(password)).await.unwrap();
        assert_eq!(ticket.screen_name, user);
        assert_eq!((ticket.host.clone(), ticket.port), {
            let bos = server.bos_addr();
            (bos.ip().to_string(), bos.port())
        });
        assert!(!ticket.use_tls);
        let output = text(&lines);
        assert!(output.contains("[startSession] GET http://"), "{output}");
        assert!(output.contains("aimsid = "), "{output}");
        assert!(output.contains("this server honours its token for 60 s"), "{output}");
        assert!(!output.contains("getChallenge"), "OOS has no getChallenge, even for a UIN");
        assert_no_secrets(&server, user, password, &output);
        let account = server.state().redeem_cookie(ticket.cookie.expose()).unwrap();
        assert_eq!(account.screen_name.as_str(), user);
    }
    let state = server.state();
    assert_eq!(
        (state.client_login_count(), state.start_web_session_count(), state.start_session_count()),
        (2, 2, 2)
    );
    server.shutdown().await;
}

#[tokio::test]
async fn a_session_signs_on_to_bos_with_the_oos_ticket() {
    let server = start_oos().await;
    let config = session_config(&server, FAN).with_password(FAN_PASSWORD);
    let handle = session::connect(config).await.unwrap();
    assert_eq!(server.session_count(FAN), 1);
    drop(handle);
    server.shutdown().await;
}

#[tokio::test]
async fn a_refused_key_says_that_the_admin_registers_keys() {
    let server = start_oos().await;
    let (client, lines) = traced(&server, "not-registered-here");
    let err = client.sign_on(FAN, &Secret::new(FAN_PASSWORD)).await.unwrap_err();
    assert!(matches!(err, AuthError::InvalidDevKey(_)), "{err:?}");
    let message = err.to_string();
    assert!(message.contains("admin registered") && message.contains("--dev-id"), "{message}");
    assert!(message.contains("statusCode 403"), "the server's code is shown: {message}");
    assert!(text(&lines).contains("statusCode 403"));
    // No key at all: refused before the password travels.
    let none = HttpSignOn::new(profile(&server, "")).unwrap();
    let err = none.sign_on(FAN, &Secret::new(FAN_PASSWORD)).await.unwrap_err();
    assert!(matches!(err, AuthError::MissingDevKey), "{err:?}");
    assert_eq!(server.state().client_login_count(), 1, "only the first attempt asked");
    server.shutdown().await;
}

#[tokio::test]
async fn the_token_is_counted_for_a_minute_and_refused_after() {
    let server = start_oos().await;
    let client = HttpSignOn::new(profile(&server, KEY)).unwrap();
    let token = client.client_login(FAN, &Secret::new(FAN_PASSWORD)).await.unwrap();
    let lifetime = token.expires_at - token.server_now();
    assert!((55..=60).contains(&lifetime), "{lifetime}");
    assert!(!token.worth_keeping(), "a one-minute token is not kept");
    server.state().config.clock.advance(120);
    let err = client.start_session(&token).await.unwrap_err();
    assert!(err.token_unusable(), "{err:?}");
    assert!(err.to_string().contains("startSession"), "{err}");
    server.shutdown().await;
}

/// A token kept from an earlier run that the server now refuses: the key it is stored under,
/// and a store holding it.
async fn stale_token(server: &ServerHandle) -> (Arc<MemoryStore>, CredentialKey) {
    let client = HttpSignOn::new(profile(server, KEY)).unwrap();
    let mut token: StoredToken =
        client.client_login(FAN, &Secret::new(FAN_PASSWORD)).await.unwrap();
    // Pretend it was stored as valid for a day, as a server's `expiresIn` claims.
    token.expires_at += 86_400;
    server.state().config.clock.advance(120);
    let store = Arc::new(MemoryStore::new());
    let key = CredentialKey::new(&profile(server, KEY).api_url, &ScreenName::parse(FAN).unwrap());
    store.save(&key, &serde_json::to_string(&token).unwrap()).unwrap();
    (store, key)
}

#[tokio::test]
async fn a_refused_stored_token_falls_back_to_the_password() {
    let server = start_oos().await;
    let (store, key) = stale_token(&server).await;
    let config = session_config(&server, FAN)
        .with_password(FAN_PASSWORD)
        .with_credentials(Arc::clone(&store) as Arc<dyn CredentialStore>);
    let handle = session::connect(config).await.unwrap();
    let state = server.state();
    assert_eq!(state.client_login_count(), 2, "the stale token, then the password");
    assert_eq!(state.start_web_session_count(), 2, "one refused, one accepted");
    assert_eq!(store.load(&key).unwrap(), None, "the refused token is forgotten, the new not kept");
    drop(handle);
    server.shutdown().await;
}

#[tokio::test]
async fn a_refused_stored_token_without_a_password_asks_for_one() {
    let server = start_oos().await;
    let (store, _) = stale_token(&server).await;
    let asked = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&asked);
    let config = session_config(&server, FAN)
        .with_credentials(store as Arc<dyn CredentialStore>)
        .with_password_prompt(Arc::new(move || {
            counter.fetch_add(1, Ordering::SeqCst);
            Some(Secret::new(FAN_PASSWORD))
        }));
    let handle = session::connect(config).await.unwrap();
    assert_eq!(asked.load(Ordering::SeqCst), 1);
    drop(handle);
    server.shutdown().await;
}

// ---- the command line: `flapjack serve --web-api oos` and `flapjack --profile oos --send` ----

/// `flapjack serve --web-api oos` on free ports; returns the child and its HTTP URL.
fn serve_oos() -> (std::process::Child, String, Vec<String>) {
    let mut serve = Command::new(BIN)
        .args(["--no-keyring", "--config", "/nonexistent/flapjack-test/config.toml"])
        .args(["serve", "--web-api", "oos", "--listen", "127.0.0.1:0", "--bos", "127.0.0.1:0"])
        .args(["--bucp-listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut reader = BufReader::new(serve.stdout.take().unwrap());
    let mut lines = Vec::new();
    for _ in 0..5 {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        lines.push(line.trim().to_string());
    }
    let url = lines[0].strip_prefix("http: ").unwrap_or_else(|| panic!("{lines:?}")).to_string();
    (serve, url, lines)
}

fn send(url: &str, extra: &[&str]) -> Output {
    Command::new(BIN)
        .args(["--no-keyring", "--config", "/nonexistent/flapjack-test/config.toml"])
        .args(["--profile", "oos", "--login-url", url, "--user", FAN])
        .args(extra)
        .args(["--send", "ButterBot", "hello by the OOS web API"])
        .env("FLAPJACK_PASSWORD", FAN_PASSWORD)
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

#[test]
fn send_signs_on_by_the_oos_web_api_of_flapjack_serve() {
    let (mut serve, url, lines) = serve_oos();
    let ok = send(&url, &["--dev-id", KEY]);
    let refused = send(&url, &["--dev-id", "not-registered-here"]);
    let keyless = send(&url, &[]);
    serve.kill().unwrap();
    serve.wait().unwrap();
    assert!(lines.contains(&"web API: oos".to_string()), "{lines:?}");
    let stderr = |o: &Output| String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    assert!(stderr(&refused).contains("admin registered"), "{}", stderr(&refused));
    assert!(!stderr(&refused).contains(FAN_PASSWORD));
    assert_eq!(keyless.status.code(), Some(1), "a usage error: {}", stderr(&keyless));
    assert!(stderr(&keyless).contains("--dev-id"), "{}", stderr(&keyless));
}
