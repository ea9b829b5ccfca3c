//! `flapjack --send` and `--listen` as scripts use them: the real binary against the embedded
//! server over real sockets, every exit code, and the long-term token in a REAL Secret Service.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure report

mod support;

use support::cli::{self, code, stderr, BIN};

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use flapjack::server::{Accounts, Server, ServerConfig, ServerHandle};

const FAN: &str = "Flapjack Fan";
const FAN_PASSWORD: &str = "syrup-on-top";

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap()
}

fn start_server(rt: &tokio::runtime::Runtime) -> ServerHandle {
    let mut config = ServerConfig::for_tests(Accounts::demo().unwrap());
    config.bot_brain = Some(flapjack::bot::factory());
    rt.block_on(Server::start(config)).unwrap()
}

/// The binary pointed at `server`, with no config file and (unless `keyring`) no keyring.
fn flapjack(server: &ServerHandle, keyring: bool) -> Command {
    let url = format!("http://{}", server.http_addr());
    let mut cmd = cli::isolated(keyring);
    cmd.args(["--login-url", &url, "--api-url", &url, "--user", FAN]);
    cmd
}

#[test]
fn exit_codes_for_each_outcome() {
    let rt = runtime();
    let server = start_server(&rt);

    // 0: delivered and acknowledged (the bot is always online).
    let out = flapjack(&server, false)
        .args(["--send", "ButterBot", "hello from a script"])
        .env("FLAPJACK_PASSWORD", FAN_PASSWORD)
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stderr(&out).is_empty(), "success prints nothing: {}", stderr(&out));

    // 0 for a message longer than the server's 8000-byte IMs: it goes out as three IMs, and
    // the exit status waits for the last one's acknowledgement.
    let long = "pancakes ".repeat(2_000);
    let out = flapjack(&server, false)
        .args(["--send", "ButterBot", &long])
        .env("FLAPJACK_PASSWORD", FAN_PASSWORD)
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));

    // 0 again with the message from stdin (`-`).
    let mut child = flapjack(&server, false)
        .args(["--send", "ButterBot", "-"])
        .env("FLAPJACK_PASSWORD", FAN_PASSWORD)
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(b"line one\nline two\n").unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));

    // 1: usage — a missing argument, an empty message, a password on the command line.
    for args in [
        vec!["--send", "ButterBot"],
        vec!["--send", "ButterBot", "   "],
        vec!["--password", FAN_PASSWORD, "--send", "ButterBot", "x"],
    ] {
        let out = flapjack(&server, false).args(&args).output().unwrap();
        assert_eq!(code(&out), 1, "{args:?}: {}", stderr(&out));
    }

    // 2: wrong password, and no password at all with nothing stored.
    let out = flapjack(&server, false)
        .args(["--send", "ButterBot", "x"])
        .env("FLAPJACK_PASSWORD", "not-the-password")
        .output()
        .unwrap();
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).to_lowercase().contains("password"), "{}", stderr(&out));
    assert_eq!(stderr(&out).lines().count(), 1, "one line per failure: {}", stderr(&out));
    let out = flapjack(&server, false).args(["--send", "ButterBot", "x"]).output().unwrap();
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("flapjack login"), "{}", stderr(&out));

    // 4: the recipient does not exist (the server answers ICBM error 0x04).
    let out = flapjack(&server, false)
        .args(["--send", "Nobody Here 123", "x"])
        .env("FLAPJACK_PASSWORD", FAN_PASSWORD)
        .output()
        .unwrap();
    assert_eq!(code(&out), 4, "{}", stderr(&out));

    // 5: accepted and stored for a recipient who is offline, with one line saying so.
    let out = flapjack(&server, false)
        .args(["--send", "987654321", "for when you are back"])
        .env("FLAPJACK_PASSWORD", FAN_PASSWORD)
        .output()
        .unwrap();
    assert_eq!(code(&out), 5, "{}", stderr(&out));
    assert_eq!(
        stderr(&out).trim_end(),
        "flapjack: stored for offline delivery: 987654321 is offline and gets it on signing on"
    );

    // 3: nothing listens where the server was: the cause is named, and nothing is hedged.
    let addr = server.http_addr();
    rt.block_on(server.shutdown());
    let url = format!("http://{addr}");
    let out = Command::new(BIN)
        .args(["--config", "/nonexistent/flapjack-test/config.toml", "--no-keyring"])
        .args(["--login-url", &url, "--api-url", &url, "--user", FAN])
        .args(["--send", "ButterBot", "x"])
        .env("FLAPJACK_PASSWORD", FAN_PASSWORD)
        .output()
        .unwrap();
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    let said = stderr(&out).to_lowercase();
    assert!(said.contains("connection refused") && said.contains("not sent"), "{said}");
    assert!(!said.contains("may have"), "{said}");
    assert_eq!(said.lines().count(), 1, "{said}");
}

#[test]
fn listen_prints_one_json_line_per_im() {
    let rt = runtime();
    let server = start_server(&rt);
    let mut listener = flapjack(&server, false)
        .arg("--listen")
        .env("FLAPJACK_PASSWORD", FAN_PASSWORD)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(listener.stderr.take().unwrap());
    let mut line = String::new();
    err.read_line(&mut line).unwrap();
    while !line.contains("listening as") {
        line.clear();
        assert!(err.read_line(&mut line).unwrap() > 0, "listener ended before signing on");
    }
    // A second account sends two IMs, one carrying terminal controls.
    let url = format!("http://{}", server.http_addr());
    for text in ["first", "evil \u{1b}]0;title\u{7} \u{9b}2J \u{202e}done"] {
        let out = Command::new(BIN)
            .args(["--config", "/nonexistent/flapjack-test/config.toml", "--no-keyring"])
            .args(["--login-url", &url, "--api-url", &url, "--user", "123456789"])
            .args(["--send", FAN, text])
            .env("FLAPJACK_PASSWORD", "qwerty12")
            .output()
            .unwrap();
        assert_eq!(code(&out), 0, "{}", stderr(&out));
    }
    let mut out = BufReader::new(listener.stdout.take().unwrap());
    // Presence lines (the bot, the sender coming and going) come between: keep the IMs.
    let mut lines = Vec::new();
    while lines.len() < 2 {
        let mut l = String::new();
        assert!(out.read_line(&mut l).unwrap() > 0, "listener ended early");
        let v: serde_json::Value = serde_json::from_str(&l).unwrap();
        match v["event"].as_str() {
            Some("im") => lines.push(l),
            Some("presence") => assert!(v["status"].is_string(), "{l}"),
            other => panic!("unexpected event {other:?}: {l}"),
        }
    }
    listener.kill().unwrap();
    let _ = listener.wait();
    let texts: Vec<String> = lines
        .iter()
        .map(|l| {
            assert!(!l.trim_end().chars().any(flapjack::text::sanitize::is_dangerous), "{l:?}");
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            assert_eq!(v["from"], "123456789");
            assert_eq!(v["auto_response"], false);
            assert!(v["time"].as_str().unwrap().ends_with('Z'));
            v["text"].as_str().unwrap().to_string()
        })
        .collect();
    assert_eq!(texts, vec!["first", "evil \u{1b}]0;title\u{7} \u{9b}2J \u{202e}done"]);
    rt.block_on(server.shutdown());
}

/// Issue 5's keyring flow against gnome-keyring on a private D-Bus session.
#[test]
#[ignore = "needs dbus and gnome-keyring; .ci/run installs them and runs --include-ignored"]
fn long_term_token_lives_in_the_real_keyring() {
    let Some(_keyring) = support::keyring::PrivateKeyring::start() else {
        return;
    };
    let rt = runtime();
    let server = start_server(&rt);
    let state = server.state().clone();
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("flapjack.log");

    // 1. First send with a password: signs on with clientLogin and keeps the token.
    let out = flapjack(&server, true)
        .args(["-vv", "--log-file"])
        .arg(&log)
        .args(["--send", "ButterBot", "first"])
        .env("FLAPJACK_PASSWORD", FAN_PASSWORD)
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(state.client_login_count(), 1);

    // What the keyring holds: the token and session key, never the password.
    let store = flapjack::credentials::KeyringStore::new();
    let key = flapjack::credentials::CredentialKey::new(
        &format!("http://{}", server.http_addr()),
        &flapjack::screenname::ScreenName::parse(FAN).unwrap(),
    );
    use flapjack::credentials::CredentialStore;
    let entry = store.load(&key).unwrap().expect("a keyring entry after the first send");
    assert!(!entry.contains(FAN_PASSWORD), "the password must not be stored");
    let secrets = state.secrets_issued_to(FAN);
    assert!(!secrets.is_empty());
    assert!(secrets.iter().any(|s| entry.contains(s.expose())), "the token is stored");

    // 2. No password: the stored token signs on straight through startOSCARSession.
    let out = flapjack(&server, true)
        .args(["-vv", "--log-file"])
        .arg(&log)
        .args(["--send", "ButterBot", "second"])
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(state.client_login_count(), 1, "the warm sign-on skipped clientLogin");

    let mut all_secrets = state.secrets_issued_to(FAN);
    // 3. The server revokes the token: with no password that is exit 2 and a clear message.
    assert!(state.revoke_tokens(FAN) > 0);
    let out = flapjack(&server, true).args(["--send", "ButterBot", "third"]).output().unwrap();
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("flapjack login"), "says how to sign in: {}", stderr(&out));

    // 4. With a password it signs on afresh (and keeps the new token).
    let out = flapjack(&server, true)
        .args(["--send", "ButterBot", "fourth"])
        .env("FLAPJACK_PASSWORD", FAN_PASSWORD)
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(state.client_login_count(), 2);

    // Logs at debug level hold no secret.
    let logged = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(!logged.is_empty(), "-vv wrote a log");
    assert!(!logged.contains(FAN_PASSWORD));
    all_secrets.extend(state.secrets_issued_to(FAN));
    for secret in all_secrets {
        assert!(!logged.contains(secret.expose()), "a secret reached the log");
    }

    // `logout` forgets it.
    let out = flapjack(&server, true).arg("logout").output().unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(store.load(&key).unwrap(), None);
    rt.block_on(server.shutdown());
    drop(dir);
    std::thread::sleep(Duration::from_millis(10));
}

/// `--listen --room` joins the demo's lounge and prints room lines; `--send --room` joins,
/// says its message and leaves with exit 0 once the message is written to the room's
/// connection; a malformed `--room` is exit 1.
#[test]
fn send_room_reaches_a_listener_in_the_lounge() {
    let rt = runtime();
    let mut config = ServerConfig::for_tests(Accounts::demo().unwrap());
    config.bot_brain = Some(flapjack::bot::factory());
    config.public_rooms = vec![flapjack::server::PublicRoom::lounge(&config.accounts)];
    let server = rt.block_on(Server::start(config)).unwrap();
    let mut listener = cli::KillOnDrop(
        flapjack(&server, false)
            .args(["--listen", "--room", "flapjack lounge", "--room", "Griddle"])
            .env("FLAPJACK_PASSWORD", FAN_PASSWORD)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut err = BufReader::new(listener.stderr.take().unwrap());
    let mut joined = Vec::new();
    while joined.len() < 2 {
        let mut line = String::new();
        assert!(err.read_line(&mut line).unwrap() > 0, "listener ended before joining");
        if line.starts_with("joined ") {
            joined.push(line);
        }
    }
    // The room as it was asked for; the bot is already there.
    assert!(joined.iter().any(|l| l.starts_with("joined flapjack lounge (2 people")), "{joined:?}");
    assert!(joined.iter().any(|l| l.starts_with("joined Griddle (1 person")), "{joined:?}");

    let url = format!("http://{}", server.http_addr());
    let sender = || {
        let mut cmd = Command::new(BIN);
        cmd.args(["--config", "/nonexistent/flapjack-test/config.toml", "--no-keyring"])
            .args(["--login-url", &url, "--api-url", &url, "--user", "123456789"])
            .env("FLAPJACK_PASSWORD", "qwerty12");
        cmd
    };
    let out = sender()
        .args(["--send", "--room", "Flapjack Lounge", "syrup \u{1b}[2J for everyone"])
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stderr(&out).is_empty(), "success prints nothing: {}", stderr(&out));
    // The other spelling: the message first, the room after.
    let out = sender().args(["--send", "griddle talk", "--room", "griddle"]).output().unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));

    let mut out = BufReader::new(listener.stdout.take().unwrap());
    let mut rooms = Vec::new();
    while rooms.len() < 2 {
        let mut l = String::new();
        assert!(out.read_line(&mut l).unwrap() > 0, "listener ended early");
        assert!(!l.trim_end().chars().any(flapjack::text::sanitize::is_dangerous), "{l:?}");
        let v: serde_json::Value = serde_json::from_str(&l).unwrap();
        if v["event"] == "room" {
            rooms.push(v);
        }
    }
    drop(listener);
    assert_eq!(rooms[0]["room"], "Flapjack Lounge");
    assert_eq!(rooms[0]["from"], "123456789");
    assert_eq!(rooms[0]["text"], "syrup \u{1b}[2J for everyone");
    assert!(rooms[0]["time"].is_string());
    assert_eq!(rooms[1]["room"], "Griddle");
    assert_eq!(rooms[1]["text"], "griddle talk");

    // 1: malformed --room uses.
    for args in [
        vec!["--send", "--room", "Griddle"],
        vec!["--send", "ButterBot", "x", "--room", "Griddle"],
        vec!["--listen", "--room", "Griddle", "extra"],
        vec!["--room", "Griddle"],
    ] {
        let out = sender().args(&args).output().unwrap();
        assert_eq!(code(&out), 1, "{args:?}: {}", stderr(&out));
    }
}

/// `--send --room` to a room that cannot be joined exits 4, as the README's table says (the
/// server refuses a room name longer than it allows), naming the room on stderr.
#[test]
fn send_room_to_a_room_that_cannot_be_joined_is_exit_4() {
    let rt = runtime();
    let server = start_server(&rt);
    let long = "x".repeat(flapjack::server::bos::MAX_ROOM_NAME + 1);
    let out = flapjack(&server, false)
        .args(["--send", "--room", &long, "hello"])
        .env("FLAPJACK_PASSWORD", FAN_PASSWORD)
        .output()
        .unwrap();
    assert_eq!(code(&out), 4, "{}", stderr(&out));
    assert!(stderr(&out).contains("cannot join the room xxx"), "{}", stderr(&out));
    rt.block_on(server.shutdown());
}
